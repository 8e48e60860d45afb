using CementQuant.Phantom;

namespace CementQuant.Phantom.Tests;

/// <summary>Renders shared by several tests (rendering is the slow part of the suite).</summary>
internal static class Shared
{
    /// <summary>The worked example over a 96 × 96 × 64 mm field centred on L3 (fast, holds all of L3's body).</summary>
    public static PhantomCase WorkedExampleSlab(Func<AcquisitionOptions, AcquisitionOptions>? change = null)
    {
        var c = PhantomCatalogue.Get("worked-example");
        var acq = c.Acquisition with { Columns = 96, Rows = 96, Slices = 64, FieldCenter = L3Centre(c) };
        return c with { Acquisition = change is null ? acq : change(acq) };
    }

    public static Vec3 L3Centre(PhantomCase c)
    {
        var o = c.Model["L3"].Frame.Origin;
        return new Vec3(Math.Round(o.X) + 0.3, Math.Round(o.Y) + 16.3, Math.Round(o.Z) + 0.2);
    }

    private static readonly Lazy<RenderedCt> HfsSlab = new(() => CtRenderer.Render(WorkedExampleSlab(), 7));
    private static readonly Lazy<PhantomTruth> WorkedTruth = new(() => TruthCalculator.Compute(PhantomCatalogue.Get("worked-example")));

    public static RenderedCt WorkedExampleHfs => HfsSlab.Value;
    public static PhantomTruth WorkedExampleTruth => WorkedTruth.Value;

    /// <summary>A plain lumbar spine with <paramref name="cement"/> in L3 (no cleft).</summary>
    public static PhantomCase L3With(params CementShape[] cement) =>
        new("test", "test", SpineSpec.Lumbar().WithLevel("L3", l => l with { Cement = new CementModel(cement) }));
}

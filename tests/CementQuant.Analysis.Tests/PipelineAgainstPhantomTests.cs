using CementQuant.Analysis.Pipeline;
using Xunit.Abstractions;

namespace CementQuant.Analysis.Tests;

/// <summary>
/// Issue 5 end to end: the vertebra locator's own ROIs, then the cement stage, against the phantom's truth.
/// Each true vertebra is matched to the detected body with the nearest centroid.
/// </summary>
public class PipelineAgainstPhantomTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases() => [.. Phantom.PhantomCatalogue.Names];

    /// <summary>
    /// Checks that still fail, by case and "vertebra column" (docs/known-failures.md): kept out of the ordinary test and
    /// asserted to fail by <see cref="AnalyzeWithLocator_KnownLimitation_KnownFailure"/>, so each stays visible.
    /// </summary>
    private static readonly (string Case, string Check, string Why)[] Known =
    [
        ("streak-artifacts", "L3 qc", "STREAK_ARTIFACT is not raised on the small (1 mm) streak phantom (cause not yet analysed)"),
        ("leak-paravertebral", "L4 leakage_volume_ml", "the paravertebral leak reads 0.69 mL for 0.98 mL (outside the partial-volume tolerance of 0.24 mL)"),
        ("rotated-scoliotic", "L3 superior_gap_mm", "on the rotated, scoliotic body the superior gap reads 1.8 mm for 6.0 mm (the other gaps of the catalogue are within 1 voxel)"),
    ];

    public static TheoryData<string, string> KnownCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var k in Known) data.Add(k.Case, k.Check);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AnalyzeWithLocator_CatalogueCase_MatchesTruth(string name)
    {
        var failures = Failures(name).Where(f => !Known.Any(k => k.Case == name && f.StartsWith(k.Check + " ", StringComparison.Ordinal))).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(KnownCases))]
    public void AnalyzeWithLocator_KnownLimitation_KnownFailure(string name, string check)
    {
        var failures = Failures(name);
        KnownFailure.Expect(Known.Single(k => k.Case == name && k.Check == check).Why,
            () => Assert.DoesNotContain(failures, f => f.StartsWith(check + " ", StringComparison.Ordinal)));
    }

    private List<string> Failures(string name)
    {
        var (ct, truth) = PhantomCache.Get(name);
        var results = new CtPipeline(CtPipelineOptions.Default).Run(ct.Hu).Cement;
        var failures = new List<string>();
        foreach (var t in truth.Vertebrae.Where(t => !ct.Case.Model.Vertebrae.Single(m => m.Label == t.Label).Spec.IsSacrum))
        {
            var r = results.OrderBy(x => (x.Metrics.Center - t.Center).Length).FirstOrDefault();
            if (r is null || (r.Metrics.Center - t.Center).Length > 10) { failures.Add($"{t.Vertebra} not found"); continue; }
            var m = r.Metrics;
            output.WriteLine($"{t.Vertebra} as {m.Vertebra}: cement {m.CementVolumeMl:0.000} ({t.CementVolumeMl:0.000}) left {m.LeftFraction:0.000} ({t.LeftFraction:0.000}) flags {string.Join(';', m.Flags)} ({string.Join(';', t.Flags)}) leak sites [{string.Join(';', m.LeakSites)}] ([{string.Join(';', t.LeakSites)}])");
            void Check(bool ok, string what) { if (!ok) failures.Add($"{t.Vertebra} {what}"); }
            Check(Math.Abs(m.CementVolumeMl - t.CementVolumeMl) <= Math.Max(0.1, 0.05 * t.CementVolumeMl), $"cement {m.CementVolumeMl:0.000} mL vs {t.CementVolumeMl:0.000}");
            if (t.LeftFraction is { } lf) Check(m.LeftFraction is { } f && Math.Abs(f - lf) <= 0.03, $"left_fraction {m.LeftFraction:0.000} vs {lf:0.000}");
            if (t.CementVolumeMl > 0)
            {
                Check(m.SuperiorContact == t.SuperiorContact && m.InferiorContact == t.InferiorContact, "endplate contact");
                Check(m.SuperiorContactLeft == t.SuperiorContactLeft && m.SuperiorContactRight == t.SuperiorContactRight
                    && m.InferiorContactLeft == t.InferiorContactLeft && m.InferiorContactRight == t.InferiorContactRight, "contact per side");
                Check(m.BridgingLeft == t.BridgingLeft && m.BridgingRight == t.BridgingRight, "bridging");
            }
            Check(m.NpecType == t.NpecType, $"npec_type {m.NpecType} vs {t.NpecType}");
            output.WriteLine($"  gaps {m.SuperiorGapMm:0.00}/{m.InferiorGapMm:0.00} ({t.SuperiorGapMm:0.00}/{t.InferiorGapMm:0.00}) reach {m.ContralateralReachMm:0.00} ({t.ContralateralReachMm:0.00}) cleft {m.CleftVolumeMl:0.000} ({t.CleftVolumeMl:0.000}) leak {m.LeakageVolumeMl:0.000} ({t.LeakageVolumeMl:0.000}) qc {string.Join(';', m.Qc)}");
            foreach (var (what, measured, expected, tolerance) in TruthTolerances.Distances(m, t, ct.Hu.Geometry))
                Check(measured is { } v && Math.Abs(v - expected) <= tolerance, $"{what} {measured:0.00} mm vs {expected:0.00} (± {tolerance:0.00})");
            foreach (var (what, measured, expected, tolerance) in TruthTolerances.Volumes(m, t, ct.Hu.Geometry))
                Check(Math.Abs(measured - expected) <= tolerance, $"{what} {measured:0.000} mL vs {expected:0.000} (± {tolerance:0.000})");
            if (t.CementVolumeMl > 0)
                Check(m.Qc.Contains(QcCodes.StreakArtifact) == ct.Acquisition.CementStreaks, $"qc [{string.Join(';', m.Qc)}]: STREAK_ARTIFACT expected {ct.Acquisition.CementStreaks}");
            Check(m.Flags.SequenceEqual(t.Flags), $"flags {string.Join(';', m.Flags)} vs {string.Join(';', t.Flags)}");
            Check(m.LeakSites.Order(StringComparer.Ordinal).SequenceEqual(t.LeakSites.Order(StringComparer.Ordinal)), $"leak sites {string.Join(';', m.LeakSites)} vs {string.Join(';', t.LeakSites)}");
        }
        return failures;
    }
}

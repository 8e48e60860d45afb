using CementQuant.Analysis.Cement;
using CementQuant.Phantom;
using Xunit.Abstractions;

namespace CementQuant.Analysis.Tests;

/// <summary>
/// The cement stage on every phantom catalogue case, with ROIs from the phantom's truth, against the
/// phantom's exact answers (issue 5 acceptance): volume within max(0.1 mL, 5%), left_fraction within 0.03,
/// contact, per-side contact, bridging, NPEC type and every flag identical; leak sites and clefts found.
/// </summary>
public class CementAgainstPhantomTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases() => [.. PhantomCatalogue.Names];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Analyze_CatalogueCaseWithTrueRois_MatchesTruth(string name)
    {
        var (ct, truth) = PhantomCache.Get(name);
        var rois = TruthRois.FromTruth(ct, truth);
        var results = new CementAnalyzer(new CementOptions()).Analyze(ct.Hu, rois);
        var failures = new List<string>();
        foreach (var r in results)
        {
            var m = r.Metrics;
            var t = truth.Vertebrae.Single(v => v.Vertebra == m.Vertebra);
            output.WriteLine($"{m.Vertebra}: cement {m.CementVolumeMl:0.000} (truth {t.CementVolumeMl:0.000}) left {m.LeftFraction:0.000} ({t.LeftFraction:0.000}) sup {m.SuperiorGapMm:0.00} ({t.SuperiorGapMm:0.00}) inf {m.InferiorGapMm:0.00} ({t.InferiorGapMm:0.00}) reach {m.ContralateralReachMm:0.0} ({t.ContralateralReachMm:0.0}) sol {m.Solidity:0.00} sph {m.Sphericity:0.00} s/v {m.SurfaceToVolumeMm1:0.00} pattern {m.Pattern} ({t.Pattern}) cleft {m.CleftVolumeMl:0.000} ({t.CleftVolumeMl:0.000}) leak {m.LeakageVolumeMl:0.000} ({t.LeakageVolumeMl:0.000}) [{string.Join(';', m.LeakSites)}] ([{string.Join(';', t.LeakSites)}]) flags {string.Join(';', m.Flags)} ({string.Join(';', t.Flags)}) thr {m.ThresholdHu}");
            void Check(bool ok, string what) { if (!ok) failures.Add($"{m.Vertebra} {what}"); }
            Check(Math.Abs(m.CementVolumeMl - t.CementVolumeMl) <= Math.Max(0.1, 0.05 * t.CementVolumeMl), $"cement {m.CementVolumeMl:0.000} mL vs {t.CementVolumeMl:0.000}");
            if (t.LeftFraction is { } lf) Check(m.LeftFraction is { } f && Math.Abs(f - lf) <= 0.03, $"left_fraction {m.LeftFraction:0.000} vs {lf:0.000}");
            if (t.CementVolumeMl > 0)
            {
                Check(m.SuperiorContact == t.SuperiorContact, $"superior_contact {m.SuperiorContact} vs {t.SuperiorContact}");
                Check(m.InferiorContact == t.InferiorContact, $"inferior_contact {m.InferiorContact} vs {t.InferiorContact}");
                Check(m.SuperiorContactLeft == t.SuperiorContactLeft && m.SuperiorContactRight == t.SuperiorContactRight, "superior contact per side");
                Check(m.InferiorContactLeft == t.InferiorContactLeft && m.InferiorContactRight == t.InferiorContactRight, "inferior contact per side");
                Check(m.BridgingLeft == t.BridgingLeft && m.BridgingRight == t.BridgingRight, $"bridging {m.BridgingLeft}/{m.BridgingRight} vs {t.BridgingLeft}/{t.BridgingRight}");
            }
            Check(m.NpecType == t.NpecType, $"npec_type {m.NpecType} vs {t.NpecType}");
            Check(m.Flags.SequenceEqual(t.Flags), $"flags {string.Join(';', m.Flags)} vs {string.Join(';', t.Flags)}");
            Check(m.LeakSites.Order(StringComparer.Ordinal).SequenceEqual(t.LeakSites.Order(StringComparer.Ordinal)), $"leak sites {string.Join(';', m.LeakSites)} vs {string.Join(';', t.LeakSites)}");
            Check((m.CleftVolumeMl >= 0.05) == (t.CleftVolumeMl >= 0.05), $"cleft {m.CleftVolumeMl:0.000} vs {t.CleftVolumeMl:0.000}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

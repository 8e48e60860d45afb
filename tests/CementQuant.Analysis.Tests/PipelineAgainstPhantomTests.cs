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

    [Theory]
    [MemberData(nameof(Cases))]
    public void AnalyzeWithLocator_CatalogueCase_MatchesTruth(string name)
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
            Check(m.Flags.SequenceEqual(t.Flags), $"flags {string.Join(';', m.Flags)} vs {string.Join(';', t.Flags)}");
            Check(m.LeakSites.Order(StringComparer.Ordinal).SequenceEqual(t.LeakSites.Order(StringComparer.Ordinal)), $"leak sites {string.Join(';', m.LeakSites)} vs {string.Join(';', t.LeakSites)}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

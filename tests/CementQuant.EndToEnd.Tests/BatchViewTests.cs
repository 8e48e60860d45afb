using System.Net;
using System.Text.RegularExpressions;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// The report's first page (BatchView): the run at a glance with its charts, every flagged row linking to its panel,
/// and every series that was not analysed with its reason, checked against the run's own CSV files.
/// </summary>
[Collection(BatchCollection.Name)]
public sealed class BatchViewTests(BatchFixture fx)
{
    [Fact]
    public void Report_FirstPage_ChartsFlaggedRowsAndNotAnalysedSeries_AgreeWithTheCsvFiles()
    {
        // The worked example's study, and two slices of another CT study: a series skipped as too few for a volume.
        var input = Path.Combine(fx.Root, "batch-view", "in");
        fx.CopyPhantom("worked-example", Path.Combine(input, "we"));
        var two = Path.Combine(input, "two-slices");
        fx.CopyStudy("superior-only", two, "batch-view-two");
        foreach (var f in Directory.GetFiles(two).Order(StringComparer.Ordinal).Skip(2)) File.Delete(f);
        var reference = Path.Combine(fx.Root, "batch-view", "out");
        var run = Cli.Run("analyze", input, "--out", reference, "--site-key", fx.SiteKeyPath, "--no-masks");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var html = File.ReadAllText(Path.Combine(reference, "report.html"));
        var glance = html[html.IndexOf("<section id=\"glance\">", StringComparison.Ordinal)..html.IndexOf("<section id=\"summary\">", StringComparison.Ordinal)];

        var vertebrae = Outputs.ReadCsv(Path.Combine(reference, "vertebrae.csv"));
        var radiographs = Outputs.ReadCsv(Path.Combine(reference, "radiographs.csv"));
        Assert.Contains(vertebrae, v => double.Parse(v["cement_volume_ml"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        // Four charts, inlined (the page loads nothing), each a real PNG.
        var charts = Regex.Matches(glance, "data:image/png;base64,([A-Za-z0-9+/=]+)");
        Assert.Equal(4, charts.Count);
        Assert.All(charts, c => Assert.True(Convert.FromBase64String(c.Groups[1].Value).AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A })));

        // Every flagged row once, linking to a panel that exists.
        var flagged = vertebrae.Count(v => v["flags"].Length > 0) + radiographs.Count(r => r["flags"].Length > 0);
        Assert.True(flagged > 0);
        Assert.Contains($"Flagged ({flagged})", glance, StringComparison.Ordinal);
        var links = Regex.Matches(glance, "<a href=\"#([vr]-[^\"]+)\">").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(flagged, links.Count);
        Assert.All(links, id => Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal));

        // Every series not analysed, with its reason; the problem count of problems.csv.
        var notOk = Outputs.ReadCsv(Path.Combine(reference, "series.csv")).Where(s => s["status"] != "ok").ToList();
        Assert.NotEmpty(notOk);
        Assert.Contains($"Not analysed ({notOk.Count} series)", glance, StringComparison.Ordinal);
        Assert.All(notOk, s => Assert.Contains(WebUtility.HtmlEncode(s["reason"]), glance, StringComparison.Ordinal));
        var problems = Outputs.ReadCsv(Path.Combine(reference, "problems.csv")).Count;
        Assert.Contains($"{problems} row{(problems == 1 ? "" : "s")} in <a href=\"problems.csv\">", glance, StringComparison.Ordinal);
    }
}

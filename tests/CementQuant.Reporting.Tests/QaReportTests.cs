using System.Diagnostics;
using System.Text.RegularExpressions;
using CementQuant.Reporting.Report;
using SkiaSharp;
using Xunit.Abstractions;

namespace CementQuant.Reporting.Tests;

/// <summary>
/// Issue 7 acceptance: the report of the worked-example phantom (ROIs from truth, cement from the cement
/// stage) loads in headless Chromium without errors, every picture it references exists and is not blank,
/// and NPEC, ASYMMETRIC_MASS_LIKE and CLEFT are shown for L3 and only there.
/// </summary>
public sealed partial class QaReportTests(WorkedExampleFixture fixture, ITestOutputHelper output) : IClassFixture<WorkedExampleFixture>
{
    private static readonly string[] WorkedExampleFlags = ["NPEC", "ASYMMETRIC_MASS_LIKE", "CLEFT"];

    [Fact]
    public void Write_WorkedExample_LoadsInChromiumWithFlagsOnL3()
    {
        var s = fixture.Series;
        var dir = Directory.CreateTempSubdirectory("cq-report-");
        try
        {
            var report = new QaReport(dir.FullName);
            var id = new SeriesIdentity("5d1c0ffee0a1b2c3", "a9e8d7c6b5a40312");
            var sw = Stopwatch.StartNew();
            report.AddSeries(id, "CT volume 128×128×192 (phantom worked-example)", s.Ct.Hu, s.Rois, s.Vertebrae);
            var html = report.Write();
            output.WriteLine($"report of {s.Vertebrae.Count} vertebrae written in {sw.Elapsed.TotalMilliseconds:0} ms (first in process, JIT included)");
            Assert.Equal(Path.Combine(dir.FullName, "report.html"), html);

            // Every referenced picture exists, lies in report/, and is not blank.
            var text = File.ReadAllText(html);
            var sources = ImgSrc().Matches(text).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(1 + s.Vertebrae.Sum(v => QaReport.IsCompact(v.Metrics) ? 2 : 6), sources.Count);
            foreach (var src in sources)
            {
                Assert.StartsWith("report/", src, StringComparison.Ordinal);
                Assert.DoesNotContain("..", src, StringComparison.Ordinal);
                var path = Path.Combine(dir.FullName, src);
                Assert.True(File.Exists(path), $"missing picture {src}");
                Assert.True(PictureStats.NotBlank(path), $"blank picture {src}");
            }
            Assert.DoesNotMatch(NetworkReference(), text);

            // Loads in Chromium: script ran to the end, every image decoded, no console error.
            var chromium = Chromium.Run("--virtual-time-budget=5000", "--dump-dom", new Uri(html).AbsoluteUri);
            Assert.Equal(0, chromium.ExitCode);
            var dom = chromium.Stdout;
            Assert.Contains("data-report-ready=\"true\"", dom, StringComparison.Ordinal);
            // Every image decoded: the picture files and the first page's inline charts (four with cement in the run).
            var charts = Regex.Count(text, "<img src=\"data:image/png;base64,");
            Assert.Equal(4, charts);
            Assert.Contains($"data-images=\"{sources.Count + charts}\"", dom, StringComparison.Ordinal);
            Assert.Contains("data-broken-images=\"0\"", dom, StringComparison.Ordinal);
            var consoleErrors = chromium.Stderr.Split('\n').Where(l => l.Contains("CONSOLE", StringComparison.Ordinal) || l.Contains("Uncaught", StringComparison.Ordinal)).ToList();
            Assert.True(consoleErrors.Count == 0, string.Join("\n", consoleErrors));

            // The flags, in the summary rows and in the panels, as the browser sees them.
            foreach (var v in s.Vertebrae)
            {
                var label = v.Metrics.Vertebra;
                var row = Regex.Match(dom, $"<tr data-flags=\"([^\"]*)\"[^>]*>(?:(?!</tr>).)*?>{label}</a>", RegexOptions.Singleline);
                Assert.True(row.Success, $"no summary row for {label}");
                var rowFlags = row.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var panel = Regex.Match(dom, $"<section class=\"panel\" id=\"v-[^\"]*_{label}\" data-flags=\"([^\"]*)\">(.*?)</section>", RegexOptions.Singleline);
                Assert.True(panel.Success, $"no panel for {label}");
                var shown = FlagBadge().Matches(panel.Groups[2].Value).Select(m => m.Groups[1].Value).Distinct().ToList();
                foreach (var f in WorkedExampleFlags)
                {
                    var expected = label == "L3";
                    Assert.True(rowFlags.Contains(f) == expected, $"{label} summary row flags '{row.Groups[1].Value}'");
                    Assert.True(shown.Contains(f) == expected, $"{label} panel shows {string.Join(',', shown)}");
                }
                if (label == "L3")
                {
                    Assert.Contains("touches neither endplate", panel.Groups[2].Value, StringComparison.Ordinal);
                    Assert.Contains("on the patient's left", panel.Groups[2].Value, StringComparison.Ordinal);
                }
            }

            // A screenshot renders (and, when asked, is kept for docs/report/).
            var keep = Environment.GetEnvironmentVariable("CQ_REPORT_SCREENSHOTS");
            var shots = keep ?? dir.FullName;
            Directory.CreateDirectory(shots);
            var summaryPng = Path.Combine(shots, "summary.png");
            Assert.Equal(0, Chromium.Screenshot(new Uri(html).AbsoluteUri, summaryPng, 1280, 900).ExitCode);
            Assert.True(PictureStats.NotBlank(summaryPng));
            if (keep is not null)
            {
                var l3 = Regex.Match(text, "id=\"(v-[^\"]*_L3)\"").Groups[1].Value;
                Chromium.Screenshot(new Uri(html).AbsoluteUri + "#only=" + l3, Path.Combine(shots, "panel-L3.png"), 1280, 1240);
                File.Copy(html, Path.Combine(shots, "report.html"), overwrite: true);
                CopyDir(Path.Combine(dir.FullName, "report"), Path.Combine(shots, "report"));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void AddSeries_ConcurrentSeries_AllInSummaryWithDistinctPictureNames()
    {
        var s = fixture.Series;
        var dir = Directory.CreateTempSubdirectory("cq-report-");
        try
        {
            var report = new QaReport(dir.FullName);
            var l3 = s.Vertebrae.Where(v => v.Metrics.Vertebra == "L3").ToList();
            // Same series key twice on purpose: names must still not collide.
            Parallel.For(0, 4, i => report.AddSeries(new SeriesIdentity($"study{i % 2}", i < 2 ? "same/key" : $"series{i}"), $"<b>desc {i}</b>", s.Ct.Hu, s.Rois, l3));
            var text = File.ReadAllText(report.Write());
            var sources = ImgSrc().Matches(text).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(4 * 7, sources.Distinct().Count());
            Assert.All(sources, src => Assert.Matches("^report/[A-Za-z0-9_-]+\\.png$", src));
            Assert.Contains("&lt;b&gt;desc 0&lt;/b&gt;", text, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void AddSeries_BodyWithoutCementOrFlag_CompactPanelOfAxialAndSagittalOnly()
    {
        var s = fixture.Series;
        var l3 = s.Vertebra("L3");
        Assert.NotEmpty(l3.InBodyVoxels);
        var bare = new ReportVertebra(l3.Metrics with { CementVolumeMl = 0, FillPct = 0, LeakageVolumeMl = 0, Flags = [] }, [], []);
        var fractured = bare with { Metrics = bare.Metrics with { Flags = ["FRACTURE"] } };
        var dir = Directory.CreateTempSubdirectory("cq-report-");
        try
        {
            var report = new QaReport(dir.FullName);
            report.AddSeries(new SeriesIdentity("study", "series"), "", s.Ct.Hu, s.Rois, [l3, bare, fractured]);
            var text = File.ReadAllText(report.Write());
            var kinds = ImgSrc().Matches(text).Select(m => m.Groups[1].Value).Where(src => !src.EndsWith("_chart.png", StringComparison.Ordinal))
                .GroupBy(src => src[..src.LastIndexOf('_')]).ToDictionary(g => g.Key, g => g.Select(src => src[(src.LastIndexOf('_') + 1)..^4]).ToList());
            string[] full = ["axial", "coronal", "sagittal", "mip-ap", "mip-lat", "contact"];
            Assert.Equal(full, kinds["report/series_L3"]);        // cemented
            Assert.Equal(["axial", "sagittal"], kinds["report/series_L3-2"]); // no cement, no flag
            Assert.Equal(full, kinds["report/series_L3-3"]);      // no cement but flagged: everything
            Assert.Single(Regex.Matches(text, "Compact panel:"));
            Assert.All(Directory.GetFiles(Path.Combine(dir.FullName, "report")), f => Assert.True(PictureStats.NotBlank(f), f));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)), overwrite: true);
    }

    // Picture files (the first page's charts are inline data: URIs, not files).
    [GeneratedRegex("<img src=\"(?!data:)([^\"]+)\"")]
    private static partial Regex ImgSrc();

    [GeneratedRegex("(?:src|href)=\"(?:https?:)?//", RegexOptions.IgnoreCase)]
    private static partial Regex NetworkReference();

    [GeneratedRegex("<span class=\"flag f-[A-Z_]+\">([A-Z_]+)</span>")]
    private static partial Regex FlagBadge();
}

internal static class PictureStats
{
    /// <summary>The longest run of pure white on a row: the scale bar on the footer's bar row.</summary>
    public static int WhiteRun(SKBitmap bmp, int row)
    {
        int best = 0, run = 0;
        for (var x = 0; x < bmp.Width; x++)
        {
            var c = bmp.GetPixel(x, row);
            run = c.Red == 255 && c.Green == 255 && c.Blue == 255 ? run + 1 : 0;
            best = Math.Max(best, run);
        }
        return best;
    }

    /// <summary>Decodes a PNG and checks it has real content: many distinct colours and a spread of luminance.</summary>
    public static bool NotBlank(string path)
    {
        using var bmp = SKBitmap.Decode(path);
        if (bmp is null || bmp.Width < 50 || bmp.Height < 50) return false;
        var colours = new HashSet<uint>();
        double sum = 0, sum2 = 0; long n = 0;
        for (var y = 0; y < bmp.Height; y += 2)
            for (var x = 0; x < bmp.Width; x += 2)
            {
                var c = bmp.GetPixel(x, y);
                colours.Add((uint)c);
                var l = 0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue;
                sum += l; sum2 += l * l; n++;
            }
        var sd = Math.Sqrt(Math.Max(0, sum2 / n - (sum / n) * (sum / n)));
        return colours.Count > 20 && sd > 10;
    }
}

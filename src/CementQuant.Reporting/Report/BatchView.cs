using System.Globalization;
using System.Net;
using System.Text;
using ScottPlot;

namespace CementQuant.Reporting.Report;

/// <summary>A series that was not analysed (skipped or failed), for the report's first page.</summary>
public sealed record NotAnalysedSeries(string SeriesKey, string Kind, string Description, string Status, string Reason);

/// <summary>
/// The report's first page, the run at a glance: cemented CT vertebrae by level (fill % and larger-side fill %, left
/// fraction, NPEC and mass-like rates), the distribution of cement volumes (ScottPlot, inlined as PNG data so the page
/// stays one file that loads nothing), the flagged rows linking to their panels, then every series that was skipped or
/// failed with its reason and the count of problems.csv rows.
/// </summary>
internal static class BatchView
{
    public static void Append(StringBuilder sb, IReadOnlyList<ReportSeries> series, IReadOnlyList<NotAnalysedSeries> notAnalysed, int problems)
    {

        var cemented = series.SelectMany(s => s.Vertebrae.Select(v => (Series: s, V: v))).Where(x => x.V.Metrics.CementVolumeMl > 0).ToList();
        sb.Append("<section id=\"glance\"><h2>The run at a glance</h2>\n");
        if (cemented.Count == 0)
            sb.Append("<p class=\"muted\">No CT vertebra with cement in this run.</p>\n");
        else
        {
            var levels = cemented.Select(x => x.V.Metrics.Vertebra).Distinct().OrderBy(LevelRank).ThenBy(l => l, StringComparer.Ordinal).ToList();
            sb.Append(Invariant($"<p class=\"muted\">{cemented.Count} cemented CT vertebra{(cemented.Count == 1 ? "" : "e")} at {levels.Count} level{(levels.Count == 1 ? "" : "s")}; levels counted from the spine where known (L3), else by position in their series (V1…).</p>\n"));
            sb.Append("<div class=\"glance\">\n");
            Figure(sb, FillByLevel(cemented.Select(x => x.V.Metrics).ToList(), levels), "fill % and larger-side fill % (LSBCV/VBV) by level, one point per vertebra; dashed: 15 %");
            Figure(sb, LeftFractionByLevel(cemented.Select(x => x.V.Metrics).ToList(), levels), "left fraction by level (0 all right, 1 all left)");
            Figure(sb, Rates(cemented.Select(x => x.V.Metrics).ToList(), levels), "NPEC and asymmetric mass-like rates by level");
            Figure(sb, Volumes(cemented.Select(x => x.V.Metrics.CementVolumeMl).ToList()), "cement volume distribution (mL)");
            sb.Append("</div>\n");
        }
        var flagged = series.SelectMany(s => s.Vertebrae.Where(v => v.Metrics.Flags.Count > 0).Select(v => (Key: s.Id.SeriesKey, Link: "#v-" + v.Anchor, v.Metrics.Vertebra, View: "CT", v.Metrics.Flags)))
            .Concat(series.SelectMany(s => s.Radiographs.SelectMany(r => r.Result.Rows.Where(m => m.Flags.Count > 0).Select(m => (Key: s.Id.SeriesKey, Link: "#r-" + r.Anchor, m.Vertebra, View: m.View, m.Flags)))))
            .ToList();
        sb.Append(Invariant($"<h3>Flagged ({flagged.Count})</h3>\n"));
        if (flagged.Count == 0) sb.Append("<p class=\"muted\">No row is flagged.</p>\n");
        else
        {
            sb.Append("<table class=\"summary\"><thead><tr><th>series</th><th>view</th><th>level</th><th>flags</th></tr></thead><tbody>\n");
            foreach (var f in flagged)
                sb.Append(Invariant($"<tr><td class=\"key\">{E(Short(f.Key))}</td><td>{E(f.View)}</td><td><a href=\"{E(f.Link)}\">{E(f.Vertebra)}</a></td><td>{E(string.Join(' ', f.Flags))}</td></tr>\n"));
            sb.Append("</tbody></table>\n");
        }
        sb.Append(Invariant($"<h3>Not analysed ({notAnalysed.Count} series)</h3>\n"));
        if (notAnalysed.Count == 0) sb.Append("<p class=\"muted\">Every series was analysed.</p>\n");
        else
        {
            sb.Append("<table class=\"summary\"><thead><tr><th>series</th><th>status</th><th>kind</th><th>what</th><th>why</th></tr></thead><tbody>\n");
            foreach (var n in notAnalysed.OrderBy(n => n.Status == "failed" ? 0 : 1).ThenBy(n => n.SeriesKey, StringComparer.Ordinal))
                sb.Append(Invariant($"<tr><td class=\"key\">{E(Short(n.SeriesKey))}</td><td>{E(n.Status)}</td><td>{E(n.Kind)}</td><td>{E(n.Description)}</td><td class=\"why\">{E(n.Reason)}</td></tr>\n"));
            sb.Append("</tbody></table>\n");
        }
        sb.Append(Invariant($"<p class=\"muted\">{problems} row{(problems == 1 ? "" : "s")} in <a href=\"problems.csv\">problems.csv</a> (every file or series not used, and why).</p>\n</section>\n"));
    }

    /// <summary>Spine order: C1…C7, T1…T12, L1…L5, S1…, then position labels V1… (which are per series).</summary>
    public static int LevelRank(string level)
    {
        if (level.Length < 2 || !int.TryParse(level.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return 10_000;
        return level[0] switch { 'C' => n, 'T' => 100 + n, 'L' => 200 + n, 'S' => 300 + n, _ => 1000 + n };
    }

    private static void Figure(StringBuilder sb, byte[] png, string caption) =>
        sb.Append(Invariant($"<figure class=\"chart\"><img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" alt=\"{E(caption)}\"><figcaption>{E(caption)}</figcaption></figure>\n"));

    private static byte[] FillByLevel(List<VertebraMetrics> rows, List<string> levels)
    {
        var plt = NewPlot("% of the body", levels);
        double[] xs = [.. rows.Select(m => (double)levels.IndexOf(m.Vertebra))];
        var fill = plt.Add.ScatterPoints(xs, [.. rows.Select(m => m.FillPct)]);
        fill.Color = Color.FromHex("#f0a050");
        fill.MarkerSize = 10;
        fill.LegendText = "fill %";
        var larger = plt.Add.ScatterPoints(xs, [.. rows.Select(m => m.LargerSideFillPct ?? 0)]);
        larger.Color = Color.FromHex("#4fa3ff");
        larger.MarkerShape = MarkerShape.FilledSquare;
        larger.MarkerSize = 8;
        larger.LegendText = "larger-side fill %";
        plt.Legend.IsVisible = true;
        var line = plt.Add.HorizontalLine(15);
        line.LineColor = Color.FromHex("#bbbbbb");
        line.LinePattern = LinePattern.Dashed;
        plt.Axes.SetLimitsY(0, Math.Max(40, rows.Max(m => m.FillPct) * 1.1));
        return Png(plt);
    }

    private static byte[] LeftFractionByLevel(List<VertebraMetrics> rows, List<string> levels)
    {
        var plt = NewPlot("left fraction", levels);
        var points = rows.Where(m => m.LeftFraction is not null).ToList();
        if (points.Count > 0)
        {
            var scatter = plt.Add.ScatterPoints(points.Select(m => (double)levels.IndexOf(m.Vertebra)).ToArray(), points.Select(m => m.LeftFraction!.Value).ToArray());
            scatter.Color = Color.FromHex("#f0a050");
            scatter.MarkerSize = 9;
        }
        var mid = plt.Add.HorizontalLine(0.5);
        mid.LineColor = Color.FromHex("#bbbbbb");
        mid.LinePattern = LinePattern.Dashed;
        plt.Axes.SetLimitsY(-0.05, 1.05);
        return Png(plt);
    }

    private static byte[] Rates(List<VertebraMetrics> rows, List<string> levels)
    {
        var plt = NewPlot("% of cemented vertebrae", levels);
        for (var i = 0; i < levels.Count; i++)
        {
            var at = rows.Where(m => m.Vertebra == levels[i]).ToList();
            double Rate(string flag) => 100.0 * at.Count(m => m.Flags.Contains(flag)) / at.Count;
            plt.Add.Bar(new Bar { Position = i - 0.18, Value = Rate("NPEC"), FillColor = Color.FromHex("#4fa3ff"), LineWidth = 0, Size = 0.34 });
            plt.Add.Bar(new Bar { Position = i + 0.18, Value = Rate("ASYMMETRIC_MASS_LIKE"), FillColor = Color.FromHex("#e05a5a"), LineWidth = 0, Size = 0.34 });
        }
        plt.Axes.SetLimitsY(0, 105);
        plt.Legend.IsVisible = true;
        plt.Legend.ManualItems.Add(new LegendItem { LabelText = "NPEC", FillColor = Color.FromHex("#4fa3ff") });
        plt.Legend.ManualItems.Add(new LegendItem { LabelText = "mass-like", FillColor = Color.FromHex("#e05a5a") });
        return Png(plt);
    }

    private static byte[] Volumes(List<double> volumes)
    {
        var plt = new Plot();
        Style(plt);
        const double bin = 0.5;
        var counts = volumes.GroupBy(v => (int)Math.Floor(v / bin)).OrderBy(g => g.Key).ToList();
        foreach (var g in counts)
            plt.Add.Bar(new Bar { Position = (g.Key + 0.5) * bin, Value = g.Count(), FillColor = Color.FromHex("#f0a050"), LineWidth = 0, Size = bin * 0.9 });
        plt.Axes.Left.Label.Text = "vertebrae";
        plt.Axes.Bottom.Label.Text = "cement volume (mL)";
        plt.Axes.SetLimitsY(0, counts.Max(g => g.Count()) + 1);
        return Png(plt);
    }

    private static Plot NewPlot(string yLabel, List<string> levels)
    {
        var plt = new Plot();
        Style(plt);
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, levels.Count).Select(i => (double)i)], [.. levels]);
        plt.Axes.SetLimitsX(-0.7, levels.Count - 0.3);
        plt.Axes.Left.Label.Text = yLabel;
        return plt;
    }

    private static void Style(Plot plt)
    {
        // The report pictures' own font, named: ScottPlot's default family resolves differently depending on what was drawn
        // before in the process, and a --resume run draws nothing else before these charts (its page must be the same bytes).
        plt.Font.Set(Fonts.Regular.FamilyName);
        plt.FigureBackground.Color = Color.FromHex("#17191d");
        plt.DataBackground.Color = Color.FromHex("#1d1f24");
        plt.Axes.Color(Color.FromHex("#cfd3d8"));
        plt.Grid.MajorLineColor = Color.FromHex("#2c2f36");
    }

    private static byte[] Png(Plot plt) => plt.GetImageBytes(480, 300, ImageFormat.Png);

    private static string Short(string key) => key.Length > 8 ? key[..8] : key;

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

using ScottPlot;

namespace CementQuant.Reporting.Report;

/// <summary>
/// One chart per series (ScottPlot): in-body cement of each vertebra as % of its body volume, split into the
/// patient's right and left half (stacked, so the bar's height is fill_pct), with the LOW_FILL line at 15 %.
/// </summary>
internal static class SeriesChart
{
    public static byte[] Render(IReadOnlyList<VertebraMetrics> vertebrae)
    {
        var plt = new Plot();
        var bars = new List<Bar>();
        var left = Color.FromHex(Palette.Css(Palette.Cement));
        var right = Color.FromHex("#4fa3ff");
        for (var i = 0; i < vertebrae.Count; i++)
        {
            var m = vertebrae[i];
            var body = m.BodyVolumeMl > 0 ? m.BodyVolumeMl : 1;
            var r = 100 * (m.CementRightMl ?? 0) / body;
            var l = 100 * (m.CementLeftMl ?? 0) / body;
            bars.Add(new Bar { Position = i, ValueBase = 0, Value = r, FillColor = right, LineWidth = 0 });
            bars.Add(new Bar { Position = i, ValueBase = r, Value = r + l, FillColor = left, LineWidth = 0 });
        }
        plt.Add.Bars(bars);
        var line = plt.Add.HorizontalLine(15);
        line.LineColor = Color.FromHex("#bbbbbb");
        line.LinePattern = LinePattern.Dashed;
        line.LineWidth = 1;
        plt.Axes.Bottom.SetTicks([.. Enumerable.Range(0, vertebrae.Count).Select(i => (double)i)], [.. vertebrae.Select(v => v.Vertebra)]);
        plt.Axes.Bottom.MajorTickStyle.Length = 0;
        plt.Axes.SetLimits(-0.6, Math.Max(0.6, vertebrae.Count - 0.4), 0, Math.Max(20, vertebrae.Select(v => v.FillPct).DefaultIfEmpty(0).Max() * 1.15));
        plt.YLabel("cement, % of body volume");
        plt.Title("In-body cement per vertebra (right | left)", size: 13);
        plt.Legend.ManualItems.Add(new LegendItem { LabelText = "patient's left", FillColor = left });
        plt.Legend.ManualItems.Add(new LegendItem { LabelText = "patient's right", FillColor = right });
        plt.Legend.ManualItems.Add(new LegendItem { LabelText = "LOW_FILL (15 %)", LineColor = Color.FromHex("#bbbbbb"), LinePattern = LinePattern.Dashed, LineWidth = 1 });
        plt.Legend.Alignment = Alignment.UpperRight;
        plt.ShowLegend();

        // Dark theme and the page's font (ScottPlot would otherwise pick a serif fallback on Linux).
        plt.Font.Set(Fonts.Regular.FamilyName);
        plt.Legend.FontName = Fonts.Regular.FamilyName;
        plt.FigureBackground.Color = Color.FromHex("#181a1e");
        plt.DataBackground.Color = Color.FromHex("#0c0c0e");
        plt.Axes.Color(Color.FromHex("#d0d0d0"));
        plt.Grid.MajorLineColor = Color.FromHex("#33363c");
        plt.Legend.BackgroundColor = Color.FromHex("#24262b");
        plt.Legend.FontColor = Color.FromHex("#d0d0d0");
        plt.Legend.OutlineColor = Color.FromHex("#44474d");
        return plt.GetImageBytes(Math.Max(360, 120 + 70 * vertebrae.Count), 260, ImageFormat.Png);
    }
}

using System.Globalization;

namespace CementQuant.Cli;

/// <summary>The per-vertebra summary printed at the end of analyze and demo.</summary>
internal static class SummaryTable
{
    /// <summary>Series beyond which a batch prints flag counts instead of every vertebra.</summary>
    private const int MaxDetailed = 10;

    public static void Print(TextWriter w, IReadOnlyList<SeriesOutcome> series)
    {
        var inv = CultureInfo.InvariantCulture;
        var ok = series.Where(s => s.Status == "ok").ToList();
        if (ok.Count > MaxDetailed)
        {
            var vertebrae = ok.SelectMany(s => s.Vertebrae).ToList();
            var xr = ok.SelectMany(s => s.Radiographs).SelectMany(x => x.Rows).ToList();
            w.WriteLine(string.Create(inv, $"{ok.Count} series, {vertebrae.Count} vertebrae, {vertebrae.Count(v => v.CementVolumeMl > 0)} cemented (per-vertebra rows in vertebrae.csv); {xr.Count} radiograph rows (radiographs.csv)"));
            foreach (var flag in vertebrae.SelectMany(v => v.Flags).Concat(xr.SelectMany(m => m.Flags)).GroupBy(f => f).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
                w.WriteLine(string.Create(inv, $"  {flag.Key,-22} {flag.Count(),6}"));
            return;
        }
        foreach (var s in ok)
        {
            w.WriteLine($"series {s.Identity.SeriesKey} ({s.Description})");
            if (s.Radiographs.Count > 0)
            {
                PrintRadiographs(w, s);
                continue;
            }
            w.WriteLine("  vertebra  cement mL  fill %  left frac  sup  inf  npec           pattern     flags");
            foreach (var v in s.Vertebrae)
                w.WriteLine(string.Create(inv, $"  {v.Vertebra,-8} {v.CementVolumeMl,9:0.00} {v.FillPct,7:0.0} {Fmt(v.LeftFraction),10} {Yn(v.SuperiorContact),4} {Yn(v.InferiorContact),4}  {v.NpecType,-14} {v.Pattern,-11} {string.Join(';', v.Flags)}"));
        }
    }

    private static void PrintRadiographs(TextWriter w, SeriesOutcome s)
    {
        var inv = CultureInfo.InvariantCulture;
        w.WriteLine("  image     view  vertebra  cement mm²  area fill %  left frac  sup gap  inf gap  flags");
        foreach (var x in s.Radiographs)
        {
            if (x.Rows.Count == 0) w.WriteLine(string.Create(inv, $"  {x.ImageKey[..8]}  {x.View,-4}  no cemented vertebral body found"));
            foreach (var m in x.Rows)
                w.WriteLine(string.Create(inv, $"  {x.ImageKey[..8]}  {m.View,-4}  {m.Vertebra,-8} {m.CementAreaMm2,11:0} {m.FillAreaPct,12:0.0} {Fmt(m.LeftFraction),10} {Fmt(m.SuperiorGapMm),8} {Fmt(m.InferiorGapMm),8}  {string.Join(';', m.Flags)}"));
        }
    }

    private static string Fmt(double? v) => v is { } d ? d.ToString("0.00", CultureInfo.InvariantCulture) : "-";
    private static string Yn(bool? b) => b is null ? "-" : b.Value ? "yes" : "no";
}

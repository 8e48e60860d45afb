using System.Globalization;
using System.Net;
using System.Text;

namespace CementQuant.Reporting.Report;

/// <summary>
/// The page: a summary table of every vertebra, CT and radiograph rows alike (sortable by clicking a heading,
/// filterable by flag), one chart per CT series, then one panel per CT vertebra and one per radiograph. One file
/// with inline CSS and JS; pictures are relative links into report/; a Content-Security-Policy forbids any network load.
/// </summary>
internal static class ReportHtml
{
    public static string Build(IReadOnlyList<ReportSeries> series, double toleranceMm, IReadOnlyList<NotAnalysedSeries>? notAnalysed = null, int problems = 0)
    {
        var all = series.SelectMany(s => s.Vertebrae.Select(v => (Series: s, V: v))).ToList();
        var images = series.SelectMany(s => s.Radiographs.Select(x => (Series: s, X: x))).ToList();
        var xrRows = images.SelectMany(i => i.X.Result.Rows.Select(m => (i.Series, i.X, M: m))).ToList();
        var rowFlags = all.Select(x => x.V.Metrics.Flags).Concat(xrRows.Select(x => x.M.Flags)).ToList();
        var flagged = rowFlags.Count(f => f.Count > 0);
        var flagsPresent = FlagText.Known.Concat(rowFlags.SelectMany(f => f)).Distinct().ToList();
        var sb = new StringBuilder(64 * 1024);
        sb.Append("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>CementQuant QA report</title>
            <style>
            """).Append(Css).Append("""
            </style>
            </head>
            <body>
            <header><h1>CementQuant QA report</h1>
            """);
        sb.Append(I($"<p class=\"muted\">{series.Count(s => s.Radiographs.Count == 0)} CT series, {all.Count} vertebrae, {all.Count(x => x.V.Metrics.CementVolumeMl > 0)} with cement; {images.Count} radiograph{(images.Count == 1 ? "" : "s")}, {xrRows.Count} radiograph row{(xrRows.Count == 1 ? "" : "s")}; {flagged} row{(flagged == 1 ? "" : "s")} flagged. "))
          .Append("Left and right are the patient's. Slices are reformatted in patient space along each vertebra's own frame; axial and coronal views and frontal radiographs show the patient's left on the viewer's right.</p>\n</header>\n");

        BatchView.Append(sb, series, notAnalysed ?? [], problems);

        // Summary.
        sb.Append("<section id=\"summary\"><h2>Summary</h2>\n<div class=\"filters\" role=\"toolbar\" aria-label=\"filter by flag\">Show: ");
        sb.Append(I($"<button type=\"button\" data-filter=\"all\" class=\"on\">all <span class=\"n\">{rowFlags.Count}</span></button>"));
        sb.Append(I($"<button type=\"button\" data-filter=\"any\">any flag <span class=\"n\">{flagged}</span></button>"));
        foreach (var f in flagsPresent)
            sb.Append(I($"<button type=\"button\" data-filter=\"{E(f)}\">{E(f)} <span class=\"n\">{rowFlags.Count(x => x.Contains(f))}</span></button>"));
        sb.Append(I($"<button type=\"button\" data-filter=\"none\">no flag <span class=\"n\">{rowFlags.Count - flagged}</span></button></div>\n"));
        sb.Append("<table id=\"summary-table\" class=\"summary\"><thead><tr>");
        foreach (var (name, type, tip) in new[]
        {
            ("study", "text", "pseudonymous study key"), ("series", "text", "pseudonymous series key"), ("view", "text", "CT, or the radiograph's view (AP or LAT)"),
            ("level", "num", "vertebra, superior to inferior"),
            ("fill %", "num", "fill_pct: cement / body volume (CT); fill_area_pct: cement / body area (radiograph)"), ("left fraction", "num", "left_fraction: share of the cement on the patient's left"),
            ("contact", "text", "endplates the cement touches"), ("pattern", "text", "pattern"), ("flags", "text", "flags"),
        })
            sb.Append(I($"<th data-type=\"{type}\" title=\"{E(tip)}\" tabindex=\"0\">{E(name)}<span class=\"arrow\"></span></th>"));
        sb.Append("</tr></thead>\n<tbody>\n");
        var order = 0;
        foreach (var (s, v) in all)
        {
            var m = v.Metrics;
            SummaryRow(sb, s, order++, "CT", $"#v-{v.Anchor}", m.Vertebra, m.FillPct, m.LeftFraction, FlagText.Contact(m), m.Pattern.Replace('_', '-'), m.Flags);
        }
        foreach (var (s, x, m) in xrRows)
            SummaryRow(sb, s, order++, m.View, $"#r-{x.Anchor}", m.Vertebra, m.FillAreaPct, m.LeftFraction, FlagText.Contact(m), "projection", m.Flags);
        sb.Append("</tbody></table>\n");
        sb.Append("<p id=\"empty\" class=\"muted\" hidden>No vertebra matches this filter.</p>\n");
        if (rowFlags.Count == 0) sb.Append("<p class=\"muted\">No CT series with vertebrae and no radiograph with a cemented vertebra was analysed.</p>\n");
        foreach (var s in series.Where(s => s.Chart is not null))
            sb.Append(I($"<figure class=\"chart\"><img src=\"{E(s.Chart!)}\" alt=\"cement per vertebra, series {E(Short(s.Id.SeriesKey))}\"><figcaption>study {E(Short(s.Id.StudyKey))} · series {E(Short(s.Id.SeriesKey))} · {E(s.Description)}</figcaption></figure>\n"));
        sb.Append(Legend(toleranceMm)).Append("</section>\n");

        // Panels.
        foreach (var (s, v) in all) Panel(sb, s, v);
        foreach (var (s, x) in images) RadiographPanel(sb, s, x);

        sb.Append("<script>\n").Append(Script).Append("</script>\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>One row of the summary table (a CT vertebra or a radiograph row), linking to its panel.</summary>
    private static void SummaryRow(StringBuilder sb, ReportSeries s, int order, string view, string href, string label, double fillPct, double? leftFraction,
        string contact, string pattern, IReadOnlyList<string> flags)
    {
        sb.Append(I($"<tr data-flags=\"{E(string.Join(' ', flags))}\" data-order=\"{order}\">"));
        sb.Append(I($"<td class=\"key\">{E(Short(s.Id.StudyKey))}</td><td class=\"key\">{E(Short(s.Id.SeriesKey))}</td><td>{E(view)}</td>"));
        sb.Append(I($"<td data-v=\"{order + 1}\"><a href=\"{E(href)}\">{E(label)}</a></td>"));
        sb.Append(I($"<td data-v=\"{fillPct:0.###}\" class=\"num\">{fillPct:0.0}</td>"));
        sb.Append(leftFraction is { } lf ? I($"<td data-v=\"{lf:0.####}\" class=\"num\">{lf:0.00}</td>") : "<td data-v=\"-1\" class=\"num\">—</td>");
        sb.Append(I($"<td>{E(contact)}</td><td>{E(pattern)}</td><td>{Badges(flags)}</td></tr>\n"));
    }

    private static void Panel(StringBuilder sb, ReportSeries s, ReportEntry v)
    {
        var m = v.Metrics;
        sb.Append(I($"<section class=\"panel\" id=\"v-{E(v.Anchor)}\" data-flags=\"{E(string.Join(' ', m.Flags))}\">\n"));
        sb.Append(I($"<h2>{E(m.Vertebra)} <span class=\"muted small\">study {E(Short(s.Id.StudyKey))} · series {E(Short(s.Id.SeriesKey))} · {E(s.Description)}</span> <a class=\"top\" href=\"#summary\">↑ summary</a></h2>\n"));
        sb.Append(I($"<p class=\"headline\">{Badges(m.Flags)} {E(Headline(m))}</p>\n"));
        if (v.Pictures.Count == 0)
            sb.Append("<p class=\"muted\">No pictures: no vertebral body region was supplied for this vertebra.</p>\n");
        else if (QaReport.IsCompact(m) && v.Pictures.Count == 2)
            sb.Append("<p class=\"muted\">Compact panel: no cement and no flag, so the axial and sagittal slices only (body outline and endplates).</p>\n");
        sb.Append("<div class=\"pictures\">\n");
        foreach (var p in v.Pictures)
            sb.Append(I($"<figure><img src=\"{E(p.Src)}\" alt=\"{E(p.Title)}\"><figcaption>{E(p.Caption)}</figcaption></figure>\n"));
        sb.Append("</div>\n<div class=\"columns\">\n<div>\n<h3>Why flagged</h3>\n");
        if (m.Flags.Count == 0) sb.Append("<p class=\"muted\">No flag raised.</p>\n");
        else
        {
            sb.Append("<dl class=\"flags\">\n");
            foreach (var f in m.Flags)
                sb.Append(I($"<dt>{Badges([f])} <span class=\"muted small\">rule: {E(FlagText.Rule(f))}</span></dt><dd>{E(FlagText.Explain(f, m))}</dd>\n"));
            sb.Append("</dl>\n");
        }
        sb.Append("<h3>QC notes</h3>\n<ul class=\"qc\">\n");
        var qc = m.Qc.Concat(v.RoiQc).Distinct().ToList();
        foreach (var q in qc) sb.Append(I($"<li><code>{E(q)}</code> {E(FlagText.Qc(q))}</li>\n"));
        if (v.RoiConfidence is { } c) sb.Append(I($"<li>Vertebral body ROI confidence {c:0.00}; label {E(m.Vertebra)} from {E(m.LabelSource)}.</li>\n"));
        sb.Append(m.ThresholdHu is { } t ? I($"<li>Cement threshold {t:0} HU.</li>\n") : "<li>No cement threshold (no cement plateau found).</li>\n");
        if (qc.Count == 0) sb.Append("<li>No quality warning.</li>\n");
        sb.Append("</ul>\n</div>\n<div>\n<h3>Metrics</h3>\n<div class=\"metrics\">\n");
        var row = VertebraTable.Row(s.Id, m, includePhi: false);
        for (var i = 0; i < VertebraTable.Columns.Length; i++)
        {
            var name = VertebraTable.Columns[i];
            if (name is "schema_version" or "patient_key" or "study_key" or "series_key" or "flags" or "qc") continue;
            sb.Append(I($"<div><span class=\"name\">{E(name)}</span><span class=\"value\">{E(Format(row[i]))}</span></div>\n"));
        }
        sb.Append("</div>\n</div>\n</div>\n</section>\n");
    }

    /// <summary>One radiograph: its pictures, each measured body's flags explained, QC and loading notes, and the rows' metrics.</summary>
    private static void RadiographPanel(StringBuilder sb, ReportSeries s, RadiographEntry x)
    {
        var r = x.Result;
        var flags = r.Rows.SelectMany(m => m.Flags).Distinct().ToList();
        sb.Append(I($"<section class=\"panel\" id=\"r-{E(x.Anchor)}\" data-flags=\"{E(string.Join(' ', flags))}\">\n"));
        sb.Append(I($"<h2>{E(QaReport.ViewName(r.View))} <span class=\"muted small\">study {E(Short(s.Id.StudyKey))} · series {E(Short(s.Id.SeriesKey))} · image {E(Short(r.ImageKey))} · {E(s.Description)}</span> <a class=\"top\" href=\"#summary\">↑ summary</a></h2>\n"));
        var cemented = r.Rows.Count(m => m.CementAreaMm2 > 0);
        var headline = cemented == 0 ? "No cement found." : I($"Cement in {cemented} vertebral bod{(cemented == 1 ? "y" : "ies")}: {string.Join("; ", r.Rows.Select(FlagText.Headline))}.");
        sb.Append(I($"<p class=\"headline\">{Badges(flags)} {E(headline)}</p>\n"));
        if (x.Pictures.Count == 0) sb.Append("<p class=\"muted\">No pictures: this radiograph was taken from an earlier run whose pictures are gone.</p>\n");
        sb.Append("<div class=\"pictures\">\n");
        foreach (var p in x.Pictures)
            sb.Append(I($"<figure><img src=\"{E(p.Src)}\" alt=\"{E(p.Title)}\"><figcaption>{E(p.Caption)}</figcaption></figure>\n"));
        sb.Append("</div>\n<div class=\"columns\">\n<div>\n<h3>Why flagged</h3>\n");
        if (flags.Count == 0) sb.Append("<p class=\"muted\">No flag raised.</p>\n");
        else
        {
            sb.Append("<dl class=\"flags\">\n");
            foreach (var m in r.Rows)
                foreach (var f in m.Flags)
                    sb.Append(I($"<dt>{E(m.Vertebra)} {Badges([f])} <span class=\"muted small\">rule: {E(FlagText.RadiographRule(f))}</span></dt><dd>{E(FlagText.Explain(f, m))}</dd>\n"));
            sb.Append("</dl>\n");
        }
        sb.Append("<h3>QC notes</h3>\n<ul class=\"qc\">\n");
        foreach (var q in r.Rows.SelectMany(m => m.Qc).Append("PROJECTION_ONLY").Distinct())
            sb.Append(I($"<li><code>{E(q)}</code> {E(FlagText.Qc(q))}</li>\n"));
        foreach (var m in r.Rows) sb.Append(I($"<li>{E(m.Vertebra)}: detection confidence {m.Confidence:0.00}; label from {E(m.LabelSource)}.</li>\n"));
        foreach (var n in r.Notes) sb.Append(I($"<li><code>{E(n)}</code></li>\n"));
        sb.Append(r.PairedWith is { } partner ? I($"<li>Analysed as a pair with image {E(Short(partner))} of the opposite view.</li>\n") : "<li>Analysed alone (no opposite view of the same study).</li>\n");
        sb.Append("</ul>\n</div>\n<div>\n<h3>Metrics</h3>\n");
        if (r.Rows.Count == 0) sb.Append("<p class=\"muted\">No row: no cemented vertebral body was found.</p>\n");
        foreach (var m in r.Rows)
        {
            sb.Append(I($"<h3>{E(m.Vertebra)} · {E(m.View)}</h3>\n<div class=\"metrics\">\n"));
            var row = RadiographTable.Row(s.Id, r.ImageKey, m, includePhi: false);
            for (var i = 0; i < RadiographTable.Columns.Length; i++)
            {
                var name = RadiographTable.Columns[i];
                if (name is "schema_version" or "patient_key" or "study_key" or "series_key" or "image_key" or "flags" or "qc") continue;
                sb.Append(I($"<div><span class=\"name\">{E(name)}</span><span class=\"value\">{E(Format(row[i]))}</span></div>\n"));
            }
            sb.Append("</div>\n");
        }
        sb.Append("</div>\n</div>\n</section>\n");
    }

    private static string Headline(VertebraMetrics m)
    {
        if (m.CementVolumeMl <= 0) return I($"No cement in the body (body {m.BodyVolumeMl:0.0} mL).");
        var side = m.LeftFraction is { } lf ? I($"{100 * lf:0} % on the patient's left") : "";
        return I($"{m.CementVolumeMl:0.00} mL of cement, {m.FillPct:0.0} % of the {m.BodyVolumeMl:0.0} mL body, {side}; endplate contact: {FlagText.Contact(m)}; pattern {m.Pattern.Replace('_', '-')}.");
    }

    private static string Legend(double toleranceMm) =>
        "<div class=\"legend\">On the pictures: " +
        Swatch(Palette.Cement, "cement in the body") + Swatch(Palette.Leak, "leaked cement") + Swatch(Palette.BodyOutline, "body outline") +
        Swatch(Palette.Midline, "midsagittal plane (dashed)") + Swatch(Palette.SuperiorEndplate, "superior endplate") + Swatch(Palette.InferiorEndplate, "inferior endplate").TrimEnd() +
        I($"; contact maps shade the endplate where cement lies within {toleranceMm:0.#} mm of it.</div>\n");

    private static string Swatch(SkiaSharp.SKColor c, string name) => $"<span class=\"sw\" style=\"background:{Palette.Css(c)}\"></span>{E(name)} ";

    private static string Badges(IEnumerable<string> flags) =>
        string.Concat(flags.Select(f => $"<span class=\"flag f-{E(f)}\">{E(f)}</span>"));

    private static string Format(object? v) => v switch
    {
        null => "—",
        bool b => b ? "true" : "false",
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s when s.Length == 0 => "—",
        _ => v.ToString() ?? "",
    };

    private static string Short(string key) => key.Length > 12 ? key[..12] : key;
    private static string E(string s) => WebUtility.HtmlEncode(s);
    private static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private const string Css = """
        :root { color-scheme: dark; --bg:#121316; --panel:#1a1c20; --line:#2e3137; --text:#e4e4e4; --muted:#9aa0a8; --accent:#ff8c00; }
        * { box-sizing: border-box; }
        body { margin: 0; padding: 0 24px 40px; background: var(--bg); color: var(--text); font: 14px/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
        header { padding: 18px 0 6px; border-bottom: 1px solid var(--line); }
        h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 0 0 10px; } h3 { font-size: 14px; margin: 14px 0 6px; color: #cfd3d8; }
        .muted { color: var(--muted); } .small { font-size: 12px; font-weight: normal; }
        a { color: #7fb8ff; } a.top { float: right; font-size: 12px; font-weight: normal; }
        section { margin-top: 22px; }
        .filters { margin: 4px 0 10px; } .filters button { background: #24272c; color: var(--text); border: 1px solid #3a3e45; border-radius: 14px; padding: 3px 11px; margin: 2px 3px; cursor: pointer; font: inherit; font-size: 12.5px; }
        .filters button.on { background: var(--accent); color: #111; border-color: var(--accent); } .filters .n { opacity: .7; }
        table.summary { border-collapse: collapse; min-width: 760px; }
        table.summary th, table.summary td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
        table.summary th { cursor: pointer; user-select: none; color: #cfd3d8; background: #1d1f24; position: sticky; top: 0; }
        table.summary th .arrow { display: inline-block; width: 12px; color: var(--accent); }
        table.summary tbody tr:hover { background: #1e2126; } td.num { text-align: right; font-variant-numeric: tabular-nums; } td.key { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; color: var(--muted); }
        .flag { display: inline-block; font-size: 11.5px; font-weight: bold; padding: 1px 7px; margin: 1px 3px 1px 0; border-radius: 3px; background: #5a2d2d; color: #ffd9d9; letter-spacing: .02em; }
        .f-NPEC { background: #7a2430; } .f-ASYMMETRIC_MASS_LIKE { background: #7a4a12; } .f-UNILATERAL { background: #5e5a16; color: #fff7c2; }
        .f-LOW_FILL { background: #244a6e; color: #d8ecff; } .f-LEAKAGE { background: #6e1f66; color: #ffd6fa; } .f-CLEFT { background: #2f3f7a; color: #dde4ff; }
        .legend { margin-top: 14px; font-size: 12.5px; color: var(--muted); } .sw { display: inline-block; width: 11px; height: 11px; margin: 0 4px 0 10px; vertical-align: -1px; border-radius: 2px; }
        figure { margin: 0; width: min-content; } figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; min-width: 240px; }
        figure.chart { display: inline-block; margin: 14px 14px 0 0; vertical-align: top; }
        .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px 16px; }
        .panel:target { border-color: var(--accent); }
        .headline { margin: 0 0 12px; }
        .pictures { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
        .pictures img { display: block; border: 1px solid #000; }
        .columns { display: flex; flex-wrap: wrap; gap: 28px; margin-top: 8px; } .columns > div { flex: 1 1 380px; min-width: 320px; }
        dl.flags dt { margin-top: 8px; } dl.flags dd { margin: 3px 0 0 0; }
        ul.qc { padding-left: 18px; margin: 0; } ul.qc code { color: #ffcf8a; }
        .metrics { columns: 2 260px; column-gap: 28px; font-size: 12.5px; }
        .metrics > div { display: flex; justify-content: space-between; gap: 12px; padding: 1px 0; border-bottom: 1px solid #25282d; break-inside: avoid; }
        .metrics .name { color: var(--muted); font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
        .metrics .value { font-variant-numeric: tabular-nums; text-align: right; }
        [hidden] { display: none !important; }
        """;

    /// <summary>Sorting (click or Enter on a heading; again to reverse), filtering rows and panels by flag, a
    /// one-panel view, and
    /// a load check the tests read from the DOM: data-report-ready on body, with the count of broken images.</summary>
    private const string Script = """
        (function () {
          'use strict';
          var table = document.getElementById('summary-table');
          var tbody = table.tBodies[0];
          var heads = table.tHead.rows[0].cells;
          var sortCol = -1, sortDir = 1;
          function key(row, col, type) {
            var cell = row.cells[col];
            if (type === 'num') { var v = parseFloat(cell.getAttribute('data-v')); return isNaN(v) ? -Infinity : v; }
            return cell.textContent.trim().toLowerCase();
          }
          function sortBy(col) {
            var type = heads[col].getAttribute('data-type');
            sortDir = (col === sortCol) ? -sortDir : 1; sortCol = col;
            var rows = Array.prototype.slice.call(tbody.rows);
            rows.sort(function (a, b) {
              var x = key(a, col, type), y = key(b, col, type);
              if (x < y) return -sortDir; if (x > y) return sortDir;
              return (+a.getAttribute('data-order')) - (+b.getAttribute('data-order'));
            });
            rows.forEach(function (r) { tbody.appendChild(r); });
            for (var i = 0; i < heads.length; i++) {
              heads[i].querySelector('.arrow').textContent = i === col ? (sortDir > 0 ? '\u25B2' : '\u25BC') : '';
              heads[i].setAttribute('aria-sort', i === col ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
            }
          }
          Array.prototype.forEach.call(heads, function (th, i) {
            th.addEventListener('click', function () { sortBy(i); });
            th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sortBy(i); });
          });
          function matches(el, f) {
            var flags = (el.getAttribute('data-flags') || '').split(' ').filter(Boolean);
            return f === 'all' || (f === 'any' && flags.length > 0) || (f === 'none' && flags.length === 0) || flags.indexOf(f) >= 0;
          }
          var buttons = document.querySelectorAll('.filters button');
          function filter(f) {
            var shown = 0;
            Array.prototype.forEach.call(tbody.rows, function (r) { var ok = matches(r, f); r.hidden = !ok; if (ok) shown++; });
            Array.prototype.forEach.call(document.querySelectorAll('section.panel'), function (p) { p.hidden = !matches(p, f); });
            Array.prototype.forEach.call(buttons, function (b) { b.classList.toggle('on', b.getAttribute('data-filter') === f); });
            document.getElementById('empty').hidden = shown > 0 || tbody.rows.length === 0;
          }
          Array.prototype.forEach.call(buttons, function (b) { b.addEventListener('click', function () { filter(b.getAttribute('data-filter')); }); });
          // #filter=FLAG opens the page filtered; #only=PANEL-ID shows that one panel alone (for sharing or printing).
          var initial = /^#filter=(\w+)$/.exec(location.hash);
          if (initial) filter(initial[1]);
          var only = /^#only=([\w-]+)$/.exec(location.hash);
          if (only && document.getElementById(only[1])) {
            Array.prototype.forEach.call(document.querySelectorAll('body > section, body > header'), function (el) { el.hidden = el.id !== only[1]; });
          }
          window.addEventListener('load', function () {
            var imgs = document.images, broken = 0;
            for (var i = 0; i < imgs.length; i++) if (!imgs[i].complete || imgs[i].naturalWidth === 0) broken++;
            document.body.setAttribute('data-images', String(imgs.length));
            document.body.setAttribute('data-broken-images', String(broken));
            document.body.setAttribute('data-report-ready', 'true');
          });
        })();
        """;
}

using System.Text;
using static CementQuant.Review.Pages.Html;

namespace CementQuant.Review.Pages;

/// <summary>The worklist: every row (flagged first) with its flags and the reviewer's own state, filters, keyboard moves.</summary>
internal static class WorklistPage
{
    public static string Render(RunFolder run, Worklist filter, IReadOnlyList<RowReview> rows, string reviewer, string nonce, string token)
    {
        var b = new StringBuilder();
        b.Append(Header(reviewer, run.Root));
        b.Append("<main><h1>Worklist</h1>");
        b.Append("<form method=\"get\" action=\"/\" id=\"filters\">");
        Select(b, "flag", "flag", run.Rows.SelectMany(r => r.Flags).Distinct().Order(StringComparer.Ordinal), filter.Flag);
        Select(b, "level", "level", run.Rows.Select(r => r.Vertebra).Distinct().Order(StringComparer.Ordinal), filter.Level);
        Select(b, "study", "study", run.Rows.Select(r => r.StudyKey).Distinct().Order(StringComparer.Ordinal), filter.Study);
        Select(b, "state", "your state", ReviewStates.All, filter.State);
        Select(b, "kind", "kind", run.Rows.Select(r => r.Kind).Distinct().Order(StringComparer.Ordinal), filter.Kind);
        b.Append(" <button type=\"submit\">filter</button> <a href=\"/\">clear</a></form>");
        var reviewed = rows.Count(r => r.State != ReviewStates.Unreviewed);
        b.Append($"<p id=\"progress\">{rows.Count} rows, {rows.Count(r => r.Row.Flagged)} flagged; you have reviewed {reviewed}.</p>");
        b.Append("<p class=\"keys\"><kbd>j</kbd>/<kbd>k</kbd> or <kbd>↓</kbd>/<kbd>↑</kbd> move, <kbd>Enter</kbd> review the row, <kbd>s</kbd> agreement summary</p>");
        b.Append("<table id=\"worklist\"><thead><tr><th>#</th><th>study</th><th>series</th><th>kind</th><th>level</th><th>CementQuant flags</th><th>your state</th><th>your flags</th><th>note</th></tr></thead><tbody>");
        var query = filter.Query();
        for (var i = 0; i < rows.Count; i++)
        {
            var v = rows[i];
            var href = $"/row?key={U(v.Row.Key)}{(query.Length > 0 ? "&" + query : "")}";
            var note = v.DecidedFlags.Append("").Select(v.Latest).OfType<ReviewDecision>().Where(d => d.Note.Length > 0).MaxBy(d => d.Seq)?.Note ?? "";
            b.Append($"<tr data-href=\"{E(href)}\" data-key=\"{E(v.Row.Key)}\"{(i == 0 ? " class=\"sel\"" : "")}><td>{i + 1}</td><td>{E(Short(v.Row.StudyKey))}</td>")
                .Append($"<td>{E(v.Row.SeriesDescription)}</td><td>{E(v.Row.Kind)}</td><td><a href=\"{E(href)}\">{E(v.Row.Vertebra)}</a></td>")
                .Append($"<td>{Flags(v.Row.Flags)}</td><td>{State(v.State)}{(v.Unusable ? " (metrics unusable)" : "")}</td>")
                .Append($"<td>{(v.State == ReviewStates.Unreviewed ? "" : Flags(v.ReviewedFlags))}</td><td class=\"note\">{E(note)}</td></tr>");
        }
        b.Append("</tbody></table></main>");
        return Page("Worklist", nonce, token, b.ToString(), Script);
    }

    private static string Short(string key) => key.Length > 8 ? key[..8] : key;

    private static void Select(StringBuilder b, string name, string label, IEnumerable<string> values, string selected)
    {
        b.Append($"<label>{E(label)} <select name=\"{name}\"><option value=\"\">any</option>");
        foreach (var v in values) b.Append($"<option value=\"{E(v)}\"{(v == selected ? " selected" : "")}>{E(v)}</option>");
        b.Append("</select></label> ");
    }

    private const string Script = """
        const rows=[...document.querySelectorAll('#worklist tbody tr')];let sel=0;
        function show(i){if(!rows.length)return;rows[sel].classList.remove('sel');sel=Math.max(0,Math.min(rows.length-1,i));rows[sel].classList.add('sel');rows[sel].scrollIntoView({block:'nearest'})}
        document.addEventListener('keydown',e=>{if(cqTyping(e)||e.ctrlKey||e.metaKey||e.altKey)return;
          if(e.key==='j'||e.key==='ArrowDown'){show(sel+1);e.preventDefault()}
          else if(e.key==='k'||e.key==='ArrowUp'){show(sel-1);e.preventDefault()}
          else if(e.key==='Enter'&&rows.length){location.href=rows[sel].dataset.href}
          else if(e.key==='s'){location.href='/summary'}});
        """;
}

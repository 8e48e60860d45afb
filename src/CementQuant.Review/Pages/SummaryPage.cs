using System.Globalization;
using System.Text;
using static CementQuant.Review.Pages.Html;

namespace CementQuant.Review.Pages;

/// <summary>The agreement summary for a QA meeting: per flag, Cohen's κ between reviewers and of each reviewer against CementQuant.</summary>
internal static class SummaryPage
{
    public static string Render(RunFolder run, IReadOnlyList<ReviewDecision> all, string reviewer, string nonce, string token)
    {
        var b = new StringBuilder();
        b.Append(Header(reviewer, run.Root));
        b.Append("<main><h1>Agreement</h1>");
        var reviewers = all.Select(d => d.Reviewer).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        b.Append("<table id=\"progress\"><thead><tr><th>reviewer</th><th>rows reviewed</th><th>confirmed</th><th>overridden</th><th>metrics unusable</th></tr></thead><tbody>");
        foreach (var r in reviewers)
        {
            var own = all.Where(d => d.Reviewer == r).ToList();
            var views = run.Rows.Select(row => new RowReview(row, own)).ToList();
            b.Append($"<tr><td>{E(r)}</td><td>{views.Count(v => v.State != ReviewStates.Unreviewed)} of {run.Rows.Count}</td>")
                .Append($"<td>{views.Count(v => v.State == ReviewStates.Confirmed)}</td><td>{views.Count(v => v.State == ReviewStates.Overridden)}</td><td>{views.Count(v => v.Unusable)}</td></tr>");
        }
        b.Append("</tbody></table>");
        b.Append("<p class=\"muted\">Cohen's κ per flag, on the rows both raters judged (a reviewer judges a flag by a decision on it, or by finishing the row: ")
            .Append("every flag not confirmed or added is then absent; rows called unusable are left out). κ is empty where it is undefined (both raters gave one answer to every row).</p>");
        b.Append("<table id=\"kappa\"><thead><tr><th>flag</th><th>rater A</th><th>rater B</th><th>rows</th><th>agreed</th><th>both present</th><th>only A</th><th>only B</th><th>κ</th></tr></thead><tbody>");
        foreach (var a in Agreement.Summarise(run.Rows, all))
            b.Append($"<tr data-flag=\"{E(a.Flag)}\" data-a=\"{E(a.RaterA)}\" data-b=\"{E(a.RaterB)}\"><td>{E(a.Flag)}</td><td>{E(a.RaterA)}</td><td>{E(a.RaterB)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{a.Rows}</td><td>{a.Agreed}</td><td>{a.BothPresent}</td><td>{a.OnlyA}</td><td>{a.OnlyB}</td>")
                .Append($"<td class=\"kappa\">{(a.Kappa is { } k ? k.ToString("0.000", CultureInfo.InvariantCulture) : "")}</td></tr>");
        b.Append("</tbody></table></main>");
        return Page("Agreement", nonce, token, b.ToString(),
            "document.addEventListener('keydown',e=>{if(cqTyping(e)||e.ctrlKey||e.metaKey||e.altKey)return;if(e.key==='w')location.href='/'});");
    }
}

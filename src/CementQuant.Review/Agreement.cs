namespace CementQuant.Review;

/// <summary>Agreement of two raters on one flag: how many rows both judged, how many they agreed on, and Cohen's κ.</summary>
/// <param name="Kappa">Cohen's κ = (pₒ − pₑ) / (1 − pₑ); null when pₑ = 1 (both raters said the same thing of every row, κ is undefined) or no row was judged by both.</param>
public sealed record Agreement(string Flag, string RaterA, string RaterB, int Rows, int Agreed, int BothPresent, int OnlyA, int OnlyB, double? Kappa)
{
    /// <summary>The name the summary gives CementQuant's own flags as a rater.</summary>
    public const string CementQuant = "CementQuant";

    /// <summary>Cohen's κ of paired yes/no ratings (the 2×2 table of the two raters).</summary>
    public static Agreement Of(string flag, string a, string b, IReadOnlyList<(bool A, bool B)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        int yy = 0, yn = 0, ny = 0, nn = 0;
        foreach (var (x, y) in pairs)
        {
            if (x && y) yy++;
            else if (x) yn++;
            else if (y) ny++;
            else nn++;
        }
        var n = pairs.Count;
        double? kappa = null;
        if (n > 0)
        {
            var po = (double)(yy + nn) / n;
            var pe = ((double)(yy + yn) * (yy + ny) + (double)(ny + nn) * (yn + nn)) / ((double)n * n);
            if (pe < 1) kappa = (po - pe) / (1 - pe);
        }
        return new Agreement(flag, a, b, n, yy + nn, yy, yn, ny, kappa);
    }

    /// <summary>
    /// Per flag: κ between every two reviewers (on the rows both judged) and of each reviewer against CementQuant (on
    /// the rows that reviewer judged), from each reviewer's own latest decisions. Flags: those of the rows and of the
    /// decisions, in METRICS.md order.
    /// </summary>
    public static IReadOnlyList<Agreement> Summarise(IReadOnlyList<ReviewRow> rows, IReadOnlyList<ReviewDecision> decisions)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(decisions);
        var reviewers = decisions.Select(d => d.Reviewer).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var views = reviewers.ToDictionary(r => r, r =>
        {
            var own = decisions.Where(d => d.Reviewer == r).ToList();
            return rows.Select(row => new RowReview(row, own)).ToList();
        }, StringComparer.Ordinal);
        var flags = rows.SelectMany(r => r.Flags).Concat(decisions.Select(d => d.Flag)).Where(f => f.Length > 0).Distinct(StringComparer.Ordinal)
            .OrderBy(f => Array.IndexOf(Decisions.KnownFlags, f) is var i and >= 0 ? i : int.MaxValue).ThenBy(f => f, StringComparer.Ordinal).ToList();
        var result = new List<Agreement>();
        foreach (var flag in flags)
        {
            for (var i = 0; i < reviewers.Count; i++)
                for (var j = i + 1; j < reviewers.Count; j++)
                {
                    var a = views[reviewers[i]];
                    var b = views[reviewers[j]];
                    var pairs = a.Zip(b).Where(p => p.First.Says(flag) is not null && p.Second.Says(flag) is not null)
                        .Select(p => (p.First.Says(flag)!.Value, p.Second.Says(flag)!.Value)).ToList();
                    result.Add(Of(flag, reviewers[i], reviewers[j], pairs));
                }
            foreach (var r in reviewers)
            {
                var pairs = views[r].Where(v => v.Says(flag) is not null).Select(v => (v.Says(flag)!.Value, v.Row.Flags.Contains(flag, StringComparer.Ordinal))).ToList();
                result.Add(Of(flag, r, CementQuant, pairs));
            }
        }
        return result;
    }
}

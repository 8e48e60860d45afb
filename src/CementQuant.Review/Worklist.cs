namespace CementQuant.Review;

/// <summary>
/// The worklist's filters (each empty = any): a flag CementQuant gave, a level, a study, the reviewer's own state of the
/// row, and the kind (CT, AP, LAT). The order is the run's: flagged rows first.
/// </summary>
public sealed record Worklist(string Flag = "", string Level = "", string Study = "", string State = "", string Kind = "")
{
    public static Worklist From(Func<string, string?> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new(query("flag") ?? "", query("level") ?? "", query("study") ?? "", query("state") ?? "", query("kind") ?? "");
    }

    /// <summary>The rows that pass, with the reviewer's own view of each.</summary>
    public IReadOnlyList<RowReview> Apply(IReadOnlyList<ReviewRow> rows, IReadOnlyList<ReviewDecision> own)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(own);
        var byRow = own.ToLookup(d => d.RowKey, StringComparer.Ordinal);
        return [.. rows.Where(r => (Flag.Length == 0 || r.Flags.Contains(Flag, StringComparer.Ordinal))
                && (Level.Length == 0 || r.Vertebra == Level) && (Study.Length == 0 || r.StudyKey == Study) && (Kind.Length == 0 || r.Kind == Kind))
            .Select(r => new RowReview(r, byRow[r.Key]))
            .Where(v => State.Length == 0 || v.State == State)];
    }

    /// <summary>The filters as a query string ("" when none), to carry them from page to page.</summary>
    public string Query()
    {
        var parts = new[] { ("flag", Flag), ("level", Level), ("study", Study), ("state", State), ("kind", Kind) }
            .Where(p => p.Item2.Length > 0).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2)}");
        return string.Join('&', parts);
    }
}

namespace CementQuant.Review;

/// <summary>
/// What a set of decisions says about one row: the latest decision per flag (by <c>seq</c>; "" is the whole row),
/// the flags after review (CementQuant's minus the rejected plus the added) and the row's state:
/// <c>overridden</c> when a flag was rejected or added or the metrics were called unusable, <c>confirmed</c> when every
/// flag of CementQuant's (or, for a row without flags, the row itself) was confirmed, else <c>unreviewed</c>.
/// Given one reviewer's decisions this is that reviewer's view; given everyone's, the latest decision wins whoever made it.
/// Only decisions made on the row's present cells count (<see cref="ReviewRow.MetricsHash"/>): a row whose metrics changed
/// since it was decided, and not decided again, is <c>needs re-review</c>.
/// </summary>
public sealed class RowReview
{
    private readonly Dictionary<string, ReviewDecision> _latest;

    public RowReview(ReviewRow row, IEnumerable<ReviewDecision> decisions)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(decisions);
        Row = row;
        var mine = decisions.Where(d => d.RowKey == row.Key).ToList();
        var stale = mine.Any(d => d.MetricsHash != row.MetricsHash);
        _latest = mine.Where(d => d.MetricsHash == row.MetricsHash).GroupBy(d => d.Flag, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(d => d.Seq)!, StringComparer.Ordinal);
        var rejected = row.Flags.Where(f => Latest(f)?.Decision == Decisions.Reject).ToHashSet(StringComparer.Ordinal);
        var added = _latest.Values.Where(d => d.Flag.Length > 0 && d.Decision == Decisions.Add && !row.Flags.Contains(d.Flag, StringComparer.Ordinal))
            .Select(d => d.Flag).OrderBy(Order).ThenBy(f => f, StringComparer.Ordinal);
        ReviewedFlags = [.. row.Flags.Where(f => !rejected.Contains(f)), .. added];
        Unusable = Latest("")?.Decision == Decisions.Unusable;
        var complete = row.Flags.Count > 0 ? row.Flags.All(f => _latest.ContainsKey(f)) : Latest("")?.Decision == Decisions.Confirm;
        State = _latest.Count == 0 ? (stale ? ReviewStates.NeedsReReview : ReviewStates.Unreviewed)
            : Unusable || rejected.Count > 0 || ReviewedFlags.Count != row.Flags.Count ? ReviewStates.Overridden
            : complete ? ReviewStates.Confirmed : ReviewStates.Unreviewed;
    }

    public ReviewRow Row { get; }

    public string State { get; }

    /// <summary>The flags after review (meaningful once the row is not <c>unreviewed</c>).</summary>
    public IReadOnlyList<string> ReviewedFlags { get; }

    /// <summary>The latest decision says the row's metrics cannot be used.</summary>
    public bool Unusable { get; }

    /// <summary>Every flag with a decision (the row's own flags first), "" excluded.</summary>
    public IEnumerable<string> DecidedFlags => _latest.Keys.Where(f => f.Length > 0);

    /// <summary>The latest decision about <paramref name="flag"/> ("" for the whole row), or null.</summary>
    public ReviewDecision? Latest(string flag) => _latest.GetValueOrDefault(flag);

    /// <summary>
    /// Whether the reviewer sees <paramref name="flag"/> in this row: true or false once they have judged it (a decision on
    /// the flag, or a finished review of the row, which says every flag not added is absent); null when they have not, or
    /// when they called the metrics unusable (no flag can be judged then).
    /// </summary>
    public bool? Says(string flag)
    {
        if (Unusable) return null;
        if (Latest(flag) is { } d) return d.Decision is Decisions.Confirm or Decisions.Add;
        return State is ReviewStates.Unreviewed or ReviewStates.NeedsReReview ? null : Row.Flags.Contains(flag, StringComparer.Ordinal);
    }

    private static int Order(string flag) => Array.IndexOf(Decisions.KnownFlags, flag) is var i and >= 0 ? i : int.MaxValue;
}

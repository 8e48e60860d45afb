namespace CementQuant.Review;

/// <summary>
/// One decision as the <c>reviews</c> table holds it. <see cref="Flag"/> is empty for a decision about the whole row
/// (<see cref="Decisions.Confirm"/>: "reviewed, nothing missed"; <see cref="Decisions.Unusable"/>: metrics unusable).
/// </summary>
public sealed record ReviewDecision(long Seq, string RowKey, string SeriesKey, string Flag, string Decision, string Reason, string Note,
    string Reviewer, string DecidedAt, string ToolVersion, string MetricsHash = "");

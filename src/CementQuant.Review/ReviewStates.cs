namespace CementQuant.Review;

/// <summary>The words of the <c>review_state</c> column (issue #18).</summary>
public static class ReviewStates
{
    public const string Unreviewed = "unreviewed";
    public const string Confirmed = "confirmed";
    public const string Overridden = "overridden";

    /// <summary>Decided once, but the row's metrics have changed since (a rerun): the decisions are set aside.</summary>
    public const string NeedsReReview = "needs re-review";

    public static readonly string[] All = [Unreviewed, Confirmed, Overridden, NeedsReReview];
}

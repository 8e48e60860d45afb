namespace CementQuant.Review.Tests;

/// <summary>A row's state and flags after review, from the latest decisions (METRICS-style words of issue #18).</summary>
public sealed class RowReviewTests
{
    private static readonly ReviewRow Row = new("s/L3", "st", "s", "L3", "CT", "", ["NPEC", "CLEFT"], [], [], new Dictionary<string, string>());

    private static ReviewDecision D(long seq, string flag, string decision, string reviewer = "a") =>
        new(seq, Row.Key, "s", flag, decision, "", "", reviewer, "", "");

    [Fact]
    public void State_NoDecision_Unreviewed_PartlyConfirmed_StillUnreviewed_AllConfirmed_Confirmed()
    {
        Assert.Equal(ReviewStates.Unreviewed, new RowReview(Row, []).State);
        Assert.Equal(ReviewStates.Unreviewed, new RowReview(Row, [D(1, "NPEC", Decisions.Confirm)]).State);
        var done = new RowReview(Row, [D(1, "NPEC", Decisions.Confirm), D(2, "CLEFT", Decisions.Confirm)]);
        Assert.Equal(ReviewStates.Confirmed, done.State);
        Assert.Equal(["NPEC", "CLEFT"], done.ReviewedFlags);
        Assert.False(done.Says("LEAKAGE"));
        Assert.True(done.Says("CLEFT"));
    }

    [Fact]
    public void State_RejectOrAddOrUnusable_Overridden_AndTheLatestDecisionWins()
    {
        var rejected = new RowReview(Row, [D(1, "NPEC", Decisions.Confirm), D(2, "CLEFT", Decisions.Confirm), D(3, "NPEC", Decisions.Reject)]);
        Assert.Equal(ReviewStates.Overridden, rejected.State);
        Assert.Equal(["CLEFT"], rejected.ReviewedFlags);
        Assert.False(rejected.Says("NPEC"));
        // The same decisions in another order: the confirmation is the latest, so NPEC stands.
        var confirmed = new RowReview(Row, [D(3, "NPEC", Decisions.Confirm), D(2, "CLEFT", Decisions.Confirm), D(1, "NPEC", Decisions.Reject)]);
        Assert.Equal(ReviewStates.Confirmed, confirmed.State);
        var added = new RowReview(Row, [D(1, "LEAKAGE", Decisions.Add)]);
        Assert.Equal(ReviewStates.Overridden, added.State);
        Assert.Equal(["NPEC", "CLEFT", "LEAKAGE"], added.ReviewedFlags);
        var unusable = new RowReview(Row, [D(1, "", Decisions.Unusable)]);
        Assert.Equal(ReviewStates.Overridden, unusable.State);
        Assert.True(unusable.Unusable);
        Assert.Null(unusable.Says("NPEC"));
    }

    [Fact]
    public void State_UnflaggedRow_ConfirmedByARowDecision()
    {
        var plain = Row with { Key = "s/L2", Flags = [] };
        Assert.Equal(ReviewStates.Unreviewed, new RowReview(plain, []).State);
        var v = new RowReview(plain, [new ReviewDecision(1, "s/L2", "s", "", Decisions.Confirm, "", "", "a", "", "")]);
        Assert.Equal(ReviewStates.Confirmed, v.State);
        Assert.Empty(v.ReviewedFlags);
        Assert.False(v.Says("NPEC"));
    }
}

namespace CementQuant.Review.Tests;

/// <summary>Cohen's κ against values worked out by hand.</summary>
public sealed class AgreementTests
{
    [Fact]
    public void Of_TwoByTwoTable_EqualsTheHandComputedKappa()
    {
        // 10 rows: both yes 4, only A 1, only B 2, both no 3. pₒ = 7/10; A yes 5/10, B yes 6/10;
        // pₑ = 0.5·0.6 + 0.5·0.4 = 0.5; κ = (0.7 − 0.5) / (1 − 0.5) = 0.4.
        var pairs = Enumerable.Repeat((true, true), 4).Concat([(true, false)]).Concat(Enumerable.Repeat((false, true), 2)).Concat(Enumerable.Repeat((false, false), 3)).ToList();
        var a = Agreement.Of("NPEC", "a", "b", pairs);
        Assert.Equal(10, a.Rows);
        Assert.Equal(7, a.Agreed);
        Assert.Equal((4, 1, 2), (a.BothPresent, a.OnlyA, a.OnlyB));
        Assert.Equal(0.4, a.Kappa!.Value, 12);
    }

    [Fact]
    public void Of_PerfectAgreementOnBothAnswers_IsOne_AndOneAnswerOnly_IsUndefined()
    {
        Assert.Equal(1.0, Agreement.Of("X", "a", "b", [(true, true), (false, false)]).Kappa!.Value, 12);
        Assert.Null(Agreement.Of("X", "a", "b", [(true, true), (true, true)]).Kappa);
        Assert.Null(Agreement.Of("X", "a", "b", []).Kappa);
        // Total disagreement with balanced margins: pₒ = 0, pₑ = 0.5, κ = −1.
        Assert.Equal(-1.0, Agreement.Of("X", "a", "b", [(true, false), (false, true)]).Kappa!.Value, 12);
    }
}

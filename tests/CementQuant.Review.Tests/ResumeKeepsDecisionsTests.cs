using CliProcess = CementQuant.EndToEnd.Tests.Cli;

namespace CementQuant.Review.Tests;

/// <summary>
/// The stretch goal of issue #18, not done: `analyze --resume` on a reviewed run rewrites vertebrae.csv without the review
/// columns (the decisions stay in the database and reviews.csv, and the next `cementquant review` writes the columns again),
/// and does not mark rows whose metrics changed `needs re-review`. Kept as a strict expected failure.
/// </summary>
[Collection(ReviewRunCollection.Name)]
public sealed class ResumeKeepsDecisionsTests(ReviewRunFixture fx)
{
    [Fact]
    public void AnalyzeResume_OnAReviewedRun_KeepsTheReviewColumns_KnownFailure()
    {
        var run = fx.Copy();
        var store = new ReviewStore(RunFolder.Load(run), Path.Combine(run, "cementquant.db"));
        var row = store.Run.Rows.First(r => r.Flagged);
        store.Append("A", row.Key, row.Flags[0], Decisions.Reject, Decisions.RejectReasons[0], "");
        Assert.Contains("review_state", File.ReadLines(Path.Combine(run, "vertebrae.csv")).First(), StringComparison.Ordinal);
        var r = CliProcess.Run("analyze", Path.Combine(fx.Root, "phantom"), "--out", run, "--site-key", Path.Combine(fx.Root, "site.key"), "--resume");
        Assert.True(r.ExitCode == 0, r.Stderr);
        // The decision itself survives the rerun, in the database and in reviews.csv.
        Assert.Single(new ReviewStore(RunFolder.Load(run), Path.Combine(run, "cementquant.db")).All);
        KnownFailure.Expect("analyze --resume drops review_state/reviewed_flags from vertebrae.csv (#18 stretch goal)", () =>
        {
            var rows = AgreementOnARunTests.Table(Path.Combine(run, "vertebrae.csv"));
            Assert.True(rows[0].ContainsKey("review_state"), "vertebrae.csv has no review_state after analyze --resume");
        });
    }
}

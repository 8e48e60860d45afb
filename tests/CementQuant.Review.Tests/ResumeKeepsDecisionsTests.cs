using CliProcess = CementQuant.EndToEnd.Tests.Cli;

namespace CementQuant.Review.Tests;

/// <summary>
/// A reviewed run analysed again (issue #18's `analyze --resume`): decisions on rows whose cells did not change stand and
/// the review columns are written again; rows whose metrics changed read `needs re-review`.
/// </summary>
[Collection(ReviewRunCollection.Name)]
public sealed class ResumeKeepsDecisionsTests(ReviewRunFixture fx)
{
    [Fact]
    public void AnalyzeAgain_OnAReviewedRun_KeepsDecisionsOfUnchangedRows_AndMarksChangedRowsForReReview()
    {
        var run = fx.Copy();
        var database = Path.Combine(run, "cementquant.db");
        var store = new ReviewStore(RunFolder.Load(run), database);
        var ct = store.Run.Rows.Single(r => r.Kind == "CT" && r.Flagged);
        var lat = store.Run.Rows.Single(r => r.Kind == "LAT");
        store.Append("A", ct.Key, ct.Flags[0], Decisions.Reject, Decisions.RejectReasons[0], "");
        store.Append("A", lat.Key, lat.Flags[0], Decisions.Confirm, "", "");
        string Analyze(params string[] extra)
        {
            var r = CliProcess.Run(["analyze", Path.Combine(fx.Root, "phantom"), "--out", run, "--site-key", Path.Combine(fx.Root, "site.key"), "--resume", .. extra]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            return r.Stderr;
        }

        // The same inputs and options: every series reused, every decision stands.
        Assert.Contains("from an earlier run", Analyze(), StringComparison.Ordinal);
        Assert.Equal(("overridden", string.Join(';', ct.Flags.Skip(1))), State(run, "vertebrae.csv", ct.Key));
        Assert.Equal(("confirmed", "NPEC"), State(run, "radiographs.csv", lat.Key));

        // A fixed cement threshold changes the CT rows (the radiographs do not use it): the CT decision is set aside.
        Analyze("--threshold-hu", "1500");
        var after = RunFolder.Load(run);
        Assert.NotEqual(ct.MetricsHash, after.Rows.Single(r => r.Key == ct.Key).MetricsHash);
        Assert.Equal(lat.MetricsHash, after.Rows.Single(r => r.Key == lat.Key).MetricsHash);
        Assert.Equal(("needs re-review", ""), State(run, "vertebrae.csv", ct.Key));
        Assert.Equal(("confirmed", "NPEC"), State(run, "radiographs.csv", lat.Key));
        Assert.All(after.Rows.Where(r => r.Key != ct.Key && r.Key != lat.Key), r => Assert.Equal(ReviewStates.Unreviewed, new RowReview(r, new ReviewStore(after, database).All).State));
        // The decisions themselves are kept, and deciding again on the new metrics counts.
        var again = new ReviewStore(after, database);
        Assert.Equal(2, again.All.Count);
        foreach (var f in ct.Flags) again.Append("A", ct.Key, f, Decisions.Confirm, "", "");
        Assert.Equal(("confirmed", string.Join(';', ct.Flags)), State(run, "vertebrae.csv", ct.Key));
    }

    [Fact]
    public void AnalyzeAgain_OnARunNobodyReviewed_LeavesTheTablesAsAnalyzeWritesThem()
    {
        var run = fx.Copy();
        var before = File.ReadAllText(Path.Combine(run, "vertebrae.csv"));
        Assert.False(ReviewStore.RefreshAfterAnalyze(run, Path.Combine(run, "cementquant.db")));
        Assert.Equal(before, File.ReadAllText(Path.Combine(run, "vertebrae.csv")));
        Assert.False(File.Exists(Path.Combine(run, "reviews.csv")));
    }

    private static (string State, string Flags) State(string run, string table, string key)
    {
        var row = AgreementOnARunTests.Table(Path.Combine(run, table)).Single(r =>
            (r.TryGetValue("image_key", out var image) ? $"{r["series_key"]}/{image}/{r["vertebra"]}" : $"{r["series_key"]}/{r["vertebra"]}") == key);
        return (row["review_state"], row["reviewed_flags"]);
    }
}

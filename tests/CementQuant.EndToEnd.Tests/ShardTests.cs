using CementQuant.Reporting;

namespace CementQuant.EndToEnd.Tests;

/// <summary>--shard i/N: disjoint parts whose union is the whole run, written concurrently into one PostgreSQL database.</summary>
[Collection(BatchCollection.Name)]
public sealed class ShardTests(BatchFixture fx)
{
    [PostgresFact]
    public void Analyze_ThreeShardsAtOnceIntoOnePostgres_UnionEqualsUnshardedRun()
    {
        using var pg = new Postgres();
        var (input, reference) = fx.Reference;
        var outs = Enumerable.Range(1, 3).Select(i => Path.Combine(fx.Root, "shards", $"out-{i}")).ToArray();
        var runs = Enumerable.Range(1, 3).Select(i => Task.Run(() =>
            Cli.Run("analyze", input, "--out", outs[i - 1], "--site-key", fx.SiteKeyPath, "--shard", $"{i}/3", "--jobs", "1", "--no-masks", "--db", pg.Target))).ToArray();
        foreach (var r in runs) Assert.True(r.Result.ExitCode is 0 or 5, r.Result.Stderr);

        using var db = ResultsDatabase.Open(pg.Target);
        using var whole = ResultsDatabase.Open(Path.Combine(reference, "cementquant.db"));
        foreach (var (csv, table, order) in new[] { ("vertebrae.csv", "vertebrae", "series_key, vertebra"), ("radiographs.csv", "radiographs", "series_key, image_key, vertebra"), ("series.csv", "series", "series_key"), ("problems.csv", "problems", "file_key, stage, series_key") })
        {
            var expected = Outputs.Lines(Outputs.ReadCsv(Path.Combine(reference, csv)));
            var union = Outputs.Lines(outs.SelectMany(o => Outputs.ReadCsv(Path.Combine(o, csv))));
            Assert.Equal(expected, union); // a multiset: nothing lost, nothing twice
            Assert.Equal(Outputs.Lines(whole.ReadAll(table, order)), Outputs.Lines(db.ReadAll(table, order)));
        }
        // Each study in exactly one shard.
        var studies = outs.Select(o => Outputs.ReadCsv(Path.Combine(o, "series.csv")).Select(s => s["study_key"]).ToHashSet()).ToList();
        for (var i = 0; i < 3; i++)
            for (var j = i + 1; j < 3; j++) Assert.Empty(studies[i].Intersect(studies[j]));
    }
}

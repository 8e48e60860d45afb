using CementQuant.Reporting;

namespace CementQuant.EndToEnd.Tests;

/// <summary>Crash safety: kill -9 at random points never leaves an unparseable output, and --resume finishes the job exactly.</summary>
[Collection(BatchCollection.Name)]
public sealed class CrashTests(BatchFixture fx)
{
    [Theory]
    [InlineData(20260601)]
    [InlineData(20260602)]
    public void Analyze_KilledThreeTimesThenResumed_EqualsUninterruptedRun(int seed)
    {
        var (input, reference) = fx.Reference;
        var outDir = Path.Combine(fx.Root, $"crash-{seed}", "out");
        var rng = new Random(seed);
        string[] args = ["analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--jobs", "2"];
        var killed = 0;
        for (var kill = 0; kill < 3; kill++)
        {
            // Start-up takes about 0.2 s and the whole run 5-10 s here: kill anywhere from header reading to the last series.
            using var p = BatchCli.Start(kill == 0 ? args : [.. args, "--resume"]);
            var exited = p.WaitForExit(TimeSpan.FromSeconds(0.3 + (rng.NextDouble() * 4)));
            if (!exited) { p.Kill(); killed++; } // SIGKILL
            p.WaitForExit();
            if (Directory.Exists(outDir)) Outputs.AssertAllParse(outDir);
        }
        Assert.True(killed > 0, "every run finished before its kill time: nothing was tested");
        var last = Cli.Run([.. args, "--resume"]);
        Assert.True(last.ExitCode == 0, $"exit {last.ExitCode}: {last.Stderr}");
        Outputs.AssertAllParse(outDir);
        Assert.DoesNotContain(Directory.GetFiles(outDir, "*", SearchOption.AllDirectories), Outputs.IsTemp);

        foreach (var name in new[] { "vertebrae.csv", "radiographs.csv", "series.csv", "problems.csv", "results.json" })
            Assert.True(File.ReadAllText(Path.Combine(reference, name)) == File.ReadAllText(Path.Combine(outDir, name)), $"{name} differs from the uninterrupted run's");
        Assert.Equal(Names(reference, "masks"), Names(outDir, "masks"));
        Assert.Equal(Names(reference, "series"), Names(outDir, "series"));
        using var a = ResultsDatabase.Open(Path.Combine(reference, "cementquant.db"));
        using var b = ResultsDatabase.Open(Path.Combine(outDir, "cementquant.db"));
        foreach (var (table, order) in new[] { ("vertebrae", "series_key, vertebra"), ("radiographs", "series_key, image_key, vertebra"), ("series", "series_key"), ("problems", "file_key, stage, series_key") })
            Assert.Equal(Outputs.Lines(a.ReadAll(table, order)), Outputs.Lines(b.ReadAll(table, order)));
    }

    private static List<string> Names(string outDir, string sub) =>
        [.. Directory.GetFiles(Path.Combine(outDir, sub)).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];
}

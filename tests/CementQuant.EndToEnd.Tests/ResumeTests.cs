using CementQuant.Reporting;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// --resume and kill -9: a run killed anywhere and resumed writes the same bytes as one that was never interrupted
/// (every CSV, results.json, the masks, the report and its pictures; the database's rows), and saved series are reused
/// exactly when their input bytes and the options still match: a changed file or option recomputes that series, no other.
/// </summary>
[Collection(BatchCollection.Name)]
public sealed class ResumeTests(BatchFixture fx)
{
    /// <summary>One study (CT, AP and lateral radiograph: 3 series in 2 work items) and a junk file; and its uninterrupted output.</summary>
    private (string Input, string Reference) Small(string name)
    {
        var input = Path.Combine(fx.Root, name, "in");
        fx.CopyPhantom("worked-example", Path.Combine(input, "we"));
        File.WriteAllBytes(Path.Combine(input, "notes.bin"), BatchFixture.RandomBytes(500, 3));
        var reference = Path.Combine(fx.Root, name, "reference");
        var r = Cli.Run("analyze", input, "--out", reference, "--site-key", fx.SiteKeyPath, "--jobs", "2");
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        return (input, reference);
    }

    [Fact]
    public void Analyze_KilledAtTwelvePointsEachResumed_EveryOutputByteIdentical()
    {
        var (input, reference) = Small("kill12");
        // Kill points: after the n-th log line (0 = from the start; lines are "found", "analysing", "[1/3]".."[3/3]", then the
        // outputs are written), plus a delay drawn from a fixed seed: reading headers, analysing, saving series, writing outputs.
        var rng = new Random(20261203);
        int[] afterLine = [0, 0, 1, 2, 2, 3, 3, 4, 4, 4, 2, 1];
        var killed = 0;
        var log = new List<string>();
        for (var k = 0; k < afterLine.Length; k++)
        {
            var outDir = Path.Combine(fx.Root, "kill12", $"out-{k}");
            string[] args = ["analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--jobs", "2"];
            var delayMs = afterLine[k] == 0 ? 200 + rng.Next(1500) : rng.Next(400);
            var (wasKilled, linesSeen) = KillAt(args, afterLine[k], delayMs);
            if (wasKilled) killed++;
            log.Add($"point {k}: after line {afterLine[k]} + {delayMs} ms: {(wasKilled ? "killed" : "finished first")} ({linesSeen} lines)");
            if (Directory.Exists(outDir)) Outputs.AssertAllParse(outDir);
            var resumed = Cli.Run([.. args, "--resume"]);
            Assert.True(resumed.ExitCode == 0, $"kill point {k}: resume exit {resumed.ExitCode}: {resumed.Stderr}");
            Assert.DoesNotContain(Directory.GetFiles(outDir, "*", SearchOption.AllDirectories), Outputs.IsTemp);
            AssertSameOutputs(reference, outDir, $"kill point {k}");
        }
        Assert.True(killed >= 10, $"only {killed} of {afterLine.Length} runs were killed before they finished:\n{string.Join('\n', log)}");
    }

    [Fact]
    public void Analyze_ResumeAfterInputChanges_RecomputesExactlyTheChangedSeries()
    {
        var root = Path.Combine(fx.Root, "invalidate");
        var input = Path.Combine(root, "in");
        var (_, seriesA) = fx.CopyStudy("worked-example", Path.Combine(input, "a"), "inv-a");
        fx.CopyStudy("superior-only", Path.Combine(input, "b"), "inv-b");
        var outDir = Path.Combine(root, "out");
        string[] args = ["analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--jobs", "2"];
        var first = Cli.Run(args);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal(0, Reused(first.Stderr));

        // Nothing changed: both reused.
        var again = Cli.Run([.. args, "--resume"]);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(2, Reused(again.Stderr));

        // One byte of one slice of b changed, its size and time stamp kept: only b is analysed again.
        var slice = Directory.GetFiles(Path.Combine(input, "b")).Order(StringComparer.Ordinal).ElementAt(40);
        var stamp = File.GetLastWriteTimeUtc(slice);
        var bytes = File.ReadAllBytes(slice);
        bytes[^3] ^= 0x01;
        File.WriteAllBytes(slice, bytes);
        File.SetLastWriteTimeUtc(slice, stamp);
        var changed = Cli.Run([.. args, "--resume"]);
        Assert.True(changed.ExitCode == 0, changed.Stderr);
        Assert.Equal(1, Reused(changed.Stderr));
        Assert.Equal(1, Stale(changed.Stderr));
        Assert.Contains(changed.Stderr.Split('\n'), l => l.Contains("from an earlier run", StringComparison.Ordinal) && l.Contains(fx.SiteKey.Hash(seriesA + "|CtSlice"), StringComparison.Ordinal));
        // ... and the outputs are those of a fresh run over the changed input.
        var fresh = Path.Combine(root, "fresh");
        Assert.Equal(0, Cli.Run("analyze", input, "--out", fresh, "--site-key", fx.SiteKeyPath, "--jobs", "2").ExitCode);
        AssertSameOutputs(fresh, outDir, "after a changed byte");

        // A slice removed from a: only a.
        File.Delete(Directory.GetFiles(Path.Combine(input, "a")).Order(StringComparer.Ordinal).Last());
        var removed = Cli.Run([.. args, "--resume"]);
        Assert.True(removed.ExitCode == 0, removed.Stderr);
        Assert.Equal(1, Reused(removed.Stderr));
        Assert.Equal(1, Stale(removed.Stderr));

        // A changed option: every series.
        var option = Cli.Run([.. args, "--resume", "--contact-tolerance-mm", "1.5"]);
        Assert.True(option.ExitCode == 0, option.Stderr);
        Assert.Equal(0, Reused(option.Stderr));
        Assert.Equal(2, Stale(option.Stderr));
        var threshold = Cli.Run([.. args, "--resume", "--contact-tolerance-mm", "1.5", "--threshold-hu", "1500"]);
        Assert.Equal(0, Reused(threshold.Stderr));

        // A report picture deleted: that series is drawn again, so the report stays complete.
        var picture = Directory.GetFiles(Path.Combine(outDir, "report"), "*.png").Order(StringComparer.Ordinal).First();
        File.Delete(picture);
        var redraw = Cli.Run([.. args, "--resume", "--contact-tolerance-mm", "1.5", "--threshold-hu", "1500"]);
        Assert.True(redraw.ExitCode == 0, redraw.Stderr);
        Assert.Equal(1, Reused(redraw.Stderr));
        Assert.True(File.Exists(picture), "the deleted picture was not drawn again");
    }

    [Fact]
    public void Analyze_TwoRunsOnOneOutputFolder_SecondExits4NamingTheFirst_FirstIntact()
    {
        var (input, reference) = Small("concurrent");
        var outDir = Path.Combine(fx.Root, "concurrent", "out");
        string[] args = ["analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--jobs", "2"];
        using var first = BatchCli.Start(args);
        var firstErr = new System.Text.StringBuilder();
        using var started = new ManualResetEventSlim();
        first.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (firstErr) firstErr.AppendLine(e.Data);
            if (e.Data.StartsWith("found ", StringComparison.Ordinal)) started.Set();
        };
        first.BeginErrorReadLine();
        first.OutputDataReceived += (_, _) => { };
        first.BeginOutputReadLine();
        Assert.True(started.Wait(TimeSpan.FromMinutes(2)), "the first run never started");

        var second = Cli.Run(args);

        Assert.True(first.WaitForExit(TimeSpan.FromMinutes(5)), "the first run did not finish");
        first.WaitForExit();
        Assert.True(second.ExitCode == 4, $"second run: exit {second.ExitCode}: {second.Stderr}");
        Assert.Contains($"PID {first.Id}", second.Stderr, StringComparison.Ordinal);
        Assert.True(first.ExitCode == 0, $"first run: exit {first.ExitCode}: {firstErr}");
        AssertSameOutputs(reference, outDir, "the first of two concurrent runs");
    }

    [Fact]
    public void Analyze_DiskFullWhileWritingTheRunOutputs_Exit4_PreviousOutputsKeptTogether_ResumeCompletes()
    {
        var (input, reference) = Small("full-final");
        var outDir = Path.Combine(fx.Root, "full-final", "out");
        // An earlier run over the CT alone: its outputs hold 1 series.
        Assert.Equal(0, Cli.Run("analyze", Path.Combine(input, "we", "ct"), "--out", outDir, "--site-key", fx.SiteKeyPath).ExitCode);
        var before = Snapshot(outDir);

        // The whole study, on a disk that fills up at results.json (after the CSV files are written, before the database).
        var full = Cli.RunWith([("CEMENTQUANT_TEST_DISK_FULL_AT", "results.json")], "analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--resume");

        Assert.True(full.ExitCode == 4, $"exit {full.ExitCode}: {full.Stderr}");
        var last = full.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        Assert.StartsWith("exit 4: output not writable: cannot write '", last, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(outDir, "results.json"), last, StringComparison.Ordinal);
        Assert.Contains("kept: 3 complete series", last, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", full.Stderr, StringComparison.Ordinal);
        // All or nothing: every CSV, results.json, the report and the database still hold the earlier run's 1 series.
        Assert.Equal(before, Snapshot(outDir));
        Assert.DoesNotContain(Directory.GetFiles(outDir, "*", SearchOption.AllDirectories), Outputs.IsTemp);

        var resumed = Cli.Run("analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        AssertSameOutputs(reference, outDir, "resumed after a full disk");
    }

    [Fact]
    public void Analyze_DiskFullWhileSavingSeries_Simulated_Exit4_ResumeCompletes()
    {
        var (input, reference) = Small("full-series");
        var outDir = Path.Combine(fx.Root, "full-series", "out");
        // 200 kB: the masks and some pictures fit, the rest of the series does not.
        var full = Cli.RunWith([("CEMENTQUANT_TEST_DISK_BYTES", "200000")], "analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--jobs", "2");
        Assert.True(full.ExitCode == 4, $"exit {full.ExitCode}: {full.Stderr}");
        Assert.Contains("No space left on device", full.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", full.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outDir, "vertebrae.csv")), "outputs written although a series could not be saved");
        Assert.DoesNotContain(Directory.GetFiles(outDir, "*", SearchOption.AllDirectories), Outputs.IsTemp);
        Outputs.AssertAllParse(outDir);

        var resumed = Cli.Run("analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--jobs", "2", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        AssertSameOutputs(reference, outDir, "resumed after a full disk");
    }

    [RootFact]
    public void Analyze_OnAFullTmpfs_Exit4_ThenResumeOnTheGrownDiskCompletes()
    {
        var (input, reference) = Small("tmpfs");
        var mount = Directory.CreateDirectory(Path.Combine(fx.Root, "tmpfs", "disk")).FullName;
        Assert.True(Run("mount", "-t", "tmpfs", "-o", "size=700k", "tmpfs", mount) == 0, "cannot mount a tmpfs (root without CAP_SYS_ADMIN?)");
        try
        {
            var outDir = Path.Combine(mount, "out");
            var full = Cli.Run("analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--jobs", "2");
            Assert.True(full.ExitCode == 4, $"exit {full.ExitCode}: {full.Stderr}");
            Assert.Contains("No space left on device", full.Stderr, StringComparison.Ordinal);
            Assert.Contains("kept: ", full.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("internal error", full.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(Directory.GetFiles(outDir, "*", SearchOption.AllDirectories), Outputs.IsTemp);
            // No run outputs unless all of them: either none of the CSV/JSON files or all, mutually consistent.
            Assert.False(File.Exists(Path.Combine(outDir, "series.csv")));

            Assert.True(Run("mount", "-o", "remount,size=64m", mount) == 0, "cannot grow the tmpfs");
            var resumed = Cli.Run("analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--jobs", "2", "--resume");
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            AssertSameOutputs(reference, outDir, "resumed on the grown tmpfs");
        }
        finally
        {
            Run("umount", "-l", mount);
        }
    }

    private static int Run(string program, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>The run outputs as text (CSV, JSON, report) and the database's series table, to compare before and after.</summary>
    private static List<string> Snapshot(string outDir)
    {
        List<string> all = [];
        foreach (var name in new[] { "vertebrae.csv", "radiographs.csv", "series.csv", "problems.csv", "results.json", "report.html" })
            all.Add(name + "\n" + File.ReadAllText(Path.Combine(outDir, name)));
        using var db = ResultsDatabase.Open(Path.Combine(outDir, "cementquant.db"));
        all.AddRange(Outputs.Lines(db.ReadAll("series", "series_key")));
        all.AddRange(Outputs.Lines(db.ReadAll("vertebrae", "series_key, vertebra")));
        all.AddRange(Outputs.Lines(db.ReadAll("radiographs", "series_key, image_key, vertebra")));
        return all;
    }

    /// <summary>Starts a run and SIGKILLs it <paramref name="delayMs"/> after its <paramref name="afterLine"/>-th log line; false when it finished first.</summary>
    private static (bool Killed, int Lines) KillAt(string[] args, int afterLine, int delayMs)
    {
        using var p = BatchCli.Start(args);
        var lines = 0;
        using var reached = new ManualResetEventSlim(afterLine == 0);
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) { reached.Set(); return; }
            if (Interlocked.Increment(ref lines) >= afterLine) reached.Set();
        };
        p.BeginErrorReadLine();
        p.OutputDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        Assert.True(reached.Wait(TimeSpan.FromMinutes(2)), "the run neither logged nor ended");
        var exited = p.WaitForExit(delayMs);
        if (!exited) p.Kill(); // SIGKILL
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1)));
        return (!exited, lines);
    }

    private static int Reused(string log) => log.Split('\n').Count(l => l.StartsWith('[') && l.Contains("from an earlier run", StringComparison.Ordinal) && l.Contains("CT volume", StringComparison.Ordinal));

    private static int Stale(string log) => log.Split('\n').Count(l => l.Contains("saved results no longer match", StringComparison.Ordinal));

    /// <summary>
    /// Every output file of <paramref name="reference"/> exists in <paramref name="outDir"/> with the same bytes (the saved
    /// per-series state, which records timings, and the lock excepted), nothing else is there, and the database holds the same rows.
    /// </summary>
    internal static void AssertSameOutputs(string reference, string outDir, string what)
    {
        static List<string> Files(string dir) =>
            [.. Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f))
                .Where(f => !f.StartsWith("series/", StringComparison.Ordinal) && f != "cementquant.db" && !f.StartsWith(".cementquant.lock", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)];
        var expected = Files(reference);
        Assert.Equal(expected, Files(outDir));
        Assert.Contains("report.html", expected);
        foreach (var f in expected)
            Assert.True(File.ReadAllBytes(Path.Combine(reference, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(outDir, f))), $"{what}: {f} differs from the uninterrupted run's");
        Assert.Equal(Directory.GetFiles(Path.Combine(reference, "series")).Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Directory.GetFiles(Path.Combine(outDir, "series")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var a = ResultsDatabase.Open(Path.Combine(reference, "cementquant.db"));
        using var b = ResultsDatabase.Open(Path.Combine(outDir, "cementquant.db"));
        foreach (var (table, order) in new[] { ("vertebrae", "series_key, vertebra"), ("radiographs", "series_key, image_key, vertebra"), ("series", "series_key"), ("problems", "path, stage, series_key") })
            Assert.True(Outputs.Lines(a.ReadAll(table, order)).SequenceEqual(Outputs.Lines(b.ReadAll(table, order))), $"{what}: database table {table} differs");
    }
}

/// <summary>Runs only as root (a tmpfs needs it); under CI=true it always runs, so CI cannot go green by skipping it.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true" && !(OperatingSystem.IsLinux() && Environment.UserName == "root"))
            Skip = "needs root to mount a small tmpfs (runs, and must pass, under CI=true)";
    }
}

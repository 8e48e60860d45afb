using System.Text.Json;
using CementQuant.Reporting;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// Issue 21 end to end: `analyze` over the whole fuzz corpus (<see cref="FuzzCorpus"/>, 300+ hostile files made at
/// test time) in one run never exits 1, names every file it does not use in problems.csv, and stays far below
/// 2 GB; a single bad DICOM file is named, not "no DICOM input"; label maps and masks given as NIfTI are skipped
/// with a reason.
/// </summary>
public sealed class HostileInputTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-hostile-e2e-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private string SiteKey()
    {
        var path = Path.Combine(_tmp, "site.key");
        if (!File.Exists(path)) File.WriteAllText(path, Convert.ToHexStringLower([.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 1))]) + "\n");
        return path;
    }

    [Fact]
    public void Analyze_FuzzCorpus_NoInternalErrorEveryFileUsedOrNamedBelow2Gb()
    {
        var input = Path.Combine(_tmp, "corpus");
        var entries = FuzzCorpus.Write(input);
        Assert.True(entries.Count >= 300);
        var outDir = Path.Combine(_tmp, "out");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = BatchCli.RunMeasured("analyze", input, "--out", outDir, "--site-key", SiteKey(), "--no-report", "--no-masks");
        output.WriteLine($"{entries.Count} files: exit {run.ExitCode}, {clock.Elapsed.TotalSeconds:0.0} s, peak RSS {run.PeakRssBytes >> 20} MiB");
        output.WriteLine(run.Stdout.Split('\n').LastOrDefault(l => l.Contains("done:", StringComparison.Ordinal)) ?? run.Stderr.Split('\n').LastOrDefault(l => l.Contains("done:", StringComparison.Ordinal)));

        Assert.True(run.ExitCode is 0 or 5, $"exit {run.ExitCode}: {run.Stderr}");
        Assert.DoesNotContain("internal error", run.Stdout + run.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.True(run.PeakRssBytes is > 0 and < 2L << 30, $"peak RSS {run.PeakRssBytes} bytes");

        var problems = Outputs.ReadProblems(outDir, SiteKey(), input);
        var named = problems.Select(r => r["path"]).ToHashSet(StringComparer.Ordinal);
        var paths = Outputs.PathsByFileKey(SiteKey(), input);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        var used = json.RootElement.GetProperty("provenance").GetProperty("input_files").EnumerateArray()
            .Select(f => paths[f.GetProperty("file_key").GetString()!]).ToHashSet(StringComparer.Ordinal);
        var missing = entries.Select(e => Path.GetFileName(e.Path)).Where(f => !named.Contains(f) && !used.Contains(f)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} files neither used nor named: {string.Join(", ", missing.Take(10))}");
        // The monsters are refused by name, each on its own row.
        foreach (var monster in entries.Where(e => e.Path.Contains("16384", StringComparison.Ordinal) || e.Path.Contains("bomb", StringComparison.Ordinal)))
            Assert.Contains(Path.GetFileName(monster.Path), named);
    }

    [Fact]
    public void Analyze_SingleFileWithHostileHeader_NamedInProblemsNotExit2()
    {
        var corpus = Path.Combine(_tmp, "corpus-one");
        var entries = FuzzCorpus.Write(corpus);
        var bad = entries.First(e => e.Mutation.Contains("(0028,0030) DS = '0\\0'", StringComparison.Ordinal)).Path;
        var outDir = Path.Combine(_tmp, "out-one");

        var run = Cli.Run("analyze", bad, "--out", outDir, "--site-key", SiteKey(), "--no-report");

        Assert.True(run.ExitCode == 5, $"exit {run.ExitCode}: {run.Stderr}");
        var row = Assert.Single(Outputs.ReadCsv(Path.Combine(outDir, "problems.csv")));
        Assert.Contains("PixelSpacing (0028,0030)", row["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_TextFileOnly_Exit2NamingTheFile()
    {
        var file = Path.Combine(_tmp, "notes.txt");
        File.WriteAllText(file, "not an image\n");

        var run = Cli.Run("analyze", file, "--out", Path.Combine(_tmp, "out-text"), "--site-key", SiteKey());

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("notes.txt", run.Stderr + run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mask", 2)]
    [InlineData("labels", 30)]
    public void Analyze_NiftiMaskOrLabelMap_SkippedWithReason(string kind, int values)
    {
        var g = new ImageGeometry(new Vec3(0, 0, 0), new Vec3(1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 1));
        var data = new byte[40 * 40 * 40];
        for (var i = 0; i < data.Length; i++) data[i] = (byte)(i / 7 % values);
        var path = Path.Combine(_tmp, kind + ".nii.gz");
        Nifti.Write(path, new Volume<byte>(40, 40, 40, g, data));
        var outDir = Path.Combine(_tmp, "out-" + kind);

        var run = Cli.Run("analyze", path, "--out", outDir, "--site-key", SiteKey(), "--no-report");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr}");
        var row = Assert.Single(Outputs.ReadCsv(Path.Combine(outDir, "problems.csv")));
        Assert.Equal("select", row["stage"]);
        Assert.Contains(kind == "mask" ? "mask" : "label map", row["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_OutputFolderLockedByAnotherRun_Exit4NamingTheHolder()
    {
        var outDir = Directory.CreateDirectory(Path.Combine(_tmp, "out-locked")).FullName;
        var input = Path.Combine(_tmp, "in-locked");
        FuzzCorpus.Write(input);
        // Hold the lock as a running analyse does: exclusive (flock on Unix), owner beside it.
        using (var held = new FileStream(Path.Combine(outDir, ".cementquant.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            File.WriteAllText(Path.Combine(outDir, ".cementquant.lock.owner"), "PID 4242 on testhost, since now\n");

            var second = Cli.Run("analyze", input, "--out", outDir, "--site-key", SiteKey(), "--no-report");

            Assert.True(second.ExitCode == 4, $"exit {second.ExitCode}: {second.Stderr}");
            Assert.Contains("PID 4242", second.Stderr + second.Stdout, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(outDir, "problems.csv")), "the refused run wrote into the locked folder");
        }
        // The holder is gone (as after kill -9: the files stay, the kernel lock does not): the next run takes over.
        var third = Cli.Run("analyze", input, "--out", outDir, "--site-key", SiteKey(), "--no-report");
        Assert.True(third.ExitCode is 0 or 5, $"exit {third.ExitCode}: {third.Stderr}");
        Assert.True(File.Exists(Path.Combine(outDir, "problems.csv")));
        Assert.False(File.Exists(Path.Combine(outDir, ".cementquant.lock")), "a finished run leaves no lock");
        Assert.False(File.Exists(Path.Combine(outDir, ".cementquant.lock.owner")));
    }
}

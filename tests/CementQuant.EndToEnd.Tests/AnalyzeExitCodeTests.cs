using CementQuant.Dicom;
using CementQuant.Dicom.Series;

namespace CementQuant.EndToEnd.Tests;

/// <summary>The small worked-example phantom (CT only), written once for <see cref="AnalyzeExitCodeTests"/>.</summary>
public sealed class SmallPhantomFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("cq-exit-").FullName;

    public string Ct => Path.Combine(Root, "studies", "worked-example", "ct");

    public SmallPhantomFixture()
    {
        var r = Cli.Run("phantom", "--case", "worked-example", "--size", "small", "--out", Path.Combine(Root, "studies"));
        Assert.True(r.ExitCode == 0, r.Stderr);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>
/// shared/spec/CLI.md's exit-code table, row by row, for `analyze` (the command scripts depend on): 0 every usable
/// series analysed (files that are not DICOM at all, a 0-byte one included, are listed in problems.csv without
/// changing the code), 2 no DICOM or NIfTI input, 3 an input that does not exist, 4 an output that cannot be
/// written, 5 some series analysed and some failed, 64 wrong usage or a bad option value, 1 an internal error.
/// </summary>
public sealed class AnalyzeExitCodeTests(SmallPhantomFixture fx) : IClassFixture<SmallPhantomFixture>, IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-exit-case-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private string Key => Path.Combine(fx.Root, "site.key");

    /// <summary>A copy of the phantom CT in a folder of its own, with junk files beside it.</summary>
    private string CopyCtWith(string name, Action<string> extras)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_tmp, name)).FullName;
        var ct = Directory.CreateDirectory(Path.Combine(folder, "ct")).FullName;
        foreach (var f in Directory.GetFiles(fx.Ct)) File.Copy(f, Path.Combine(ct, Path.GetFileName(f)));
        extras(folder);
        return folder;
    }

    private static void Junk(string folder)
    {
        File.WriteAllBytes(Path.Combine(folder, "zero.dcm"), []);
        File.WriteAllBytes(Path.Combine(folder, "random.dcm"), [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251))]);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an image");
    }

    [Fact]
    public void Analyze_GoodSeriesBesideZeroByteAndJunkFiles_Exits0AndListsEachJunkFile()
    {
        var input = CopyCtWith("good-and-junk", Junk);
        var outDir = Path.Combine(_tmp, "out");
        var r = Cli.Run("analyze", input, "--out", outDir, "--site-key", Key, "--no-report", "--no-masks");
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        var problems = Outputs.ReadProblems(outDir, Key, input);
        Assert.Equal(["notes.txt", "random.dcm", "zero.dcm"], problems.Select(p => p["path"]).Order(StringComparer.Ordinal));
        Assert.All(problems, p => Assert.StartsWith("not a DICOM file", p["reason"], StringComparison.Ordinal));
        Assert.Single(Outputs.ReadCsv(Path.Combine(outDir, "series.csv")), s => s["status"] == "ok");
        Assert.Equal("exit 0: 1 series analysed, 3 non-DICOM files ignored, see problems.csv", LastLine(r));
    }

    /// <summary>The console's last line explains the exit code (CLI.md), on every exit path.</summary>
    private static string LastLine(Cli.Result r) => r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";

    [Fact]
    public void Analyze_JunkOnly_Exits2()
    {
        var input = Directory.CreateDirectory(Path.Combine(_tmp, "junk")).FullName;
        Junk(input);
        var r = Cli.Run("analyze", input, "--out", Path.Combine(_tmp, "out"), "--site-key", Key);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no DICOM or NIfTI input found", r.Stderr);
        Assert.StartsWith("exit 2: no input: no DICOM or NIfTI input found in 3 file(s)", LastLine(r), StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_MissingInput_Exits3NamingIt()
    {
        var missing = Path.Combine(_tmp, "nope");
        var r = Cli.Run("analyze", fx.Ct, missing, "--out", Path.Combine(_tmp, "out"), "--site-key", Key);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains(missing, r.Stderr);
        Assert.StartsWith("exit 3: input not readable: ", LastLine(r), StringComparison.Ordinal);
        Assert.Contains(missing, LastLine(r), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_tmp, "out", "masks")), "nothing may be analysed when an input is missing");
    }

    [Fact]
    public void Analyze_OutputUnderAFile_Exits4()
    {
        var blocker = Path.Combine(_tmp, "file");
        File.WriteAllText(blocker, "x");
        var r = Cli.Run("analyze", fx.Ct, "--out", Path.Combine(blocker, "sub"), "--site-key", Key);
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("cannot write to output folder", r.Stderr);
        Assert.StartsWith("exit 4: output not writable: cannot write to output folder", LastLine(r), StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_OneGoodOneGappedSeries_Exits5AndKeepsTheGoodOne()
    {
        var input = CopyCtWith("good-and-gapped", folder =>
        {
            var g = new ImageGeometry(new Vec3(-20, -20, 0), new Vec3(1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 2));
            var v = new Volume<short>(16, 16, 8, g);
            for (var i = 0; i < v.Data.Length; i++) v.Data[i] = (short)(i % 1500);
            var gapped = Path.Combine(folder, "gapped");
            CtSeriesWriter.Write(gapped, v, new CtSeriesWriteOptions());
            File.Delete(Directory.GetFiles(gapped).Order(StringComparer.Ordinal).ElementAt(3));
        });
        var outDir = Path.Combine(_tmp, "out");
        var r = Cli.Run("analyze", input, "--out", outDir, "--site-key", Key, "--no-report", "--no-masks");
        Assert.True(r.ExitCode == 5, $"exit {r.ExitCode}: {r.Stderr}");
        var series = Outputs.ReadCsv(Path.Combine(outDir, "series.csv"));
        Assert.Single(series, s => s["status"] == "ok");
        Assert.Contains(Outputs.ReadProblems(outDir, Key, input), p => p["path"] == "gapped/" && p["reason"].Contains("missing slice", StringComparison.Ordinal));
        Assert.Equal("exit 5: 1 series failed, 1 series analysed, see problems.csv", LastLine(r));
    }

    public static TheoryData<string[]> BadUsage() => new()
    {
        Array.Empty<string>(),
        new[] { "frobnicate" },
        new[] { "analyze", "{ct}" },                                              // --out missing
        new[] { "analyze", "--out", "{out}" },                                    // no input
        new[] { "analyze", "{ct}", "--out", "{out}", "--threshold-hu", "abc" },
        new[] { "analyze", "{ct}", "--out", "{out}", "--threshold-hu", "-5000" },
        new[] { "analyze", "{ct}", "--out", "{out}", "--threshold-hu" },
        new[] { "analyze", "{ct}", "--out", "{out}", "--contact-tolerance-mm", "-1" },
        new[] { "analyze", "{ct}", "--out", "{out}", "--contact-tolerance-mm", "x" },
        new[] { "analyze", "{ct}", "--out", "{out}", "--contact-tolerance-mm", "10.5" },   // just above the 0..10 range
        new[] { "analyze", "{ct}", "--out", "{out}", "--threshold-hu", "199.5" },          // just below 200..3071
        new[] { "analyze", "{ct}", "--out", "{out}", "--threshold-hu", "3071.5" },         // just above it
        new[] { "analyze", "{ct}", "--out", "{out}", "--jobs", "0" },
        new[] { "analyze", "{ct}", "--out", "{out}", "--shard", "3/2" },
        new[] { "analyze", "{ct}", "--out", "{out}", "--shard", "0/2" },
        new[] { "analyze", "{ct}", "--out", "{out}", "--shard", "x" },
        new[] { "phantom", "--out", "{out}", "--case", "no-such-case" },
        new[] { "phantom", "--out", "{out}", "--size", "huge" },
        new[] { "convert", "{ct}" },                                              // --out missing
    };

    /// <summary>The ends of --threshold-hu's range (CLI.md) are values, not errors.</summary>
    [Theory]
    [InlineData("200", 200.0)]
    [InlineData("3071", 3071.0)]
    [InlineData("auto", null)]
    public void ParseThreshold_RangeEnds_AreAccepted(string text, double? expected) =>
        Assert.Equal(expected, CementQuant.Cli.AnalyzeSettings.ParseThreshold(text));

    [Theory]
    [MemberData(nameof(BadUsage))]
    public void Main_BadUsageOrOptionValue_Exits64WithoutWritingOutputs(string[] template)
    {
        var outDir = Path.Combine(_tmp, "out");
        var args = template.Select(a => a.Replace("{ct}", fx.Ct, StringComparison.Ordinal).Replace("{out}", outDir, StringComparison.Ordinal)).ToArray();
        var r = Cli.Run(args);
        Assert.True(r.ExitCode == 64, $"exit {r.ExitCode} for '{string.Join(' ', template)}': {r.Stderr}");
        Assert.False(string.IsNullOrWhiteSpace(r.Stderr), "a usage error must say what is wrong");
        if (template.FirstOrDefault() == "analyze") Assert.StartsWith("exit 64: usage: ", LastLine(r), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outDir, "vertebrae.csv")));
    }

    [Fact]
    public void Analyze_UnknownOption_Exits64() =>
        Assert.Equal(64, Cli.Run("analyze", fx.Ct, "--out", Path.Combine(_tmp, "out"), "--site-key", Key, "--no-such-option").ExitCode);

    /// <summary>A site key file that holds no hex key is a bad option value (64), not an internal error (1).</summary>
    [Fact]
    public void Analyze_MalformedSiteKey_Exits64()
    {
        var key = Path.Combine(_tmp, "bad.key");
        File.WriteAllText(key, "not hex");
        Assert.Equal(64, Cli.Run("analyze", fx.Ct, "--out", Path.Combine(_tmp, "out"), "--site-key", key).ExitCode);
    }

    /// <summary>Exit 1: nothing a user can pass provokes a bug on purpose, so the mapping itself is checked in process:
    /// any exception that is not an expected failure becomes 1, an expected one keeps its code.</summary>
    [Fact]
    public void Guard_UnexpectedException_Returns1AndExpectedOnesKeepTheirCode()
    {
        Assert.Equal(1, global::CementQuant.Cli.Program.Guard(() => throw new InvalidOperationException("a bug")));
        Assert.Equal(4, global::CementQuant.Cli.Program.Guard(() => throw new global::CementQuant.Cli.CliException(4, "cannot write")));
        Assert.Equal(0, global::CementQuant.Cli.Program.Guard(() => 0));
        var console = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            Assert.Equal(1, global::CementQuant.Cli.Program.Guard(() => throw new InvalidOperationException("a bug"), explain: true));
        }
        finally
        {
            Console.SetError(console);
        }
        Assert.Equal("exit 1: internal error (please report): InvalidOperationException: a bug", captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last());
    }
}

/// <summary>--series-time-limit: validated, echoed in the provenance, and a series over it is a problems.csv row while the batch goes on.</summary>
public sealed class SeriesTimeLimitTests(SmallPhantomFixture fx) : IClassFixture<SmallPhantomFixture>, IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-limit-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private string Key => Path.Combine(fx.Root, "site.key");

    [Fact]
    public void Analyze_SeriesOverTheTimeLimit_IsAProblemRowAndTheBatchGoesOn_Exit5_ThenResumedWithoutTheLimit()
    {
        // A limit of 1 ms is over before the CT has loaded (the check after loading always sees it); a junk file beside it.
        var input = Directory.CreateDirectory(Path.Combine(_tmp, "in")).FullName;
        var a = Directory.CreateDirectory(Path.Combine(input, "a")).FullName;
        foreach (var f in Directory.GetFiles(fx.Ct)) File.Copy(f, Path.Combine(a, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(input, "notes.txt"), "x");
        var outDir = Path.Combine(_tmp, "out");
        var r = Cli.Run("analyze", Path.Combine(input, "a"), Path.Combine(input, "notes.txt"), "--out", outDir, "--site-key", Key, "--no-report", "--series-time-limit", "0.001");

        Assert.True(r.ExitCode == 5, $"exit {r.ExitCode}: {r.Stderr}");
        var problem = Assert.Single(Outputs.ReadCsv(Path.Combine(outDir, "problems.csv")), p => p["stage"] == "analyze");
        Assert.StartsWith("time limit of 0.001 s exceeded", problem["reason"], StringComparison.Ordinal);
        Assert.Single(Outputs.ReadCsv(Path.Combine(outDir, "series.csv")), s => s["status"] == "failed");
        Assert.Empty(Directory.GetFiles(Path.Combine(outDir, "series")));
        Assert.False(Directory.Exists(Path.Combine(outDir, "masks")) && Directory.GetFiles(Path.Combine(outDir, "masks")).Length > 0, "a timed-out series wrote masks");
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json"))))
            Assert.Equal(0.001, json.RootElement.GetProperty("provenance").GetProperty("parameters").GetProperty("series_time_limit_s").GetDouble());
        Assert.Equal("exit 5: 1 series failed, 0 series analysed, 1 non-DICOM file ignored, see problems.csv",
            r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last());

        // Timed-out series are not saved: a rerun without the limit analyses it.
        var again = Cli.Run("analyze", Path.Combine(input, "a"), Path.Combine(input, "notes.txt"), "--out", outDir, "--site-key", Key, "--no-report", "--resume");
        Assert.True(again.ExitCode == 0, $"exit {again.ExitCode}: {again.Stderr}");
        Assert.Single(Outputs.ReadCsv(Path.Combine(outDir, "series.csv")), s => s["status"] == "ok");
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json"))))
            Assert.Equal("none", json.RootElement.GetProperty("provenance").GetProperty("parameters").GetProperty("series_time_limit_s").GetString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1e9")]
    public void Analyze_BadTimeLimit_Exits64(string value)
    {
        var r = Cli.Run("analyze", fx.Ct, "--out", Path.Combine(_tmp, "out"), "--site-key", Key, "--series-time-limit", value);
        Assert.True(r.ExitCode == 64, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.Contains("--series-time-limit", r.Stderr, StringComparison.Ordinal);
    }
}

using System.Text.Json;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// The command line as a user and a scheduler meet it (#19): wrong usage is exit 64 with one clear line and a hint,
/// mistyped commands and options get a suggestion, --quiet/--verbose/--log-format/--json shape the console, the help
/// says how to call and what the exit codes mean, and a run that finds nothing writes nothing.
/// </summary>
public sealed class CliUsageTests(SmallPhantomFixture fx) : IClassFixture<SmallPhantomFixture>, IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-usage-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private string Key => Path.Combine(fx.Root, "site.key");

    private string Out(string name) => Path.Combine(_tmp, name);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public void MistypedCommand_Exits64WithASuggestionOnOneLine()
    {
        var r = Cli.Run("analyse", fx.Ct, "--out", Out("a"));
        Assert.Equal(64, r.ExitCode);
        var lines = Lines(r.Stderr);
        Assert.Equal(3, lines.Length);
        Assert.Contains("unknown command 'analyse'; did you mean 'analyze'?", lines[0], StringComparison.Ordinal);
        Assert.Equal("See 'cementquant --help'.", lines[1]);
        Assert.StartsWith("exit 64: usage: unknown command 'analyse'", lines[2], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--no-such-option", "unknown option '--no-such-option'")]
    [InlineData("--contact-tolerence-mm=2", "did you mean '--contact-tolerance-mm'?")]
    [InlineData("--resum", "did you mean '--resume'?")]
    public void UnknownOption_Exits64NamingItAndWritesNothing(string option, string expected)
    {
        var r = Cli.Run("analyze", fx.Ct, "--out", Out("u"), "--site-key", Key, option);
        Assert.Equal(64, r.ExitCode);
        Assert.Contains(expected, r.Stderr, StringComparison.Ordinal);
        Assert.Contains("See 'cementquant analyze --help'.", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out("u")));
    }

    [Theory]
    [InlineData("--log-format", "xml")]
    [InlineData("--jobs", "abc")]
    public void BadOptionValue_Exits64WithOneErrorLine(string option, string value)
    {
        var r = Cli.Run("analyze", fx.Ct, "--out", Out("b"), "--site-key", Key, option, value);
        Assert.Equal(64, r.ExitCode);
        // The error, the help hint, and the line that explains the exit code.
        var lines = Lines(r.Stderr);
        Assert.Equal(3, lines.Length);
        Assert.Equal("See 'cementquant analyze --help'.", lines[1]);
        Assert.StartsWith("exit 64: usage: ", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void QuietAndVerboseTogether_Exit64()
    {
        var r = Cli.Run("analyze", fx.Ct, "--out", Out("qv"), "--site-key", Key, "--quiet", "--verbose");
        Assert.Equal(64, r.ExitCode);
        Assert.Contains("exclude each other", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedSiteKey_IsWrongUsageNotABug()
    {
        var key = Path.Combine(_tmp, "bad.key");
        File.WriteAllText(key, "not hex");
        var r = Cli.Run("analyze", fx.Ct, "--out", Out("k"), "--site-key", key);
        Assert.Equal(64, r.ExitCode);
        Assert.Contains("--site-key", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Quiet_PrintsNothingOnSuccess()
    {
        var r = Cli.Run("analyze", fx.Ct, "--out", Out("q"), "--site-key", Key, "--no-report", "--quiet");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Stdout.Trim());
        Assert.Equal("", r.Stderr.Trim());
        Assert.True(File.Exists(Path.Combine(Out("q"), "vertebrae.csv")));
    }

    [Fact]
    public void Json_SummaryOnStdoutMatchesTheRun()
    {
        var r = Cli.Run("analyze", fx.Ct, "--out", Out("j"), "--site-key", Key, "--no-report", "--json", "--log-format", "json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal(r.ExitCode, root.GetProperty("exit_code").GetInt32());
        var csvRows = File.ReadAllLines(Path.Combine(Out("j"), "vertebrae.csv")).Length - 1;
        Assert.Equal(csvRows, root.GetProperty("vertebrae").GetInt32());
        Assert.Equal(1, root.GetProperty("series_analysed").GetInt32());
        var series = root.GetProperty("series")[0];
        Assert.Equal("ok", series.GetProperty("status").GetString());
        // The worked example's L3 is flagged; its flags reach the summary.
        Assert.Contains(series.GetProperty("flagged").EnumerateArray(), v => v.GetProperty("flags").EnumerateArray().Any(f => f.GetString() == "NPEC"));
        // Every log line is one JSON object with a time, a level and a message.
        var lines = Lines(r.Stderr);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var l = JsonDocument.Parse(line);
            Assert.True(l.RootElement.TryGetProperty("time", out _), line);
            Assert.Contains(l.RootElement.GetProperty("level").GetString(), new[] { "info", "detail", "warning" });
            Assert.False(string.IsNullOrEmpty(l.RootElement.GetProperty("message").GetString()));
        }
    }

    [Fact]
    public void NoInput_Exits2AndLeavesNoOutputFolder()
    {
        var input = Directory.CreateDirectory(Path.Combine(_tmp, "junk")).FullName;
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not an image");
        var r = Cli.Run("analyze", input, "--out", Out("n"), "--site-key", Key);
        Assert.Equal(2, r.ExitCode);
        Assert.False(Directory.Exists(Out("n")), "a run that found nothing must not leave an output folder or an empty database");
    }

    [Fact]
    public void AnalyzeHelp_HasExamplesExitCodesAndEachDefaultOnce()
    {
        var r = Cli.Run("analyze", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Examples:", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("Exit codes: 0 every usable series analysed", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("postgresql://", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("labels.nii.gz,body.nii.gz", r.Stdout, StringComparison.Ordinal);
        foreach (var option in new[] { "--quiet", "--verbose", "--log-format", "--json" }) Assert.Contains(option, r.Stdout, StringComparison.Ordinal);
        // A default is shown once, by the parser ("[default: auto]"), not again in the text.
        Assert.DoesNotContain("[auto] [default: auto]", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("[1.0] [default: 1]", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_WritesToTheUsersDataFolderNotTheCurrentOne()
    {
        var folder = global::CementQuant.Cli.DemoCommand.DefaultFolder;
        Assert.True(Path.IsPathRooted(folder));
        Assert.False(folder.StartsWith(Environment.CurrentDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !folder.StartsWith(Path.GetTempPath(), StringComparison.Ordinal),
            $"demo default {folder} lies in the current folder");
        Assert.EndsWith(Path.Combine("cementquant", "demo"), folder, StringComparison.Ordinal);
    }
}

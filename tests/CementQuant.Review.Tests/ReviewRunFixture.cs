using CliProcess = CementQuant.EndToEnd.Tests.Cli;

namespace CementQuant.Review.Tests;

/// <summary>
/// One small phantom run made at test time by the real program (phantom worked-example, small; analyze with a fixed site
/// key): CT vertebrae and an AP/lateral radiograph pair, some flagged. Tests review copies of it, never the original.
/// </summary>
public sealed class ReviewRunFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("cq-review-").FullName;

    public string Run { get; }

    public ReviewRunFixture()
    {
        var key = Path.Combine(Root, "site.key");
        File.WriteAllText(key, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
        var phantom = CliProcess.Run("phantom", "--case", "worked-example", "--size", "small", "--out", Path.Combine(Root, "phantom"));
        Assert.True(phantom.ExitCode == 0, phantom.Stderr);
        Run = Path.Combine(Root, "run");
        var analyze = CliProcess.Run("analyze", Path.Combine(Root, "phantom"), "--out", Run, "--site-key", key);
        Assert.True(analyze.ExitCode == 0, analyze.Stderr);
    }

    /// <summary>A fresh copy of the run (its SQLite database included) to review.</summary>
    public string Copy()
    {
        var target = Path.Combine(Root, "copy-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var dir in Directory.EnumerateDirectories(Run, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(Run, dir)));
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(Run, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(Run, file)));
        return target;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

using System.Text.RegularExpressions;

namespace CementQuant.EndToEnd.Tests;

/// <summary>The files a user installing or citing the tool looks for (#19): a licence, a changelog and a citation file
/// whose version is the build's.</summary>
public sealed class ProjectFilesTests
{
    private static string Root
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "CementQuant.sln"))) return d.FullName;
            throw new InvalidOperationException("checkout root not found");
        }
    }

    [Fact]
    public void LicenceChangelogAndCitation_ArePresentAndAgreeWithTheBuildVersion()
    {
        var props = File.ReadAllText(Path.Combine(Root, "Directory.Build.props"));
        var version = Regex.Match(props, "<Version>([^<]+)</Version>").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(version));
        Assert.StartsWith("MIT License", File.ReadAllText(Path.Combine(Root, "LICENSE")), StringComparison.Ordinal);
        var citation = File.ReadAllText(Path.Combine(Root, "CITATION.cff"));
        Assert.Contains("cff-version: 1.2.0", citation, StringComparison.Ordinal);
        Assert.Contains($"version: \"{version}\"", citation, StringComparison.Ordinal);
        Assert.Contains("license: MIT", citation, StringComparison.Ordinal);
        Assert.Contains($"({version})", File.ReadAllText(Path.Combine(Root, "CHANGELOG.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void Version_PrintsTheBuildVersion()
    {
        var props = File.ReadAllText(Path.Combine(Root, "Directory.Build.props"));
        var version = Regex.Match(props, "<Version>([^<]+)</Version>").Groups[1].Value;
        var r = Cli.Run("--version");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith(version, r.Stdout.Trim(), StringComparison.Ordinal);
    }
}

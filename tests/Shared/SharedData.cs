namespace CementQuant.Testing;

/// <summary>
/// Locates <c>../shared/data</c> (public real-world files that must not be copied into the repository).
/// Tests that need it use <see cref="SharedDataFactAttribute"/>/<see cref="SharedDataTheoryAttribute"/>:
/// skipped with a message where the folder is absent, failing instead when CQ_REQUIRE_SHARED_DATA=1.
/// </summary>
public static class SharedData
{
    public static string Root { get; } = Find();

    public static bool Available => Directory.Exists(Root);

    public static bool Required => Environment.GetEnvironmentVariable("CQ_REQUIRE_SHARED_DATA") == "1";

    public static string SkipReason =>
        $"shared data folder not found at '{Root}' (set CQ_REQUIRE_SHARED_DATA=1 to make this a failure)";

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Find()
    {
        var env = Environment.GetEnvironmentVariable("CQ_SHARED_DATA");
        if (!string.IsNullOrEmpty(env)) return env;
        // Walk up from the test binaries to the repository root (the folder with CementQuant.sln).
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CementQuant.sln")))
                return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "data"));
        }
        return System.IO.Path.GetFullPath("../shared/data");
    }

    internal static string? Skip => Available || Required ? null : SkipReason;

    /// <summary>Repository root (for testdata/).</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "CementQuant.sln"))) return dir.FullName;
            throw new InvalidOperationException("repository root not found");
        }
    }
}

public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute() { Skip = SharedData.Skip; }
}

public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute() { Skip = SharedData.Skip; }
}

/// <summary>An external tool (dcmtk, GDCM, dcm2niix) used as a trusted peer. Missing tools fail under CI.</summary>
public static class Peer
{
    /// <summary>True under CI (.ci/run sets CI=true and CQ_REQUIRE_SHARED_DATA=1): a missing peer is a failure, never a skip.</summary>
    public static bool Required => SharedData.Required || Environment.GetEnvironmentVariable("CI") == "true";

    public static string? Find(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var p = System.IO.Path.Combine(dir, tool);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>Runs a tool and returns stdout; throws with stderr on a non-zero exit.</summary>
    public static string Run(string tool, params string[] args)
    {
        var exe = Find(tool) ?? throw new InvalidOperationException($"peer tool '{tool}' is not installed (.ci/run installs it)");
        var psi = new System.Diagnostics.ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stderrTask = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var stderr = stderrTask.Result;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} exited {p.ExitCode}: {stderr}");
        return stdout;
    }
}

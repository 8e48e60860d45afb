using System.Diagnostics;
using System.Text;

namespace CementQuant.Packaging.Tests;

/// <summary>
/// The program as users install it (README "Install"): <c>dotnet pack</c> → <c>dotnet tool install</c> from the package →
/// <c>cementquant --version</c> and <c>demo</c>; and the self-contained single-file linux-x64 publish, copied alone (with
/// its documented native libraries) into a clean folder and run with no .NET on the path. Both are built from this
/// checkout into a temporary artifacts folder, so they never touch the other tests' build outputs.
/// </summary>
public sealed class PackagingTests(PackagingTests.Scratch scratch) : IDisposable, IClassFixture<PackagingTests.Scratch>
{
    /// <summary>One artifacts folder for both builds, so the second reuses the first's compiled libraries.</summary>
    public sealed class Scratch : IDisposable
    {
        public string Artifacts { get; } = Directory.CreateTempSubdirectory("cq-pack-artifacts-").FullName;

        public void Dispose()
        {
            try { Directory.Delete(Artifacts, recursive: true); } catch (IOException) { }
        }
    }

    private readonly string _root = Directory.CreateTempSubdirectory("cq-pack-").FullName;
    private static string Project => Path.Combine(SharedData.RepoRoot, "src", "CementQuant.Cli", "CementQuant.Cli.csproj");

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void DotnetTool_PackedInstalledAndRun_VersionWithCommitAndDemoWork()
    {
        var nupkg = Path.Combine(_root, "nupkg");
        Run("dotnet", ["pack", Project, "-c", "Release", "-o", nupkg, .. Artifacts()]);
        var package = Assert.Single(Directory.GetFiles(nupkg, "CementQuant.Tool.*.nupkg"));
        // Only linux-x64 native files in the package (OpenCV's library exists for no other system).
        using (var zip = System.IO.Compression.ZipFile.OpenRead(package))
        {
            var natives = zip.Entries.Select(e => e.FullName).Where(n => n.Contains("/runtimes/", StringComparison.Ordinal)).ToList();
            Assert.Contains(natives, n => n.Contains("/runtimes/linux-x64/native/libOpenCvSharpExtern.so", StringComparison.Ordinal));
            Assert.All(natives, n => Assert.Contains("/runtimes/linux-x64/", n, StringComparison.Ordinal));
        }

        // A fresh NuGet cache: the tool is installed from this package, not from a stale copy of the same version.
        var tools = Path.Combine(_root, "tools");
        Run("dotnet", ["tool", "install", "CementQuant.Tool", "--add-source", nupkg, "--tool-path", tools], ("NUGET_PACKAGES", Path.Combine(_root, "nuget")));
        var exe = Path.Combine(tools, "cementquant");
        AssertVersion(Run(exe, ["--version"]).Stdout);

        var demo = Path.Combine(_root, "demo");
        var r = Run(exe, ["demo", "--out", demo]);
        Assert.Contains("outputs: ", r.Stdout + r.Stderr, StringComparison.Ordinal);
        Assert.True(File.ReadLines(Path.Combine(demo, "results", "vertebrae.csv")).Count() > 1, "the demo wrote no vertebra rows");
    }

    [Fact]
    public void SelfContainedSingleFile_FromACleanFolderWithoutDotnet_Runs()
    {
        var publish = Path.Combine(_root, "publish");
        Run("dotnet", ["publish", Project, "-c", "Release", "-r", "linux-x64", "--self-contained", "-p:PublishSingleFile=true", "-o", publish, .. Artifacts()]);
        // What a user copies (README "Install"): the program and its native libraries, nothing else.
        var clean = Directory.CreateDirectory(Path.Combine(_root, "clean")).FullName;
        var shipped = Directory.GetFiles(publish).Where(f => Path.GetFileName(f) == "cementquant" || f.EndsWith(".so", StringComparison.Ordinal)).ToList();
        Assert.Equal(["cementquant", "libHarfBuzzSharp.so", "libOpenCvSharpExtern.so", "libSkiaSharp.so", "libe_sqlite3.so"],
            shipped.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // The Dockerfile ships the same files (it cannot be built here: no registry for its Debian base image).
        var copied = File.ReadLines(Path.Combine(SharedData.RepoRoot, "Dockerfile")).Single(l => l.StartsWith("COPY publish/", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1].Select(Path.GetFileName);
        Assert.Equal(shipped.Select(Path.GetFileName).Order(StringComparer.Ordinal), copied.Order(StringComparer.Ordinal));
        foreach (var f in shipped) File.Copy(f, Path.Combine(clean, Path.GetFileName(f))); // keeps the execute bit
        var exe = Path.Combine(clean, "cementquant");

        // No dotnet on the path and no installation to fall back on.
        (string, string?)[] noDotnet = [("PATH", "/usr/local/bin:/bin"), ("DOTNET_ROOT", Path.Combine(_root, "no-dotnet"))];
        AssertVersion(Run(exe, ["--version"], noDotnet).Stdout);
        var study = Path.Combine(_root, "study");
        Run(exe, ["phantom", "--out", study, "--case", "worked-example", "--size", "small"], noDotnet);
        var outDir = Path.Combine(_root, "out");
        Run(exe, ["analyze", study, "--out", outDir, "--site-key", Path.Combine(_root, "site.key")], noDotnet);
        var rows = File.ReadAllLines(Path.Combine(outDir, "vertebrae.csv"));
        Assert.Contains(rows, l => l.Contains("NPEC", StringComparison.Ordinal));
    }

    private string[] Artifacts() => ["-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={scratch.Artifacts}", "-nologo"];

    /// <summary>The version is the project's (or its release tag's) plus the commit it was built from.</summary>
    private static void AssertVersion(string printed)
    {
        var version = printed.Trim();
        Assert.Matches(@"^[0-9]+\.[0-9]+\.[0-9]+\+[0-9a-f]{40}$", version);
        var head = Git("rev-parse", "HEAD");
        if (head is not null) Assert.EndsWith("+" + head, version, StringComparison.Ordinal);
    }

    private static string? Git(params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo("git") { WorkingDirectory = SharedData.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static (string Stdout, string Stderr) Run(string program, IEnumerable<string> args, params (string Name, string? Value)[] env)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (name, value) in env) psi.Environment[name] = value;
        using var p = Process.Start(psi)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', args)}: no exit after 8 minutes");
        }
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{program} {string.Join(' ', args)}: exit {p.ExitCode}\n{stdout}\n{stderr}");
        return (stdout.ToString(), stderr.ToString());
    }
}

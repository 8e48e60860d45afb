namespace CementQuant.EndToEnd.Tests;

/// <summary>What a run leaves outside its output folder: no runtime diagnostics socket or debugger pipes in the temp folder.</summary>
public sealed class ProcessHygieneTests(SmallPhantomFixture fx) : IClassFixture<SmallPhantomFixture>, IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-hygiene-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    [Fact]
    public void Analyze_WhileRunning_HasNoDiagnosticsSocketOrDebugPipesInTheTempFolder()
    {
        // The child's temp folder is a private one, so the check sees only its files (and not other tests' processes).
        var temp = Directory.CreateDirectory(Path.Combine(_tmp, "tmp")).FullName;
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cementquant.dll"));
        foreach (var a in new[] { "analyze", fx.Ct, "--out", Path.Combine(_tmp, "out"), "--site-key", Path.Combine(fx.Root, "site.key"), "--jobs", "1" }) psi.ArgumentList.Add(a);
        psi.Environment["TMPDIR"] = temp;
        psi.Environment.Remove("DOTNET_EnableDiagnostics");
        using var p = System.Diagnostics.Process.Start(psi)!;
        using var analysing = new ManualResetEventSlim();
        var seen = new List<string>();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) { analysing.Set(); return; }
            if (e.Data.StartsWith("analysing", StringComparison.Ordinal))
            {
                // The run is past start-up and busy: look now, while the process lives.
                lock (seen) seen.AddRange(Directory.GetFileSystemEntries(temp).Select(Path.GetFileName)!);
                analysing.Set();
            }
        };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        Assert.True(analysing.Wait(TimeSpan.FromMinutes(2)));
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)));
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        lock (seen) Assert.DoesNotContain(seen, f => f.StartsWith("dotnet-diagnostic-", StringComparison.Ordinal) || f.StartsWith("clr-debug-pipe-", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(temp));
    }

    [Fact]
    public void Runtime_WithoutTheFix_WouldCreateTheSocket_SoTheCheckCanFail()
    {
        // The same check on a process that keeps its endpoints (CEMENTQUANT_DIAGNOSTICS=1): the socket must be seen.
        var temp = Directory.CreateDirectory(Path.Combine(_tmp, "tmp-kept")).FullName;
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cementquant.dll"));
        foreach (var a in new[] { "analyze", fx.Ct, "--out", Path.Combine(_tmp, "out2"), "--site-key", Path.Combine(fx.Root, "site.key"), "--jobs", "1" }) psi.ArgumentList.Add(a);
        psi.Environment["TMPDIR"] = temp;
        psi.Environment["CEMENTQUANT_DIAGNOSTICS"] = "1";
        psi.Environment.Remove("DOTNET_EnableDiagnostics");
        using var p = System.Diagnostics.Process.Start(psi)!;
        var seen = new List<string>();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("analysing", StringComparison.Ordinal) == true)
                lock (seen) seen.AddRange(Directory.GetFileSystemEntries(temp).Select(Path.GetFileName)!);
        };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)));
        p.WaitForExit();
        lock (seen) Assert.Contains(seen, f => f.StartsWith($"dotnet-diagnostic-{p.Id}-", StringComparison.Ordinal));
    }
}

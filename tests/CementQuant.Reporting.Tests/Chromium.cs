using System.Diagnostics;

namespace CementQuant.Reporting.Tests;

/// <summary>Headless Chromium (Debian's `chromium`, installed by .ci/run) as the page's trusted peer.</summary>
internal static class Chromium
{
    public static string? Executable => Peer.Find("chromium") ?? Peer.Find("chromium-browser");

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs Chromium headless with no network-facing background services and a throw-away profile.</summary>
    public static Result Run(params string[] args)
    {
        var exe = Executable ?? throw new InvalidOperationException("chromium is not installed (.ci/run installs it with apt)");
        var profile = Directory.CreateTempSubdirectory("cq-chromium-");
        try
        {
            var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
                $"--user-data-dir={profile.FullName}",
            })
                psi.ArgumentList.Add(a);
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(120_000))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException("chromium did not finish in 120 s");
            }
            return new Result(p.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            try { profile.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    public static string DumpDom(string htmlPath) =>
        Run("--virtual-time-budget=5000", "--dump-dom", new Uri(htmlPath).AbsoluteUri) is var r && r.ExitCode == 0
            ? r.Stdout
            : throw new InvalidOperationException($"chromium --dump-dom failed: {r.Stderr}");

    /// <summary>Takes a screenshot of the page (optionally at an anchor) at the given window size.</summary>
    public static Result Screenshot(string url, string pngPath, int width, int height) =>
        Run($"--screenshot={pngPath}", $"--window-size={width},{height}", "--virtual-time-budget=5000", url);
}

using System.Diagnostics;
using System.Net;
using CliProcess = CementQuant.EndToEnd.Tests.Cli;

namespace CementQuant.Review.Tests;

/// <summary><c>cementquant review</c> as a user runs it: the printed address with its token, loopback, exit codes.</summary>
[Collection(ReviewRunCollection.Name)]
public sealed class ReviewCommandTests(ReviewRunFixture fx)
{
    [Fact]
    public async Task Review_PrintsALoopbackAddressWithItsToken_ServesWithItOnly_StopsOnSigterm()
    {
        var run = fx.Copy();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "cementquant.dll"), "review", run, "--reviewer", "cli-test" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        try
        {
            var stderr = p.StandardError.ReadToEndAsync();
            var header = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var open = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Contains("3 flagged; reviewer cli-test", header, StringComparison.Ordinal);
            Assert.StartsWith("open http://127.0.0.1:", open, StringComparison.Ordinal);
            var address = new Uri(open!["open ".Length..]);
            var token = address.Query["?token=".Length..];
            Assert.Equal(64, token.Length);
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
            var root = new Uri(address.GetLeftPart(UriPartial.Authority) + "/");
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(root)).StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, root);
            request.Headers.Add("X-CQ-Token", token);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
            Assert.Equal(HttpStatusCode.Redirect, (await http.GetAsync(address)).StatusCode);
            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            Assert.True(p.WaitForExit(20_000), "review did not stop on SIGTERM");
            Assert.Equal(0, p.ExitCode);
            Assert.Contains("reviews.csv", await stderr, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(run, "reviews.csv")));
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void Review_MissingFolder_Exit3_NotARun_Exit2_BadPort_Exit64()
    {
        var missing = CliProcess.Run("review", Path.Combine(fx.Root, "no-such-run"));
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("no-such-run", missing.Stderr, StringComparison.Ordinal);
        var empty = Directory.CreateDirectory(Path.Combine(fx.Root, "empty-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        var notRun = CliProcess.Run("review", empty);
        Assert.Equal(2, notRun.ExitCode);
        Assert.Contains("vertebrae.csv", notRun.Stderr, StringComparison.Ordinal);
        Assert.Equal(64, CliProcess.Run("review", fx.Run, "--port", "70000").ExitCode);
    }
}

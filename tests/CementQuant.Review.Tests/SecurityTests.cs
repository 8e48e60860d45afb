using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;

namespace CementQuant.Review.Tests;

/// <summary>The review server's guards: the token on every request, loopback only, HTML-escaped fields, nothing outside the run folder.</summary>
[Collection(ReviewRunCollection.Name)]
public sealed class SecurityTests(ReviewRunFixture fx)
{
    [Fact]
    public async Task Requests_WithoutTheToken_Get401()
    {
        await using var host = await ReviewHost.Start(fx.Copy());
        var row = Uri.EscapeDataString(host.Server.Store.Run.Rows[0].Key);
        foreach (var path in new[] { "/", "/summary", $"/row?key={row}", "/files/" + host.Server.Store.Run.Rows[0].Pictures[0], "/nothing-here" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.Get(path, token: false)).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.Get(path + (path.Contains('?') ? "&" : "?") + "token=0123", token: false)).Status);
        }
        Assert.Equal(HttpStatusCode.OK, (await host.Get($"/row?key={row}")).Status);
        var decision = JsonSerializer.Serialize(new { row = host.Server.Store.Run.Rows[0].Key, flag = "", decision = "confirm", reason = "", note = "" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Post(decision, token: false)).Status);
        // A POST carrying only the cookie (what a cross-site form could make a browser send) is refused too.
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/decision") { Content = new StringContent(decision) })
        {
            request.Headers.Add("Cookie", $"cq_review={host.Server.Token}");
            using var response = await host.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        Assert.Empty(host.Server.Store.All);
        Assert.Equal(HttpStatusCode.OK, (await host.Post(decision)).Status);
        Assert.Single(host.Server.Store.All);
    }

    [Fact]
    public async Task TokenInTheAddress_SetsAnHttpOnlyCookie_AndRedirectsWithoutIt()
    {
        await using var host = await ReviewHost.Start(fx.Copy());
        using var response = await host.Http.GetAsync(host.Server.StartAddress);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains($"cq_review={host.Server.Token}", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Server_BindsToLoopbackOnly()
    {
        await using var host = await ReviewHost.Start(fx.Copy());
        Assert.Equal("127.0.0.1", host.Server.Address.Host);
        var others = NetworkInterface.GetAllNetworkInterfaces().Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .Where(a => !IPAddress.IsLoopback(a) && a.AddressFamily == AddressFamily.InterNetwork).ToList();
        foreach (var address in others)
        {
            using var client = new TcpClient();
            var refused = await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(address, host.Server.Address.Port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
    }

    [Theory]
    [InlineData("/files/report/../cementquant.db")]
    [InlineData("/files/report/..%2Fcementquant.db")]
    [InlineData("/files/report/%2E%2E/vertebrae.csv")]
    [InlineData("/files/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/files/%2Fetc%2Fpasswd")]
    [InlineData("/files/report/..%5C..%5Cvertebrae.csv")]
    [InlineData("/files/vertebrae.csv")]
    [InlineData("/files/cementquant.db")]
    [InlineData("/files/report/../../site.key")]
    [InlineData("/files/report/..%2Fsecret.png")]
    [InlineData("/files/secret.png")]
    [InlineData("/files/report/..%2F..%2Fsecret.png")]
    public async Task Files_OutsideTheRunsPictures_AreNotServed(string path)
    {
        var run = fx.Copy();
        // PNG files beside the picture folder and beside the run: a picture's name alone does not make it servable.
        File.WriteAllText(Path.Combine(run, "secret.png"), "SECRET-PNG");
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(run)!, "secret.png"), "SECRET-PNG");
        await using var host = await ReviewHost.Start(run);
        // Sent as written: HttpClient would otherwise fold the dot segments before they reach the server.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.Server.Address.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
        request.Headers.Add("X-CQ-Token", host.Server.Token);
        using var response = await host.Http.SendAsync(request);
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
        Assert.DoesNotContain("schema_version", body, StringComparison.Ordinal);
        Assert.DoesNotContain("SQLite", body, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-PNG", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_ThePicturesOfARow_AreServed()
    {
        await using var host = await ReviewHost.Start(fx.Copy());
        var picture = host.Server.Store.Run.Rows.SelectMany(r => r.Pictures).First();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/files/" + picture);
        request.Headers.Add("X-CQ-Token", host.Server.Token);
        using var response = await host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(host.Run, picture)), await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("report/x.png", true)]
    [InlineData("report/../x.png", false)]
    [InlineData("report/../../x.png", false)]
    [InlineData("/etc/x.png", false)]
    [InlineData("report/x.csv", false)]
    [InlineData("report\\..\\x.png", false)]
    [InlineData("", false)]
    public void Resolve_OnlyPngsInsideReport(string relative, bool served)
    {
        var run = fx.Copy();
        File.WriteAllBytes(Path.Combine(run, "report", "x.png"), [1]);
        File.WriteAllBytes(Path.Combine(run, "x.png"), [1]);
        File.WriteAllBytes(Path.Combine(run, "report", "x.csv"), [1]);
        Assert.Equal(served, ReviewEndpoints.Resolve(run, relative) is not null);
    }

    [Fact]
    public async Task EveryField_IsHtmlEscaped_ScriptInSeriesDescriptionAndNote()
    {
        var run = fx.Copy();
        const string Hostile = "<script>alert('cq')</script>\"><img src=x onerror=alert(1)>";
        // The series description as a hostile DICOM file would carry it into series.csv.
        var seriesCsv = Path.Combine(run, "series.csv");
        var (header, rows) = Reporting.Csv.Parse(await File.ReadAllTextAsync(seriesCsv));
        var d = header.ToList().IndexOf("description");
        Reporting.Csv.Write(seriesCsv, header, rows.Select(r => (IReadOnlyList<object?>)[.. r.Select((c, i) => (object?)(i == d ? Hostile : c))]));
        await using var host = await ReviewHost.Start(run);
        var row = host.Server.Store.Run.Rows[0];
        var post = await host.Post(JsonSerializer.Serialize(new { row = row.Key, flag = row.Flags[0], decision = "reject", reason = Decisions.RejectReasons[0], note = Hostile }));
        Assert.Equal(HttpStatusCode.OK, post.Status);
        foreach (var path in new[] { "/", $"/row?key={Uri.EscapeDataString(row.Key)}", "/summary" })
        {
            var (status, html) = await host.Get(path);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        }
        var page = (await host.Get($"/row?key={Uri.EscapeDataString(row.Key)}")).Body;
        Assert.Contains("&lt;script&gt;alert(&#39;cq&#39;)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;", page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", (await host.Get("/")).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decisions_Malformed_AreRefusedWithA400_AndNothingIsStored()
    {
        await using var host = await ReviewHost.Start(fx.Copy());
        var row = host.Server.Store.Run.Rows[0];
        foreach (var json in new[]
        {
            "not json", "[1]",
            JsonSerializer.Serialize(new { row = "nope/V9", flag = "", decision = "confirm", reason = "", note = "" }),
            JsonSerializer.Serialize(new { row = row.Key, flag = "", decision = "delete", reason = "", note = "" }),
            JsonSerializer.Serialize(new { row = row.Key, flag = row.Flags[0], decision = "reject", reason = "because", note = "" }),
            JsonSerializer.Serialize(new { row = row.Key, flag = "NOT_A_FLAG", decision = "add", reason = Decisions.AddReasons[0], note = "" }),
            JsonSerializer.Serialize(new { row = row.Key, flag = "NPEC", decision = "unusable", reason = Decisions.UnusableReasons[0], note = "" }),
        })
            Assert.Equal(HttpStatusCode.BadRequest, (await host.Post(json)).Status);
        Assert.Empty(host.Server.Store.All);
    }
}

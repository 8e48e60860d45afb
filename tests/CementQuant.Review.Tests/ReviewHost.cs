using System.Net;

namespace CementQuant.Review.Tests;

/// <summary>A review server on a copy of the phantom run, and an HTTP client that sends no token unless told to.</summary>
public sealed class ReviewHost : IAsyncDisposable
{
    private ReviewHost(ReviewServer server, string run)
    {
        Server = server;
        Run = run;
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.Address };
    }

    public ReviewServer Server { get; }

    public string Run { get; }

    public HttpClient Http { get; }

    public static async Task<ReviewHost> Start(string run, string reviewer = "alice", string? database = null) =>
        new(await ReviewServer.StartAsync(new ReviewOptions(run, database ?? Path.Combine(run, "cementquant.db"), 0, reviewer)), run);

    /// <summary>GET with the token in the header.</summary>
    public async Task<(HttpStatusCode Status, string Body)> Get(string path, bool token = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token) request.Headers.Add("X-CQ-Token", Server.Token);
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<(HttpStatusCode Status, string Body)> Post(string json, bool token = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/decision") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        if (token) request.Headers.Add("X-CQ-Token", Server.Token);
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

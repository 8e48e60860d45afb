using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;

namespace CementQuant.Review;

/// <summary>
/// The review web app (Kestrel) on the loopback address only, for one reviewer of one run. Every request needs
/// <see cref="Token"/> (<see cref="TokenGate"/>); pages are server-rendered with inline style and script, nothing is
/// fetched from elsewhere, so it works offline. Start with <see cref="StartAsync"/>, stop by disposing.
/// </summary>
public sealed class ReviewServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ReviewServer(WebApplication app, Uri address, string token, ReviewStore store)
    {
        _app = app;
        Address = address;
        Token = token;
        Store = store;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Address { get; }

    public string Token { get; }

    /// <summary>The address to open: it carries the token once, then a cookie does.</summary>
    public Uri StartAddress => new(Address, "/?token=" + Token);

    public ReviewStore Store { get; }

    /// <summary>
    /// Loads the run (a folder that is not a finished run, or a database that cannot be opened, is a
    /// <see cref="CementQuantException"/>), writes reviews.csv and the review columns once, and starts listening.
    /// </summary>
    public static async Task<ReviewServer> StartAsync(ReviewOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var run = RunFolder.Load(options.RunFolder);
        var store = new ReviewStore(run, options.Database);
        store.Export();
        var gate = new TokenGate(TokenGate.NewToken());
        var app = Build(options, run.Root);
        app.Use(gate.Invoke);
        new ReviewEndpoints(store, options.Reviewer, gate.Token).Map(app);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new CementQuantException($"cannot listen on 127.0.0.1:{options.Port}: {ex.Message}", ex);
        }
        var bound = app.Services.GetService(typeof(IServer)) is IServer server ? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() : null;
        var address = new Uri((bound ?? $"http://127.0.0.1:{options.Port}").Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        return new ReviewServer(app, address, gate.Token, store);
    }

    /// <summary>Kestrel on 127.0.0.1 only, no logging to the console, small request bodies.</summary>
    private static WebApplication Build(ReviewOptions options, string root)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = root, Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 64 * 1024;
            k.Listen(IPAddress.Loopback, options.Port);
        });
        return builder.Build();
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled (Ctrl+C in the CLI).</summary>
    public async Task WaitAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

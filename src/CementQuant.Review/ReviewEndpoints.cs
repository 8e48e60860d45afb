using System.Text.Json;
using CementQuant.Review.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CementQuant.Review;

/// <summary>The review's pages and its one write: GET /, /row, /summary, /files/report/*.png; POST /api/decision.</summary>
internal sealed class ReviewEndpoints(ReviewStore store, string reviewer, string token)
{
    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext ctx) => Html(WorklistPage.Render(store.Run, Filter(ctx), Filter(ctx).Apply(store.Run.Rows, store.Of(reviewer)), reviewer, Nonce(ctx), token)));
        app.MapGet("/row", (HttpContext ctx) => Row(ctx));
        app.MapGet("/summary", (HttpContext ctx) => Html(SummaryPage.Render(store.Run, store.All, reviewer, Nonce(ctx), token)));
        app.MapGet("/files/{**path}", (string? path) => File(path));
        app.MapPost("/api/decision", (Func<HttpContext, Task<IResult>>)Decide);
    }

    private static Worklist Filter(HttpContext ctx) => Worklist.From(name => ctx.Request.Query[name].FirstOrDefault());

    private static string Nonce(HttpContext ctx) => (string)ctx.Items[TokenGate.NonceKey]!;

    private static IResult Html(string html) => Results.Content(html, "text/html; charset=utf-8");

    private IResult Row(HttpContext ctx)
    {
        var key = ctx.Request.Query["key"].ToString();
        var filter = Filter(ctx);
        var own = store.Of(reviewer);
        var list = filter.Apply(store.Run.Rows, own);
        var index = Index(list, key);
        if (index < 0)
        {
            // A row the filters leave out (its state changed, or a hand-made address): shown within the whole list.
            filter = new Worklist();
            list = filter.Apply(store.Run.Rows, own);
            index = Index(list, key);
        }
        return index < 0 ? Results.NotFound("no such row in this run") : Html(ReviewPage.Render(list[index], index, list, filter, reviewer, Nonce(ctx), token));

        static int Index(IReadOnlyList<RowReview> rows, string key)
        {
            for (var i = 0; i < rows.Count; i++) if (rows[i].Row.Key == key) return i;
            return -1;
        }
    }

    /// <summary>Only PNG pictures under the run's report/ folder, by their full path: ../, absolute paths and links out are 404.</summary>
    private IResult File(string? path)
    {
        var full = Resolve(store.Run.Root, path);
        return full is null ? Results.NotFound() : Results.File(full, "image/png");
    }

    internal static string? Resolve(string root, string? relative)
    {
        if (string.IsNullOrEmpty(relative) || relative.Contains('\0', StringComparison.Ordinal) || relative.Contains('\\', StringComparison.Ordinal)) return null;
        var folder = Path.Combine(root, "report") + Path.DirectorySeparatorChar;
        string full;
        try
        {
            full = Path.GetFullPath(Path.Combine(root, relative));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
        if (!full.StartsWith(folder, StringComparison.Ordinal) || !full.EndsWith(".png", StringComparison.Ordinal)) return null;
        var info = new FileInfo(full);
        return info.Exists && info.LinkTarget is null && info.Directory?.LinkTarget is null ? full : null;
    }

    private async Task<IResult> Decide(HttpContext ctx)
    {
        JsonElement body;
        try
        {
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body, default, ctx.RequestAborted).ConfigureAwait(false);
            body = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return Results.BadRequest($"not JSON: {ex.Message}");
        }
        if (body.ValueKind != JsonValueKind.Object) return Results.BadRequest("a JSON object is expected");
        string Text(string name) => body.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() ?? "" : "";
        try
        {
            var d = store.Append(reviewer, Text("row"), Text("flag"), Text("decision"), Text("reason"), Text("note"));
            return Results.Json(new { seq = d.Seq, state = new RowReview(store.Run.Rows.First(r => r.Key == d.RowKey), store.Of(reviewer)).State });
        }
        catch (ArgumentException ex)
        {
            return Results.BadRequest(ex.Message);
        }
        catch (CementQuantException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}

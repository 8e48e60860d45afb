using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CementQuant.Review;

/// <summary>
/// Every request must carry the random token printed when the server started: as <c>?token=</c> (the printed address;
/// answered with a cookie and a redirect to the same page without it), as the cookie, or as the <c>X-CQ-Token</c> header.
/// Anything else gets 401. A POST needs the header (a page of another site cannot set it, whatever cookies the browser sends).
/// Every answer also gets a Content-Security-Policy that allows only this server and the page's own nonce'd script and style.
/// </summary>
internal sealed class TokenGate(string token)
{
    public const string Cookie = "cq_review";
    public const string HeaderName = "X-CQ-Token";
    public const string NonceKey = "cq-nonce";

    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);

    public string Token => token;

    /// <summary>A new token: 32 random bytes as hex.</summary>
    public static string NewToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();

    private bool Valid(string? candidate) =>
        candidate is { Length: > 0 } && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _token);

    public async Task Invoke(HttpContext ctx, RequestDelegate next)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        ctx.Items[NonceKey] = nonce;
        var h = ctx.Response.Headers;
        h.ContentSecurityPolicy = $"default-src 'none'; img-src 'self'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
        h.XContentTypeOptions = "nosniff";
        h["Referrer-Policy"] = "no-referrer";
        h.CacheControl = "no-store";
        var query = ctx.Request.Query["token"].ToString();
        var header = ctx.Request.Headers[HeaderName].ToString();
        var cookie = ctx.Request.Cookies[Cookie];
        if (HttpMethods.IsPost(ctx.Request.Method) ? !Valid(header) : !(Valid(query) || Valid(header) || Valid(cookie)))
        {
            ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            await ctx.Response.WriteAsync("401: this review server needs the token it printed when it started (open the address it printed).\n").ConfigureAwait(false);
            return;
        }
        if (Valid(query) && HttpMethods.IsGet(ctx.Request.Method))
        {
            ctx.Response.Cookies.Append(Cookie, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true });
            var rest = string.Join('&', ctx.Request.Query.Where(q => q.Key != "token").Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}"));
            ctx.Response.Redirect(ctx.Request.Path + (rest.Length > 0 ? "?" + rest : ""));
            return;
        }
        await next(ctx).ConfigureAwait(false);
    }
}

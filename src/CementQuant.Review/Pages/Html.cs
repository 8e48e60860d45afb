using System.Net;
using System.Text;

namespace CementQuant.Review.Pages;

/// <summary>
/// The pages' frame: every text that comes from a run, a database or a request goes through <see cref="E"/> (HTML-escaped,
/// quotes included, so it is safe in text and in quoted attributes); scripts and styles are inline, allowed by a per-response
/// nonce in the Content-Security-Policy, and nothing is loaded from elsewhere.
/// </summary>
internal static class Html
{
    /// <summary>HTML-escapes <paramref name="text"/> (&amp;, &lt;, &gt;, &quot;, &#39;).</summary>
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A query-string value.</summary>
    public static string U(string? text) => Uri.EscapeDataString(text ?? "");

    public static string Page(string title, string nonce, string token, string body, string script = "") =>
        new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
            .Append("<meta name=\"cq-token\" content=\"").Append(E(token)).Append("\">")
            .Append("<title>").Append(E(title)).Append(" · CementQuant review</title>")
            .Append("<style nonce=\"").Append(nonce).Append("\">").Append(Style).Append("</style></head><body>")
            .Append(body)
            .Append("<script nonce=\"").Append(nonce).Append("\">").Append(Common).Append(script).Append("</script></body></html>\n")
            .ToString();

    private const string Style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f4f2;color:#222}
        header{background:#243447;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:baseline}
        header a{color:#cde}
        header kbd{color:#222}
        main{padding:12px 16px}
        table{border-collapse:collapse;background:#fff}
        th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
        tr.sel{outline:3px solid #1f6feb}
        .flag{display:inline-block;background:#fde2e1;border:1px solid #d88;border-radius:3px;padding:0 4px;margin:1px;font-size:12px}
        .state-confirmed{color:#176b2c;font-weight:600}.state-overridden{color:#9a3412;font-weight:600}.state-unreviewed{color:#666}
        .flags li{padding:4px 6px;margin:2px 0;background:#fff;border:1px solid #ccc;list-style:none}
        .flags li.sel{outline:3px solid #1f6feb}
        .flags{padding:0;margin:0}
        .pics{display:flex;flex-wrap:wrap;gap:8px}
        .pics figure{margin:0;background:#fff;border:1px solid #ccc;padding:4px}
        .pics img{max-width:420px;display:block}
        .grid{display:grid;grid-template-columns:400px 1fr;gap:16px}
        .grid>section{min-width:0;overflow-wrap:anywhere}
        #metrics{font-size:12px;width:100%}
        .keys{font-size:12px;color:#444}
        kbd{border:1px solid #999;border-radius:3px;padding:0 3px;background:#fff;font-size:12px}
        dialog{min-width:360px}
        .muted{color:#666}
        """;

    /// <summary>Posting a decision: the token goes in a header as well as the cookie (a cross-site form cannot set it).</summary>
    private const string Common = """
        const cqToken=document.querySelector('meta[name=cq-token]').content;
        async function cqPost(url,data){const r=await fetch(url,{method:'POST',headers:{'Content-Type':'application/json','X-CQ-Token':cqToken},body:JSON.stringify(data)});
          if(!r.ok){alert(await r.text());return false}return true}
        function cqTyping(e){const t=e.target;return t&&(t.tagName==='INPUT'||t.tagName==='TEXTAREA'||t.tagName==='SELECT')}
        """;

    public static string Flags(IEnumerable<string> flags) => string.Concat(flags.Select(f => $"<span class=\"flag\">{E(f)}</span>"));

    public static string State(string state) => $"<span class=\"state-{E(state)}\">{E(state)}</span>";

    public static string Header(string reviewer, string here) =>
        $"<header><strong>CementQuant review</strong><a href=\"/\">worklist <kbd>w</kbd></a><a href=\"/summary\">agreement <kbd>s</kbd></a>" +
        $"<span>reviewer: <b id=\"reviewer\">{E(reviewer)}</b></span><span class=\"muted\">{E(here)}</span></header>";
}

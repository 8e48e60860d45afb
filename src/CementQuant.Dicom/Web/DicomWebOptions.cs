using System.Net.Http.Headers;
using System.Text;

namespace CementQuant.Dicom.Web;

/// <summary>Timeouts, retries and credentials of a DICOMweb client. Every wait is bounded.</summary>
public sealed record DicomWebOptions
{
    /// <summary>TCP (and TLS) connection set-up.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>One request until its response headers (the body is governed by <see cref="IdleTimeout"/>).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>The longest pause between two bytes of a response body.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Everything one operation (a search, a study's retrieval, a push) may take, retries included.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromHours(2);
    /// <summary>Attempts for a request that fails with a connection error or a 5xx status (1 = no retry).</summary>
    public int Attempts { get; init; } = 4;
    /// <summary>The first back-off; each further one doubles it.</summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(0.5);
    /// <summary>The Authorization header value: "Bearer …" or "Basic …"; never logged.</summary>
    public AuthenticationHeaderValue? Authorization { get; init; }

    /// <summary>
    /// Credentials from one line of text: "user:password" (HTTP Basic) or "Bearer &lt;token&gt;" or a bare token (Bearer).
    /// Null for empty text.
    /// </summary>
    public static AuthenticationHeaderValue? ParseCredentials(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) return null;
        if (text.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return new AuthenticationHeaderValue("Bearer", text[7..].Trim());
        if (text.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return new AuthenticationHeaderValue("Basic", text[6..].Trim());
        if (text.Contains(':', StringComparison.Ordinal)) return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(text)));
        return new AuthenticationHeaderValue("Bearer", text);
    }
}

namespace CementQuant.Dicom.Web;

/// <summary>
/// A DICOMweb input: the service root (…/dicom-web) and, for a study URL (…/studies/&lt;uid&gt;), the study.
/// User and password in the URL are taken out (they become credentials) and never appear in <see cref="Redacted"/>.
/// </summary>
public sealed record DicomWebUrl(Uri Root, string? StudyUid, string? UserInfo)
{
    public static bool IsDicomWeb(string input) =>
        input.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || input.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses <c>http(s)://host[:port]/root[/studies/&lt;uid&gt;]</c>; a CementQuantException names what is wrong.</summary>
    public static DicomWebUrl Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new CementQuantException($"not an http(s) DICOMweb URL: '{RedactText(text)}'");
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            throw new CementQuantException($"a DICOMweb URL takes no query (use --study/--patient): '{RedactText(text)}'");
        var userInfo = string.IsNullOrEmpty(uri.UserInfo) ? null : Uri.UnescapeDataString(uri.UserInfo);
        var path = uri.AbsolutePath.TrimEnd('/');
        string? study = null;
        var at = path.LastIndexOf("/studies/", StringComparison.Ordinal);
        if (at >= 0)
        {
            study = path[(at + "/studies/".Length)..];
            if (!IsUid(study)) throw new CementQuantException($"'{RedactText(text)}' names no study: expected …/studies/<StudyInstanceUID>");
            path = path[..at];
        }
        else if (path.EndsWith("/studies", StringComparison.Ordinal))
        {
            path = path[..^"/studies".Length];
        }
        var root = new UriBuilder(uri.Scheme, uri.Host, uri.Port, path + "/").Uri;
        return new DicomWebUrl(root, study, userInfo);
    }

    /// <summary>The root without credentials, safe for messages and provenance (no study UID).</summary>
    public string Redacted => Root.GetLeftPart(UriPartial.Path).TrimEnd('/');

    /// <summary>A URL text with any user:password@ replaced by ***@ (for error messages about unparsable input).</summary>
    public static string RedactText(string text)
    {
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return text;
        var hostStart = scheme + 3;
        var slash = text.IndexOf('/', hostStart);
        var authority = slash < 0 ? text[hostStart..] : text[hostStart..slash];
        var atSign = authority.LastIndexOf('@');
        return atSign < 0 ? text : text[..hostStart] + "***@" + text[(hostStart + atSign + 1)..];
    }

    public static bool IsUid(string s) =>
        s.Length is > 0 and <= 64 && s.All(c => c is (>= '0' and <= '9') or '.') && !s.StartsWith('.') && !s.EndsWith('.');
}

using System.Text.RegularExpressions;

namespace CementQuant.Cli;

/// <summary>
/// Text with every input path in it (an exception message quoting the file it failed on) replaced by "file" and the
/// path's file_key: without --include-phi no folder or file name of the input reaches an output.
/// </summary>
internal static class PathRedaction
{
    public static string Redact(string text, IReadOnlyList<string> inputs, Func<string, string> relative, Func<string, string> fileKey)
    {
        if (string.IsNullOrEmpty(text)) return text;
        foreach (var input in inputs)
        {
            var root = Path.GetFullPath(input);
            if (File.Exists(root)) root = Path.GetDirectoryName(root)!;
            root = root.TrimEnd('/');
            if (root.Length == 0) continue;
            text = Regex.Replace(text, Regex.Escape(root) + @"(/[^'""\n]*)?", m => "file " + fileKey(relative(m.Value)), RegexOptions.CultureInvariant);
        }
        return text;
    }
}

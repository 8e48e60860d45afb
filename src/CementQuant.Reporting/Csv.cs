using System.Globalization;
using System.Text;

namespace CementQuant.Reporting;

/// <summary>
/// RFC 4180 CSV with invariant culture: '.' decimals, true/false, empty cell for null. Written to a
/// temporary file and renamed over the target, so a killed run leaves the old file or the new one.
/// </summary>
public static class Csv
{
    public static string Cell(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        double d => double.IsFinite(d) ? Math.Round(d, 4).ToString("0.####", CultureInfo.InvariantCulture) : "",
        float f => Cell((double)f),
        IFormattable f => Quote(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => Quote(Defuse(value.ToString() ?? "")),
    };

    /// <summary>
    /// A text cell that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return: a path
    /// or a DICOM description from a hostile file) gets a leading apostrophe, as OWASP advises; numbers, and text
    /// that reads as a number, stay as they are.
    /// </summary>
    public static string Defuse(string s) =>
        s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r'
        && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? "'" + s : s;

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(',', header)).Append('\n');
        foreach (var row in rows)
        {
            if (row.Count != header.Count) throw new ArgumentException($"row has {row.Count} cells, header {header.Count}");
            sb.Append(string.Join(',', row.Select(Cell))).Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }
}

/// <summary>
/// Whole-file writes that are atomic on POSIX file systems: write a sibling temp file, flush it, then rename.
/// A killed process leaves the old file or the new one, never half of one, plus at worst a temp file named
/// <c>&lt;name&gt;.tmp-&lt;host&gt;-&lt;pid&gt;-&lt;guid&gt;</c> that <see cref="CleanStale"/> removes on the next run.
/// </summary>
public static class AtomicFile
{
    private const string Marker = ".tmp-";

    private static string Prefix { get; } = $"{Marker}{SafeHost()}-{Environment.ProcessId}-";

    public static void WriteAllText(string path, string text) => Write(path, s => { using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true); w.Write(text); });

    public static void Write(string path, Action<Stream> write) => WriteVia(path, "", tmp =>
    {
        using var s = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        write(s);
        s.Flush(flushToDisk: true);
    });

    /// <summary>
    /// Lets <paramref name="write"/> create a temp file (whose name ends with <paramref name="suffix"/>, for writers that
    /// choose a format by extension, e.g. ".nii.gz"), then renames it over <paramref name="path"/>.
    /// </summary>
    public static void WriteVia(string path, string suffix, Action<string> write)
    {
        var tmp = $"{path}{Prefix}{Guid.NewGuid():N}{suffix}";
        try
        {
            write(tmp);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>
    /// Deletes temp files left in <paramref name="folder"/> by killed processes of this host. Temp files of live
    /// processes, and of other hosts writing into a shared folder, are left alone.
    /// </summary>
    public static int CleanStale(string folder)
    {
        if (!Directory.Exists(folder)) return 0;
        var host = SafeHost();
        var removed = 0;
        foreach (var f in Directory.EnumerateFiles(folder, $"*{Marker}*"))
        {
            var name = Path.GetFileName(f);
            var at = name.LastIndexOf(Marker + host + "-", StringComparison.Ordinal);
            if (at < 0) continue;
            var rest = name[(at + Marker.Length + host.Length + 1)..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !int.TryParse(rest[..dash], out var pid) || IsAlive(pid)) continue;
            try { File.Delete(f); removed++; }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    private static string SafeHost() => new([.. Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
}

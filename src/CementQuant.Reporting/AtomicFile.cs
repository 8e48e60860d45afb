using System.Text;

namespace CementQuant.Reporting;

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

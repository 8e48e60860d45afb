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

    public static void WriteAllText(string path, string text) => Write(path, s => Text(s, text));

    public static void Write(string path, Action<Stream> write) => WriteVia(path, "", tmp => WriteStream(tmp, write));

    /// <summary>
    /// Lets <paramref name="write"/> create a temp file (whose name ends with <paramref name="suffix"/>, for writers that
    /// choose a format by extension, e.g. ".nii.gz"), then renames it over <paramref name="path"/>. A failed write (a full
    /// disk, say) leaves the old file and no temp file, and is an <see cref="OutputWriteException"/> naming the file.
    /// </summary>
    public static void WriteVia(string path, string suffix, Action<string> write)
    {
        var tmp = Stage(path, suffix, write);
        try
        {
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OutputWriteException(path, ex);
        }
        finally
        {
            Discard(tmp);
        }
    }

    /// <summary>
    /// Writes the temp file of <paramref name="path"/> and returns its name, for a writer that renames several files only
    /// once all of them are written (<see cref="Batch"/>). On failure nothing is left and an <see cref="OutputWriteException"/> is thrown.
    /// </summary>
    private static string Stage(string path, string suffix, Action<string> write)
    {
        var tmp = $"{path}{Prefix}{Guid.NewGuid():N}{suffix}";
        try
        {
            write(tmp);
            SimulatedDisk.Charge(path, tmp);
            return tmp;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Discard(tmp);
            throw new OutputWriteException(path, ex);
        }
    }

    private static void Discard(string tmp)
    {
        try { if (File.Exists(tmp)) File.Delete(tmp); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static void WriteStream(string tmp, Action<Stream> write)
    {
        using var s = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        write(s);
        s.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Several files replaced together: each is written to its temp file first (<see cref="WriteAllText"/>), and only
    /// <see cref="Commit"/> renames them all; disposing without committing deletes the temp files, leaving every old file.
    /// So a full disk half-way through leaves the previous set, never a mix of old and new files.
    /// </summary>
    public sealed class Batch : IDisposable
    {
        private readonly List<(string Tmp, string Path)> _staged = [];

        public void WriteAllText(string path, string text) => _staged.Add((Stage(path, "", tmp => WriteStream(tmp, s => Text(s, text))), path));

        /// <summary>Renames every staged file over its target (renames within a folder need no space).</summary>
        public void Commit()
        {
            foreach (var (tmp, path) in _staged)
            {
                try
                {
                    File.Move(tmp, path, overwrite: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new OutputWriteException(path, ex);
                }
            }
            _staged.Clear();
        }

        public void Dispose()
        {
            foreach (var (tmp, _) in _staged) Discard(tmp);
            _staged.Clear();
        }
    }

    private static void Text(Stream s, string text)
    {
        using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        w.Write(text);
    }

    /// <summary>
    /// Test hooks standing in for a small disk where none can be mounted (no root). With <c>CEMENTQUANT_TEST_DISK_BYTES=n</c>
    /// in the environment, the output file that takes the bytes written by this process past n fails as a full disk does
    /// (ENOSPC); with <c>CEMENTQUANT_TEST_DISK_FULL_AT=name</c>, every file of that name fails so. Unset in production:
    /// nothing is counted.
    /// </summary>
    private static class SimulatedDisk
    {
        private static readonly long Limit = long.TryParse(Environment.GetEnvironmentVariable("CEMENTQUANT_TEST_DISK_BYTES"), out var n) ? n : -1;
        private static readonly string? FullAt = Environment.GetEnvironmentVariable("CEMENTQUANT_TEST_DISK_FULL_AT") is { Length: > 0 } f ? f : null;
        private static long _used;

        public static void Charge(string path, string tmp)
        {
            if (Limit < 0 && FullAt is null) return;
            if ((Limit >= 0 && Interlocked.Add(ref _used, new FileInfo(tmp).Length) > Limit) || Path.GetFileName(path) == FullAt)
                throw new IOException("No space left on device (simulated by CEMENTQUANT_TEST_DISK_*)", 28);
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

/// <summary>An output file or the results database could not be written (a full disk, a read-only folder): exit code 4.</summary>
public sealed class OutputWriteException : CementQuantException
{
    public OutputWriteException(string path, Exception inner)
        : base($"cannot write '{path}': {Reason(inner)}", inner) { Path = path; }

    /// <summary>The output (file, or database target) that could not be written.</summary>
    public string Path { get; }

    /// <summary>The system's reason without the temp file's name that .NET appends (" : '…tmp-…'").</summary>
    private static string Reason(Exception inner)
    {
        var m = inner.Message;
        var at = m.IndexOf(" : '", StringComparison.Ordinal);
        return at > 0 ? m[..at] : m;
    }
}

using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;

namespace CementQuant.Cli;

/// <summary>
/// What native libraries print on standard error (OpenCV and its codecs: "[ERROR:2@8.9] global grfmt_jpeg2000_openjpeg.cpp:299
/// errorLogCallback OpenJPEG2000: Stream too short", each followed by a blank line) made into our own log lines. While
/// captured, file descriptor 2 is a pipe read by a thread of ours; .NET's Console.Error writes to its own duplicate of the
/// original descriptor (taken before the switch), so our lines are untouched. Each native line reaches the sink once,
/// stripped of OpenCV's prefix, blank lines dropped. Linux only (elsewhere a no-op).
/// </summary>
internal static partial class NativeStderr
{
    private const int StderrFd = 2;

    /// <summary>Starts capturing; disposing restores descriptor 2 and delivers every line written before that.</summary>
    public static IDisposable Capture(Action<string> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!OperatingSystem.IsLinux()) return new Nothing();
        // Console.Error and the redirection test open their own duplicate of descriptor 2 on first use: make that happen now.
        Console.Error.Flush();
        _ = Console.IsErrorRedirected;
        var fds = new int[2];
        if (Pipe(fds) != 0) return new Nothing();
        var saved = Dup(StderrFd);
        if (saved < 0 || Dup2(fds[1], StderrFd) < 0)
        {
            Close(fds[0]);
            Close(fds[1]);
            if (saved >= 0) Close(saved);
            return new Nothing();
        }
        Close(fds[1]);
        var reader = new Thread(() => Pump(new SafeFileHandle(fds[0], ownsHandle: true), sink)) { IsBackground = true, Name = "native stderr" };
        reader.Start();
        return new Capturing(saved, reader);
    }

    private static void Pump(SafeFileHandle handle, Action<string> sink)
    {
        using var stream = new FileStream(handle, FileAccess.Read, 1);
        using var lines = new StreamReader(stream, Encoding.UTF8);
        while (lines.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                sink(Clean(line));
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The log is gone (the run is ending): drop the line, keep draining so native writers never block.
            }
        }
    }

    /// <summary>"[ERROR:2@8.907] global file.cpp:299 function message" → "OpenCV error: message"; other lines as they are.</summary>
    public static string Clean(string line)
    {
        var m = OpenCvLine().Match(line);
        return m.Success ? $"OpenCV {m.Groups[1].Value.ToLowerInvariant()}: {m.Groups[2].Value}" : line.TrimEnd();
    }

    [GeneratedRegex(@"^\[\s*(ERROR|WARN|INFO|DEBUG|VERBOSE|FATAL)[^\]]*\]\s*(?:global\s+\S+\s+\S+\s+)?(.*)$")]
    private static partial Regex OpenCvLine();

    private sealed class Capturing(int saved, Thread reader) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            // Descriptor 2 back to the original: the pipe loses its last writer, so the reader sees the end after the last line.
            Dup2(saved, StderrFd);
            Close(saved);
            reader.Join(TimeSpan.FromSeconds(2));
        }
    }

    private sealed class Nothing : IDisposable
    {
        public void Dispose() { }
    }

    [LibraryImport("libc", EntryPoint = "pipe", SetLastError = true)]
    private static partial int Pipe([Out] int[] fds);

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int fd, int fd2);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

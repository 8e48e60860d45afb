using System.Globalization;

namespace CementQuant.Cli;

/// <summary>
/// One run per output folder: an exclusive lock on <c>&lt;out&gt;/.cementquant.lock</c> for the whole run. Two runs
/// writing one folder interleaved their CSV, JSON and database rows (18 series in the database, 9 in the CSVs);
/// the second now stops at once with exit 4 naming the holder. The lock is the kernel's (an exclusive flock, which
/// .NET takes for <see cref="FileShare.None"/> on Unix, a share mode on Windows), so it dies with its process: the
/// file a kill -9 leaves behind is a stale lock that the next run simply takes over. Who holds it is written beside
/// it in <c>.cementquant.lock.owner</c> (the locked file itself cannot be read by others).
/// </summary>
internal sealed class OutputLock : IDisposable
{
    public const string FileName = ".cementquant.lock";

    private readonly FileStream _stream;
    private readonly string _owner;

    private OutputLock(FileStream stream, string owner) { _stream = stream; _owner = owner; }

    public static OutputLock Acquire(string outDir)
    {
        var path = Path.Combine(outDir, FileName);
        var owner = path + ".owner";
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var holder = File.Exists(owner) ? File.ReadAllText(owner).Trim() : "another process";
            throw new CliException(ExitCodes.OutputUnwritable, $"output folder '{outDir}' is in use by another cementquant run ({holder}); wait for it or choose another --out");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CliException(ExitCodes.OutputUnwritable, $"cannot lock the output folder '{outDir}': {ex.Message}");
        }
        try
        {
            File.WriteAllText(owner, string.Create(CultureInfo.InvariantCulture,
                $"PID {Environment.ProcessId} on {Environment.MachineName}, since {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\n"));
        }
        catch (IOException ex)
        {
            // A full disk: say so now, before any work (the lock itself needs no space).
            stream.Dispose();
            throw new CliException(ExitCodes.OutputUnwritable, $"cannot write '{owner}': {ex.Message}");
        }
        return new OutputLock(stream, owner);
    }

    public void Dispose()
    {
        try { File.Delete(_owner); File.Delete(_stream.Name); }
        catch (IOException) { } // a lock file left behind is stale once we exit; the next run takes it over
        _stream.Dispose();
    }
}

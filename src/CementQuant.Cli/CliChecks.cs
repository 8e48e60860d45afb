namespace CementQuant.Cli;

internal static class CliChecks
{
    /// <summary>Every input must exist and be readable (exit 3 otherwise).</summary>
    public static void Inputs(IEnumerable<string> inputs)
    {
        foreach (var input in inputs)
        {
            if (File.Exists(input))
            {
                try { using var _ = File.OpenRead(input); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new CliException(ExitCodes.InputUnreadable, $"cannot read input '{input}': {ex.Message}");
                }
            }
            else if (Directory.Exists(input))
            {
                try { using var e = Directory.EnumerateFileSystemEntries(input).GetEnumerator(); e.MoveNext(); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new CliException(ExitCodes.InputUnreadable, $"cannot read input folder '{input}': {ex.Message}");
                }
            }
            else
            {
                throw new CliException(ExitCodes.InputUnreadable, $"input '{input}' does not exist");
            }
        }
    }

    /// <summary>The output folder must exist or be creatable, and be writable (exit 4 otherwise).</summary>
    public static string Output(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, $".cementquant-write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return Path.GetFullPath(dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliException(ExitCodes.OutputUnwritable, $"cannot write to output folder '{dir}': {ex.Message}");
        }
    }

    /// <summary>The site key (<c>--site-key</c>, else the default file); a key file that holds no key is a bad option value (exit 64), not a bug.</summary>
    public static CementQuant.Reporting.SiteKey SiteKey(string? path)
    {
        try
        {
            return CementQuant.Reporting.SiteKey.LoadOrCreate(path ?? CementQuant.Reporting.SiteKey.DefaultPath);
        }
        catch (CementQuantException ex)
        {
            throw new CliException(ExitCodes.Usage, $"--site-key: {ex.Message}");
        }
    }
}

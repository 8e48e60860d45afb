using System.Globalization;
using System.Runtime.InteropServices;

namespace CementQuant.Reporting;

/// <summary>
/// One `analyze` run, a row of the database's <c>runs</c> table: which program (version and commit) ran with which
/// options on which machine, when, over which inputs (a digest of every input file's SHA-256, by file_key), and what
/// came of it. Appended once per run (each shard of an array job adds its own), in the run's database transaction.
/// </summary>
public sealed record RunRecord(string RunId, string ToolVersion, string StartedUtc, string EndedUtc, string HostOs, string HostCpu, int Cores,
    string Options, string InputDigest, int SeriesOk, int SeriesFailed, int SeriesSkipped, string Shard)
{
    public static readonly string[] Columns = [.. ColumnCatalog.Runs.Select(c => c.Name)];

    public IReadOnlyList<object?> Row => [RunId, ToolVersion, StartedUtc, EndedUtc, HostOs, HostCpu, Cores, Options, InputDigest, SeriesOk, SeriesFailed, SeriesSkipped, Shard];

    /// <summary>ISO 8601 UTC to the second, the form of the started/ended columns.</summary>
    public static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The operating system as the runtime describes it (e.g. "Debian GNU/Linux 12 (bookworm)" or a kernel line).</summary>
    public static string ThisHostOs => RuntimeInformation.OSDescription + " " + RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();

    /// <summary>The CPU's model name (Linux /proc/cpuinfo), else its architecture.</summary>
    public static string ThisHostCpu { get; } = CpuModel();

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null && line.IndexOf(':', StringComparison.Ordinal) is var colon and > 0) return line[(colon + 1)..].Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
    }
}

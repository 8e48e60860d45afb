using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CementQuant.Reporting;
using CementQuant.Reporting.Report;

namespace CementQuant.Cli;

/// <summary>
/// One finished series on disk: <c>&lt;out&gt;/series/&lt;series_key&gt;.json</c>, written atomically the moment the
/// series finishes (after its masks). The run's CSV, JSON and database outputs are rebuilt from these at the end,
/// so a killed run loses at most the series in flight, and <c>--resume</c> reuses every file whose fingerprint
/// (analysis parameters and the series' input files: paths and SHA-256 of their bytes) still matches; a series
/// whose saved report entries point at pictures that are gone is analysed again, so report.html is always complete.
/// File names are series keys (hex HMACs), never DICOM text.
/// </summary>
internal sealed class ResumeState
{
    /// <summary>2: content fingerprints and the report entries saved with each series.</summary>
    private const int Format = 2;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private readonly string _folder;
    private readonly string _parameters;

    public ResumeState(string outDir, AnalyzeSettings s)
    {
        _folder = Directory.CreateDirectory(Path.Combine(outDir, "series")).FullName;
        AtomicFile.CleanStale(_folder);
        var segmentation = s.Segmentation is null ? "" : string.Join(',', s.Segmentation.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Stamp));
        _parameters = string.Create(CultureInfo.InvariantCulture,
            $"v={typeof(ResumeState).Assembly.GetName().Version};schema={VertebraTable.SchemaVersion};threshold={s.ThresholdHu?.ToString("R", CultureInfo.InvariantCulture) ?? "auto"};tolerance={s.ContactToleranceMm:R};seg={segmentation};phi={s.IncludePhi};masks={!s.NoMasks}");
    }

    /// <summary>A saved series: its outcome, the fingerprint it was analysed under, and its report entries (null with --no-report).</summary>
    public sealed record Stored(int Format, string Fingerprint, SeriesOutcome Outcome, SavedReport? Report);

    /// <summary>
    /// What identifies a series' inputs and how they were analysed: the parameters, and each input file's path and
    /// SHA-256 (its content, not its time stamp: a file rewritten with other bytes invalidates, a copy with a new time does not).
    /// </summary>
    public string Fingerprint(IEnumerable<(string Path, string Sha256)> files)
    {
        var sb = new StringBuilder(_parameters);
        foreach (var (path, sha) in files.DistinctBy(f => Path.GetFullPath(f.Path)).OrderBy(f => Path.GetFullPath(f.Path), StringComparer.Ordinal))
            sb.Append('\n').Append(Path.GetFullPath(path)).Append('|').Append(sha);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()))).ToLowerInvariant();
    }

    /// <summary>The fingerprint of files as they are on disk now (hashed); null when one cannot be read.</summary>
    public string? FingerprintOnDisk(IEnumerable<string> files)
    {
        try
        {
            return Fingerprint(files.Select(f => (f, FileHash.Sha256(f))));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? $"{Path.GetFullPath(path)}|{FileHash.Sha256(path)}" : $"{Path.GetFullPath(path)}|missing";
    }

    private string PathOf(string seriesKey) => Path.Combine(_folder, seriesKey + ".json");

    /// <summary>What an earlier run saved for this series, whatever its fingerprint; null when there is none (or the file is damaged).</summary>
    public Stored? TryLoad(string seriesKey)
    {
        var path = PathOf(seriesKey);
        if (!File.Exists(path)) return null;
        try
        {
            var stored = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), Json);
            return stored is { Format: Format, Outcome: not null } && stored.Outcome.Identity.SeriesKey == seriesKey ? stored : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or NotSupportedException)
        {
            return null;
        }
    }

    public void Save(SeriesOutcome outcome, string fingerprint, SavedReport? report) =>
        AtomicFile.WriteAllText(PathOf(outcome.Identity.SeriesKey), JsonSerializer.Serialize(new Stored(Format, fingerprint, outcome, report), Json) + "\n");
}

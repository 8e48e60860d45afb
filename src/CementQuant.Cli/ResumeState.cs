using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CementQuant.Reporting;

namespace CementQuant.Cli;

/// <summary>
/// One finished series on disk: <c>&lt;out&gt;/series/&lt;series_key&gt;.json</c>, written atomically the moment the
/// series finishes (after its masks). The run's CSV, JSON and database outputs are rebuilt from these at the end,
/// so a killed run loses at most the series in flight, and <c>--resume</c> reuses every file whose fingerprint
/// (analysis parameters and the series' input files: names, sizes, times) still matches.
/// File names are series keys (hex HMACs), never DICOM text.
/// </summary>
internal sealed class ResumeState
{
    private const int Format = 1;

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
        var segmentation = s.Segmentation is null ? "" : Stamp(s.Segmentation);
        _parameters = string.Create(CultureInfo.InvariantCulture,
            $"v={typeof(ResumeState).Assembly.GetName().Version};schema={VertebraTable.SchemaVersion};threshold={s.ThresholdHu?.ToString("R", CultureInfo.InvariantCulture) ?? "auto"};tolerance={s.ContactToleranceMm:R};seg={segmentation};phi={s.IncludePhi};masks={!s.NoMasks}");
    }

    private sealed record Stored(int Format, string Fingerprint, SeriesOutcome Outcome);

    /// <summary>What identifies a series' inputs and how they were analysed.</summary>
    public string Fingerprint(IReadOnlyList<string> files)
    {
        var sb = new StringBuilder(_parameters);
        foreach (var f in files.Order(StringComparer.Ordinal)) sb.Append('\n').Append(Stamp(f));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()))).ToLowerInvariant();
    }

    private static string Stamp(string path)
    {
        var info = new FileInfo(path);
        return string.Create(CultureInfo.InvariantCulture, $"{Path.GetFullPath(path)}|{(info.Exists ? info.Length : -1)}|{(info.Exists ? info.LastWriteTimeUtc.Ticks : 0)}");
    }

    private string PathOf(string seriesKey) => Path.Combine(_folder, seriesKey + ".json");

    /// <summary>The outcome saved by an earlier run for this series, if its fingerprint matches; null otherwise (or if the file is damaged).</summary>
    public SeriesOutcome? TryLoad(string seriesKey, string fingerprint)
    {
        var path = PathOf(seriesKey);
        if (!File.Exists(path)) return null;
        try
        {
            var stored = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), Json);
            return stored is { Format: Format } && stored.Fingerprint == fingerprint && stored.Outcome.Identity.SeriesKey == seriesKey ? stored.Outcome : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or NotSupportedException)
        {
            return null;
        }
    }

    public void Save(SeriesOutcome outcome, string fingerprint) =>
        AtomicFile.WriteAllText(PathOf(outcome.Identity.SeriesKey), JsonSerializer.Serialize(new Stored(Format, fingerprint, outcome), Json) + "\n");
}

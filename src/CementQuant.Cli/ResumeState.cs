using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
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
/// File names are series keys (hex HMACs), never DICOM text, and no saved file holds an input path (hospital exports
/// name folders by patient ID and files by UID or date): a series' files are not stored (the fingerprint, a hash,
/// stands for them) and every path in a reason, note or file problem becomes <c>{file#i}</c>, its index among the work item's files, sorted; both come
/// back from the current run's files on reuse, which the matching fingerprint guarantees are the same paths.
/// </summary>
internal sealed partial class ResumeState
{
    /// <summary>3: no input paths (2: content fingerprints and the report entries saved with each series).</summary>
    private const int Format = 3;

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
            $"v={ToolVersion.Full};schema={VertebraTable.SchemaVersion};threshold={s.ThresholdHu?.ToString("R", CultureInfo.InvariantCulture) ?? "auto"};tolerance={s.ContactToleranceMm:R};seg={segmentation};phi={s.IncludePhi};masks={!s.NoMasks}");
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

    /// <summary>Saves a finished series without its input paths (see the class summary); <paramref name="itemFiles"/> are all files of its work item.</summary>
    public void Save(SeriesOutcome outcome, IEnumerable<string> itemFiles, string fingerprint, SavedReport? report)
    {
        // Longest first, so a path that is the prefix of another never takes the other's place.
        var refs = Sorted(itemFiles).Select((f, i) => (Path: f, Ref: Reference(i))).OrderByDescending(x => x.Path.Length).ToList();
        string Strip(string text)
        {
            foreach (var (path, reference) in refs)
                if (text.Contains(path, StringComparison.Ordinal)) text = text.Replace(path, reference, StringComparison.Ordinal);
            return text;
        }
        var stripped = outcome with
        {
            Files = [],
            Reason = Strip(outcome.Reason),
            Notes = [.. outcome.Notes.Select(Strip)],
            FileProblems = [.. outcome.FileProblems.Select(p => p with { Path = Strip(p.Path), Reason = Strip(p.Reason) })],
        };
        AtomicFile.WriteAllText(PathOf(outcome.Identity.SeriesKey), JsonSerializer.Serialize(new Stored(Format, fingerprint, stripped, report), Json) + "\n");
    }

    /// <summary>A saved outcome given back its paths: the series' current files, and every file reference among <paramref name="itemFiles"/>.</summary>
    public static SeriesOutcome Restore(SeriesOutcome saved, SeriesIdentity id, IReadOnlyList<string> seriesFiles, IEnumerable<string> itemFiles)
    {
        var sorted = Sorted(itemFiles);
        string Put(string text) => FileReference().Replace(text, m =>
            int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < sorted.Count ? sorted[i] : m.Value);
        return saved with
        {
            Identity = id,
            Files = seriesFiles,
            Reason = Put(saved.Reason),
            Notes = [.. saved.Notes.Select(Put)],
            FileProblems = [.. saved.FileProblems.Select(p => p with { Path = Put(p.Path), Reason = Put(p.Reason) })],
        };
    }

    private static string Reference(int index) => string.Create(CultureInfo.InvariantCulture, $"{{file#{index}}}");

    [GeneratedRegex(@"\{file#([0-9]+)\}")]
    private static partial Regex FileReference();

    private static List<string> Sorted(IEnumerable<string> files) => [.. files.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}

using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using CementQuant.Dicom;
using CementQuant.Dicom.Series;
using CementQuant.Reporting;

namespace CementQuant.EndToEnd.Tests;

[CollectionDefinition(Name)]
public sealed class BatchCollection : ICollectionFixture<BatchFixture>
{
    public const string Name = "batch";
}

/// <summary>
/// Shared by the batch, crash, shard and database tests (run one after another in one collection): two phantom
/// studies made by `cementquant phantom` (worked-example and superior-only, small size), CT copies of them
/// with their own UIDs (deterministic, so shard membership is too), a fixed site key, and one uninterrupted
/// reference run over a five-study folder that the crash, shard and database tests compare against.
/// </summary>
public sealed class BatchFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("cq-batch-").FullName;

    public string SiteKeyPath { get; }

    /// <summary>Phantom case → its study folder (ct/, xr/, truth.json).</summary>
    public IReadOnlyDictionary<string, string> Phantoms { get; }

    private readonly Dictionary<string, Volume<short>> _volumes = [];
    private readonly Lazy<(string Input, string Output)> _reference;

    public BatchFixture()
    {
        SiteKeyPath = Path.Combine(Root, "site.key");
        File.WriteAllText(SiteKeyPath, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
        var phantoms = Path.Combine(Root, "phantoms");
        string[] cases = ["worked-example", "superior-only"];
        var runs = cases.Select(c => Task.Run(() => Cli.Run("phantom", "--case", c, "--size", "small", "--out", phantoms))).ToArray();
        foreach (var r in runs) Assert.True(r.Result.ExitCode == 0, r.Result.Stderr);
        Phantoms = cases.ToDictionary(c => c, c => Path.Combine(phantoms, c));
        _reference = new Lazy<(string, string)>(MakeReference);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    public SiteKey SiteKey => SiteKey.LoadOrCreate(SiteKeyPath);

    /// <summary>The CT of a phantom case, in HU (loaded once).</summary>
    public Volume<short> Volume(string phantom)
    {
        lock (_volumes)
        {
            if (!_volumes.TryGetValue(phantom, out var v))
            {
                var scan = DicomScanner.Scan(Directory.GetFiles(Path.Combine(Phantoms[phantom], "ct")));
                _volumes[phantom] = v = CtVolumeLoader.Load(SeriesGrouper.Group(scan.Instances).Single()).Hu;
            }
            return v;
        }
    }

    /// <summary>Writes a phantom's CT as a new study (UIDs derived from <paramref name="tag"/>); returns its study and series UIDs.</summary>
    public (string StudyUid, string SeriesUid) CopyStudy(string phantom, string folder, string tag, string? patientName = null, string? patientId = null, string? seriesDescription = null)
    {
        var study = DicomWriter.UidFrom($"cq-batch-test/{tag}/study");
        var series = DicomWriter.UidFrom($"cq-batch-test/{tag}/series");
        CtSeriesWriter.Write(folder, Volume(phantom), new CtSeriesWriteOptions
        {
            PatientName = patientName ?? $"PHANTOM^{phantom.ToUpperInvariant()}",
            PatientId = patientId ?? $"CQ-{phantom}",
            StudyInstanceUid = study,
            SeriesInstanceUid = series,
            FrameOfReferenceUid = DicomWriter.UidFrom($"cq-batch-test/{tag}/for"),
            SeriesDescription = seriesDescription ?? "phantom CT",
        });
        return (study, series);
    }

    /// <summary>Copies a phantom study's DICOM folders (ct/ and xr/, not truth.json) into <paramref name="folder"/>.</summary>
    public void CopyPhantom(string phantom, string folder)
    {
        foreach (var sub in new[] { "ct", "xr" })
        {
            var dst = Directory.CreateDirectory(Path.Combine(folder, sub)).FullName;
            foreach (var f in Directory.GetFiles(Path.Combine(Phantoms[phantom], sub))) File.Copy(f, Path.Combine(dst, Path.GetFileName(f)));
        }
    }

    /// <summary>
    /// The five-study folder (both phantoms with their radiographs, three CT copies, three junk files) and the output of
    /// one uninterrupted `analyze --jobs 2` over it, made on first use.
    /// </summary>
    public (string Input, string Output) Reference => _reference.Value;

    private (string, string) MakeReference()
    {
        var input = Path.Combine(Root, "five-studies");
        CopyPhantom("worked-example", Path.Combine(input, "we"));
        CopyPhantom("superior-only", Path.Combine(input, "so"));
        CopyStudy("worked-example", Path.Combine(input, "we2"), "we2");
        CopyStudy("superior-only", Path.Combine(input, "so2"), "so2");
        CopyStudy("worked-example", Path.Combine(input, "we3"), "we3");
        var junk = Directory.CreateDirectory(Path.Combine(input, "junk")).FullName;
        File.WriteAllBytes(Path.Combine(junk, "zero.dcm"), []);
        File.WriteAllBytes(Path.Combine(junk, "random.dcm"), RandomBytes(4096, 7));
        File.WriteAllBytes(Path.Combine(junk, "noise.bin"), RandomBytes(1000, 8));
        var output = Path.Combine(Root, "reference", "out");
        var r = Cli.Run("analyze", input, "--out", output, "--site-key", SiteKeyPath, "--jobs", "2");
        // Every series succeeds; the three junk files (the 0-byte one included) are listed but do not change the code (CLI.md).
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        var problems = Outputs.ReadProblems(output, SiteKeyPath, input);
        Assert.Equal(["junk/noise.bin", "junk/random.dcm", "junk/zero.dcm"], problems.Select(p => p["path"]).Order(StringComparer.Ordinal));
        return (input, output);
    }

    public static byte[] RandomBytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }
}

/// <summary>Running the program as scripts do, with what the batch tests need beyond <see cref="Cli"/>: peak memory and kill -9.</summary>
public static class BatchCli
{
    public sealed record Measured(int ExitCode, string Stdout, string Stderr, long PeakRssBytes);

    public static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cementquant.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    /// <summary>Runs to the end, polling the child's VmHWM (peak resident set) every 20 ms.</summary>
    public static Measured RunMeasured(params string[] args)
    {
        using var p = Start(args);
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        long peak = 0;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (!p.WaitForExit(20))
        {
            peak = Math.Max(peak, VmHwm(p.Id));
            if (DateTime.UtcNow > deadline) { p.Kill(true); throw new TimeoutException("analyze ran over 5 minutes"); }
        }
        return new Measured(p.ExitCode, output.Result, err.Result, peak);
    }

    private static long VmHwm(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }
}

/// <summary>Reading and checking outputs.</summary>
public static class Outputs
{
    /// <summary>
    /// What outputs name by file_key (a keyed hash of the path relative to its input; no path text without
    /// --include-phi): every file and folder under the inputs (folders as "name/", the input root as "./"), by key.
    /// </summary>
    public static Dictionary<string, string> PathsByFileKey(string siteKeyPath, params string[] inputs)
    {
        var key = SiteKey.LoadOrCreate(siteKeyPath);
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string relative) => paths[key.Hash("file:" + relative)] = relative;
        foreach (var input in inputs)
        {
            if (File.Exists(input)) { Add(Path.GetFileName(input)); continue; }
            Add("./");
            foreach (var f in Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)) Add(Path.GetRelativePath(input, f));
            foreach (var d in Directory.EnumerateDirectories(input, "*", SearchOption.AllDirectories)) Add(Path.GetRelativePath(input, d) + "/");
        }
        return paths;
    }

    /// <summary>problems.csv with each row's path (found from its file_key among the inputs' files) under "path".</summary>
    public static List<Dictionary<string, string>> ReadProblems(string outDir, string siteKeyPath, params string[] inputs)
    {
        var paths = PathsByFileKey(siteKeyPath, inputs);
        var rows = ReadCsv(Path.Combine(outDir, "problems.csv"));
        Assert.All(rows, r => Assert.False(r.ContainsKey("path"), "problems.csv has a path column without --include-phi"));
        foreach (var r in rows) r["path"] = paths.TryGetValue(r["file_key"], out var path) ? path : "(unknown file_key " + r["file_key"] + ")";
        return rows;
    }

    /// <summary>A strict RFC 4180 reader: throws on an unterminated quote or a row whose cell count differs from the header's.</summary>
    public static List<Dictionary<string, string>> ReadCsv(string path)
    {
        var text = File.ReadAllText(path);
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(cell.ToString()); cell.Clear(); }
            else if (c == '\n') { row.Add(cell.ToString()); cell.Clear(); rows.Add(row); row = []; }
            else cell.Append(c);
        }
        if (quoted) throw new FormatException($"{path}: unterminated quote");
        if (cell.Length > 0 || row.Count > 0) throw new FormatException($"{path}: last line has no newline");
        if (rows.Count == 0) throw new FormatException($"{path}: no header");
        var header = rows[0];
        foreach (var r in rows.Skip(1))
            if (r.Count != header.Count) throw new FormatException($"{path}: a row has {r.Count} cells, the header {header.Count}");
        return [.. rows.Skip(1).Select(r => header.Zip(r).ToDictionary(p => p.First, p => p.Second))];
    }

    /// <summary>
    /// The rows results.json nests under each series' <paramref name="property"/> ("vertebrae", "radiographs"), flattened
    /// back into CSV rows: study and series keys and schema_version put back, values as the CSV writes them.
    /// </summary>
    public static List<Dictionary<string, string>> JsonRows(string resultsJson, string property)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(resultsJson));
        return [.. json.RootElement.GetProperty("studies").EnumerateArray().SelectMany(study => study.GetProperty("series").EnumerateArray().SelectMany(series =>
            series.GetProperty(property).EnumerateArray().Select(v =>
            {
                var row = v.EnumerateObject().ToDictionary(p => p.Name, p => JsonCell(p.Value));
                row["study_key"] = study.GetProperty("study_key").GetString()!;
                row["patient_key"] = JsonCell(study.GetProperty("patient_key")); // one patient per study: written once, on the study
                row["series_key"] = series.GetProperty("series_key").GetString()!;
                row["schema_version"] = "2"; // schema 2: fracture geometry columns (METRICS.md)
                return row;
            })))];
    }

    /// <summary>A JSON value as the CSV writes it: numbers invariant, booleans true/false, null empty.</summary>
    public static string JsonCell(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => "",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => Csv.Cell(e.GetDouble()),
        _ => e.GetString() ?? "",
    };

    /// <summary>Rows as sorted lines "col=value|col=value", for set comparisons.</summary>
    public static List<string> Lines(IEnumerable<Dictionary<string, string>> rows, IEnumerable<string>? columns = null)
    {
        var cols = columns?.ToList();
        return [.. rows.Select(r => string.Join('|', (cols ?? [.. r.Keys.Order(StringComparer.Ordinal)]).Select(c => $"{c}={r.GetValueOrDefault(c, "")}"))).Order(StringComparer.Ordinal)];
    }

    public static bool IsTemp(string path) => Path.GetFileName(path).Contains(".tmp-", StringComparison.Ordinal);

    /// <summary>Opens every output in <paramref name="outDir"/> with a real reader; temp files are not outputs and are skipped.</summary>
    public static void AssertAllParse(string outDir)
    {
        foreach (var f in Directory.GetFiles(outDir, "*", SearchOption.AllDirectories).Where(f => !IsTemp(f)))
        {
            try
            {
                switch (Path.GetFileName(f))
                {
                    case var n when n.EndsWith(".csv", StringComparison.Ordinal): ReadCsv(f); break;
                    case var n when n.EndsWith(".json", StringComparison.Ordinal): using (JsonDocument.Parse(File.ReadAllText(f))) { } break;
                    case var n when n.EndsWith(".nii.gz", StringComparison.Ordinal): Nifti.Read(f); break;
                    case "cementquant.db":
                        using (var db = ResultsDatabase.Open(f)) { db.ReadAll("vertebrae", "series_key, vertebra"); db.ReadAll("radiographs", "series_key, image_key, vertebra"); db.ReadAll("series", "series_key"); db.ReadAll("problems", "file_key"); }
                        break;
                    case var n when n.StartsWith("cementquant.db-", StringComparison.Ordinal): break; // SQLite's own journal
                    case ".cementquant.lock" or ".cementquant.lock.owner": break; // the run's lock, left by a killed run (stale)
                    case var n when n.EndsWith(".html", StringComparison.Ordinal):
                        if (!File.ReadAllText(f).TrimEnd().EndsWith("</html>", StringComparison.OrdinalIgnoreCase)) throw new InvalidDataException("HTML without its closing tag");
                        break;
                    case var n when n.EndsWith(".itksnap.txt", StringComparison.Ordinal):
                        if (!File.ReadAllText(f).StartsWith("################################################\n# ITK-SnAP Label Description File", StringComparison.Ordinal)) throw new InvalidDataException("not an ITK-SNAP label description");
                        break;
                    case var n when n.EndsWith(".ctbl", StringComparison.Ordinal):
                        if (!File.ReadAllLines(f).Where(l => !l.StartsWith('#')).All(l => l.Split(' ').Length == 6)) throw new InvalidDataException("not a Slicer colour table");
                        break;
                    case var n when n.EndsWith(".png", StringComparison.Ordinal):
                        if (!File.ReadAllBytes(f).AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G'])) throw new InvalidDataException("not a PNG");
                        break;
                    default: throw new InvalidDataException("unexpected output file");
                }
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"output '{Path.GetRelativePath(outDir, f)}' does not parse: {ex.Message}");
            }
        }
    }

    /// <summary>Every file's text (gzip unpacked, binary as Latin-1 so ASCII strings survive), for privacy checks.</summary>
    public static IEnumerable<(string Path, string Text)> AllText(string outDir)
    {
        foreach (var f in Directory.GetFiles(outDir, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(f);
            if (f.EndsWith(".gz", StringComparison.Ordinal))
            {
                using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var ms = new MemoryStream();
                gz.CopyTo(ms);
                bytes = ms.ToArray();
            }
            yield return (f, Encoding.Latin1.GetString(bytes));
        }
    }

    /// <summary>The truth.json flags of a phantom's cemented vertebrae, superior to inferior.</summary>
    public static List<string> TruthFlags(string studyFolder)
    {
        using var truth = JsonDocument.Parse(File.ReadAllText(Path.Combine(studyFolder, "truth.json")));
        return [.. truth.RootElement.GetProperty("vertebrae").EnumerateArray().Where(v => v.GetProperty("cement_volume_ml").GetDouble() > 0).Select(v => v.GetProperty("flags").GetString() ?? "")];
    }

    /// <summary>Relative path → length and write time of every file under <paramref name="root"/> except those under <paramref name="exclude"/>.</summary>
    public static Dictionary<string, string> Snapshot(string root, string exclude) =>
        Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFullPath(f).StartsWith(Path.GetFullPath(exclude), StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f), f => File.Exists(f) ? $"{new FileInfo(f).Length}/{File.GetLastWriteTimeUtc(f).Ticks}" : "dir");
}

/// <summary>Issue 6 acceptance: a hospital-like folder with good, broken and hostile input.</summary>
[Collection(BatchCollection.Name)]
public sealed class BatchTests(BatchFixture fx)
{
    [SharedDataFact]
    public void Analyze_MixedHospitalFolder_AnalysesEveryGoodSeriesListsEveryProblemAndStaysInsideOut()
    {
        var root = Path.Combine(fx.Root, "hospital");
        var input = Path.Combine(root, "in");
        var key = fx.SiteKey;
        // Good: both phantoms as written by `cementquant phantom`, a JPEG-lossless copy, and a copy whose patient name,
        // ID and series description try to climb out of the output folder.
        fx.CopyPhantom("worked-example", Path.Combine(input, "a"));
        fx.CopyPhantom("superior-only", Path.Combine(input, "b"));
        var jpeg = fx.CopyStudy("worked-example", Path.Combine(input, "c"), "hospital-jpeg");
        foreach (var f in Directory.GetFiles(Path.Combine(input, "c")))
        {
            Peer.Run("dcmcjpeg", "+e1", f, f + ".jpg");
            File.Move(f + ".jpg", f, overwrite: true);
        }
        const string Evil = "../../evil";
        var evil = fx.CopyStudy("superior-only", Path.Combine(input, "d"), "hospital-evil", patientName: Evil + "^X", patientId: Evil, seriesDescription: Evil);
        // Bad: a series with a missing slice, one with a truncated slice, and single bad files.
        var gapped = fx.CopyStudy("worked-example", Path.Combine(input, "e"), "hospital-gapped");
        File.Delete(Directory.GetFiles(Path.Combine(input, "e")).Order(StringComparer.Ordinal).ElementAt(90));
        var truncated = fx.CopyStudy("superior-only", Path.Combine(input, "f"), "hospital-truncated");
        var cut = Directory.GetFiles(Path.Combine(input, "f")).Order(StringComparer.Ordinal).ElementAt(50);
        File.WriteAllBytes(cut, File.ReadAllBytes(cut)[..20000]);
        var junk = Directory.CreateDirectory(Path.Combine(input, "g")).FullName;
        File.WriteAllBytes(Path.Combine(junk, "zero.dcm"), []);
        File.WriteAllBytes(Path.Combine(junk, "random.dcm"), BatchFixture.RandomBytes(5000, 11));
        File.WriteAllBytes(Path.Combine(junk, "header-cut.dcm"), File.ReadAllBytes(Directory.GetFiles(Path.Combine(input, "b", "ct"))[0])[..300]);
        var edge = SharedData.Path("conformance", "orthanc-tests");
        string[] hostile = ["edge_cases/2026-05-26-oob-monochrome-65535.dcm", "edge_cases/2026-05-06-Deeply-Nested-Sequence.dcm", "ct_slices/2020-09-12-ELSCINT1-PMSCT_RLE1.dcm"];
        foreach (var h in hostile) File.Copy(Path.Combine(edge, h), Path.Combine(junk, Path.GetFileName(h)));

        var outDir = Path.Combine(Directory.CreateDirectory(Path.Combine(root, "runs", "one")).FullName, "out");
        var before = Outputs.Snapshot(fx.Root, outDir);
        var r = BatchCli.RunMeasured("analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--jobs", "2");
        Assert.True(r.ExitCode == 5, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.True(r.PeakRssBytes is > 0 and < 2L << 30, $"peak RSS {r.PeakRssBytes / 1048576} MB");

        // Every good series analysed, its cemented vertebra's flags as in the phantom's truth.
        var vertebrae = Outputs.ReadCsv(Path.Combine(outDir, "vertebrae.csv"));
        string SeriesKey(string phantom, string? seriesUid = null) =>
            key.Hash((seriesUid ?? DicomFile.Open(Directory.GetFiles(Path.Combine(fx.Phantoms[phantom], "ct"))[0], headerOnly: true).Dataset.GetString(DicomTag.SeriesInstanceUID)!) + "|CtSlice");
        foreach (var (phantom, seriesKey) in new[] { ("worked-example", SeriesKey("worked-example")), ("superior-only", SeriesKey("superior-only")), ("worked-example", SeriesKey("", jpeg.SeriesUid)), ("superior-only", SeriesKey("", evil.SeriesUid)) })
        {
            var cemented = vertebrae.Where(v => v["series_key"] == seriesKey && double.Parse(v["cement_volume_ml"], CultureInfo.InvariantCulture) > 0).Select(v => v["flags"]).ToList();
            Assert.Equal(Outputs.TruthFlags(fx.Phantoms[phantom]), cemented);
        }

        // Every unusable file or series in problems.csv, with its reason.
        var problems = Outputs.ReadProblems(outDir, fx.SiteKeyPath, input);
        Assert.All(problems, p => Assert.NotEmpty(p["reason"]));
        string[] expectedPaths = ["g/zero.dcm", "g/random.dcm", "g/header-cut.dcm", .. hostile.Select(h => "g/" + Path.GetFileName(h)), "e/", "f/"];
        foreach (var path in expectedPaths)
            Assert.True(problems.Any(p => p["path"] == path), $"no problem row for {path}: {string.Join("; ", problems.Select(p => p["path"]))}");
        Assert.Contains(problems, p => p["path"] == "e/" && p["stage"] == "analyze" && p["series_key"] == SeriesKey("", gapped.SeriesUid));
        Assert.Contains(problems, p => p["path"] == "f/" && p["stage"] == "analyze" && p["series_key"] == SeriesKey("", truncated.SeriesUid));
        var series = Outputs.ReadCsv(Path.Combine(outDir, "series.csv"));
        Assert.Equal(4, series.Count(s => s["status"] == "ok" && s["kind"] == "CtSlice"));
        Assert.Equal(4, series.Count(s => s["status"] == "ok" && s["kind"] == "Radiograph")); // AP and lateral of both phantoms

        // Nothing written outside --out; no file name there built from DICOM text; no identifying text inside.
        Assert.Equal(before, Outputs.Snapshot(fx.Root, outDir));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(outDir, "*", SearchOption.AllDirectories), f => f.Contains("evil", StringComparison.OrdinalIgnoreCase));
        string[] secrets = [Evil, "PHANTOM^", "CQ-worked-example", "CQ-superior-only", jpeg.StudyUid, jpeg.SeriesUid, evil.StudyUid, evil.SeriesUid];
        foreach (var (path, text) in Outputs.AllText(outDir))
            foreach (var s in secrets) Assert.False(text.Contains(s, StringComparison.Ordinal), $"'{s}' in {Path.GetRelativePath(outDir, path)}");
        Outputs.AssertAllParse(outDir);
    }
}

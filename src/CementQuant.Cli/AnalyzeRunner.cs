using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using CementQuant.Analysis.Cement;
using CementQuant.Dicom.Series;
using CementQuant.Reporting;

namespace CementQuant.Cli;

/// <summary>The outcome of one series: analysed (ok), deliberately not analysed (skipped), or failed, and why.</summary>
public sealed record SeriesOutcome
{
    public required SeriesIdentity Identity { get; init; }
    public required string Kind { get; init; }
    public required string Description { get; init; }
    public required string Status { get; init; }
    public required string Reason { get; init; }
    public required IReadOnlyList<string> Files { get; init; }
    public IReadOnlyList<VertebraMetrics> Vertebrae { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];
    public double Seconds { get; init; }
}

/// <summary>
/// `cementquant analyze`: discovery, grouping, per-series analysis (load → vertebrae → cement → metrics),
/// and the outputs of shared/spec/METRICS.md. One bad file or series never stops the batch: it becomes a
/// row of problems.csv and the exit code says so.
/// </summary>
public sealed class AnalyzeRunner(AnalyzeSettings settings, TextWriter log)
{
    private readonly AnalyzeSettings _s = settings;
    private readonly TextWriter _log = log;

    public sealed record RunResult(int ExitCode, IReadOnlyList<SeriesOutcome> Series, IReadOnlyList<Problem> Problems, string OutputFolder);

    public RunResult Run()
    {
        CliChecks.Inputs(_s.Inputs);
        var outDir = CliChecks.Output(_s.Output);
        var siteKey = SiteKey.LoadOrCreate(_s.SiteKeyPath ?? SiteKey.DefaultPath);
        var clock = Stopwatch.StartNew();

        var files = DicomScanner.EnumerateFiles(_s.Inputs);
        var nifti = files.Where(DicomScanner.IsNifti).ToList();
        var scan = DicomScanner.Scan([.. files.Where(f => !DicomScanner.IsNifti(f))], _s.Jobs);
        var groups = SeriesGrouper.Group(scan.Instances);
        if (groups.Count == 0 && nifti.Count == 0)
            throw new CliException(ExitCodes.NoInput, $"no DICOM or NIfTI input found in {files.Count} file(s)");
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"found {files.Count} files: {groups.Count} DICOM series, {nifti.Count} NIfTI volumes, {scan.Problems.Count} unreadable ({clock.Elapsed.TotalSeconds:0.0} s)"));

        var work = new List<Func<SeriesOutcome>>();
        foreach (var g in groups)
        {
            var id = Identity(siteKey, g.StudyInstanceUid, g.SeriesInstanceUid, g.First);
            if (!InShard(id)) continue;
            work.Add(() => AnalyzeGroup(g, id));
        }
        foreach (var path in nifti)
        {
            var id = new SeriesIdentity(siteKey.Hash("nifti-study:" + Path.GetFullPath(path)), siteKey.Hash("nifti:" + Path.GetFullPath(path)));
            if (!InShard(id)) continue;
            work.Add(() => AnalyzeNifti(path, id));
        }

        var outcomes = new SeriesOutcome[work.Count];
        var done = 0;
        // Series run one after another, each using every core inside (loading, vertebrae): one volume in memory per job.
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Math.Min(_s.Jobs, 2)) };
        Parallel.For(0, work.Count, options, i =>
        {
            outcomes[i] = work[i]();
            var n = Interlocked.Increment(ref done);
            lock (_log)
                _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{n}/{work.Count}] series {outcomes[i].Identity.SeriesKey} {outcomes[i].Description}: {outcomes[i].Status}{(outcomes[i].Status == "ok" ? $", {outcomes[i].Vertebrae.Count} vertebrae" : $" ({outcomes[i].Reason})")} {outcomes[i].Seconds:0.0} s"));
        });

        var problems = new List<Problem>(scan.Problems.Select(p => p with { Path = Relative(p.Path) }));
        problems.AddRange(outcomes.Where(o => o.Status == "failed").Select(o => new Problem(Relative(o.Files.Count > 0 ? o.Files[0] : ""), "analyze", o.Reason)));
        Write(outDir, outcomes, problems, scan, nifti);
        var analysed = outcomes.Count(o => o.Status == "ok");
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done: {analysed} series analysed, {outcomes.Count(o => o.Status == "skipped")} skipped, {outcomes.Count(o => o.Status == "failed")} failed, {scan.Problems.Count} unreadable files; {clock.Elapsed.TotalSeconds:0.0} s; outputs in {outDir}"));
        // Files that are not DICOM at all (a README, a JSON sidecar) are listed but do not make the run partial;
        // a DICOM file that cannot be read, or a series that cannot be analysed, does.
        var exit = problems.Any(p => !p.Reason.StartsWith(NotDicom, StringComparison.Ordinal)) ? ExitCodes.PartialFailure : ExitCodes.Success;
        return new RunResult(exit, outcomes, problems, outDir);
    }

    private const string NotDicom = "not a DICOM file";

    private bool InShard(SeriesIdentity id)
    {
        if (_s.Shard.Count == 1) return true;
        // Whole studies stay together: the shard is a function of the study key alone.
        var h = Convert.ToUInt64(id.StudyKey[..8], 16);
        return (int)(h % (ulong)_s.Shard.Count) == _s.Shard.Index - 1;
    }

    private SeriesIdentity Identity(SiteKey key, string studyUid, string seriesUid, InstanceHeader first)
    {
        // Empty UIDs (anonymised exports): key the series by what grouped it instead.
        var study = studyUid.Length > 0 ? studyUid : "no-study-uid:" + Path.GetDirectoryName(Path.GetFullPath(first.Path));
        var series = seriesUid.Length > 0 ? seriesUid : "no-series-uid:" + Path.GetFullPath(first.Path);
        return new SeriesIdentity(key.Hash(study), key.Hash(series + "|" + first.Kind),
            _s.IncludePhi ? first.PatientId : null, _s.IncludePhi ? studyUid : null, _s.IncludePhi ? seriesUid : null, _s.IncludePhi ? first.StudyDate : null);
    }

    private SeriesOutcome AnalyzeGroup(SeriesGroup g, SeriesIdentity id)
    {
        var files = g.Instances.Select(h => h.Path).ToList();
        var kind = g.Kind.ToString();
        if (!g.Usable)
            return new SeriesOutcome { Identity = id, Kind = kind, Description = g.Describe(), Status = IsFailure(g) ? "failed" : "skipped", Reason = g.Reason, Files = files };
        if (g.Kind == InstanceKind.CtSlice && g.Instances.Count < 3)
            return new SeriesOutcome { Identity = id, Kind = kind, Description = g.Describe(), Status = "skipped", Reason = $"{g.Instances.Count} CT slice{(g.Instances.Count == 1 ? "" : "s")}: too few for a 3D analysis", Files = files };
        if (g.Kind == InstanceKind.Radiograph)
            return new SeriesOutcome { Identity = id, Kind = kind, Description = g.Describe(), Status = "skipped", Reason = "radiograph analysis is not available yet", Files = files };
        var sw = Stopwatch.StartNew();
        try
        {
            var ct = CtVolumeLoader.Load(g, Math.Max(1, Environment.ProcessorCount));
            return AnalyzeVolume(ct.Hu, id, kind, g.Describe(), files, ct.Notes, sw);
        }
        catch (CementQuantException ex)
        {
            return new SeriesOutcome { Identity = id, Kind = kind, Description = g.Describe(), Status = "failed", Reason = ex.Message, Files = files, Seconds = sw.Elapsed.TotalSeconds };
        }
    }

    /// <summary>Unusable because it is broken (unsupported encoding) rather than because it is not a CT volume.</summary>
    private static bool IsFailure(SeriesGroup g) => g.Reason.StartsWith("unsupported transfer syntax", StringComparison.Ordinal);

    private SeriesOutcome AnalyzeNifti(string path, SeriesIdentity id)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            var nii = Nifti.Read(path);
            return AnalyzeVolume(nii.Volume, id, "NIfTI", string.Create(CultureInfo.InvariantCulture, $"NIfTI {nii.Volume.SizeX}×{nii.Volume.SizeY}×{nii.Volume.SizeZ}"), [path], [$"geometry from {nii.GeometrySource}"], sw);
        }
        catch (CementQuantException ex)
        {
            return new SeriesOutcome { Identity = id, Kind = "NIfTI", Description = "NIfTI", Status = "failed", Reason = ex.Message, Files = [path], Seconds = sw.Elapsed.TotalSeconds };
        }
    }

    private SeriesOutcome AnalyzeVolume(Volume<short> hu, SeriesIdentity id, string kind, string description, IReadOnlyList<string> files, IReadOnlyList<string> notes, Stopwatch sw)
    {
        var loaded = sw.Elapsed.TotalSeconds;
        var located = VertebraStage.Locate(hu, _s.Segmentation);
        var measured = new List<VertebraRoi>(located.Vertebrae.Where(v => !v.IsSacrum));
        var vertebrae = sw.Elapsed.TotalSeconds;
        var cement = new CementAnalyzer(new CementOptions { ThresholdHu = _s.ThresholdHu, ContactToleranceMm = _s.ContactToleranceMm }).Analyze(hu, measured);
        var cemented = sw.Elapsed.TotalSeconds;
        if (!_s.NoMasks) WriteMasks(hu, id, measured, cement);
        lock (_log)
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  series {id.SeriesKey}: load {loaded:0.00} s, vertebrae {vertebrae - loaded:0.00} s, cement {cemented - vertebrae:0.00} s, masks {sw.Elapsed.TotalSeconds - cemented:0.00} s"));
        return new SeriesOutcome
        {
            Identity = id, Kind = kind, Description = description, Status = "ok",
            Reason = measured.Count == 0 ? "no vertebral body found" : "",
            Files = files, Vertebrae = [.. cement.Select(c => c.Metrics)], Notes = [.. notes, .. located.Notes], Seconds = sw.Elapsed.TotalSeconds,
        };
    }

    private void WriteMasks(Volume<short> hu, SeriesIdentity id, IReadOnlyList<VertebraRoi> rois, IReadOnlyList<VertebraCement> cement)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_s.Output, "masks")).FullName;
        var labels = new Volume<byte>(hu.SizeX, hu.SizeY, hu.SizeZ, hu.Geometry);
        foreach (var roi in rois)
            for (var i = 0; i < roi.Body.Mask.Length; i++)
            {
                if (roi.Body.Mask[i] == 0) continue;
                var x = roi.Body.X0 + i % roi.Body.SizeX; var r = i / roi.Body.SizeX;
                labels[x, roi.Body.Y0 + r % roi.Body.SizeY, roi.Body.Z0 + r / roi.Body.SizeY] = (byte)Math.Min(255, roi.Index);
            }
        WriteAtomically(Path.Combine(dir, $"{id.SeriesKey}_vertebrae.nii.gz"), labels);
        Array.Clear(labels.Data);
        foreach (var c in cement)
        {
            foreach (var i in c.InBodyVoxels) labels.Data[i] = 1;
            foreach (var i in c.LeakVoxels) labels.Data[i] = 2;
        }
        WriteAtomically(Path.Combine(dir, $"{id.SeriesKey}_cement.nii.gz"), labels);
    }

    private static void WriteAtomically(string path, Volume<byte> v)
    {
        var tmp = path + ".tmp-" + Environment.ProcessId + ".nii.gz";
        Nifti.Write(tmp, v);
        File.Move(tmp, path, overwrite: true);
    }

    private string Relative(string path)
    {
        var full = Path.GetFullPath(path);
        foreach (var input in _s.Inputs)
        {
            var root = Path.GetFullPath(input);
            if (File.Exists(root)) root = Path.GetDirectoryName(root)!;
            if (full.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal)) return Path.GetRelativePath(root, full);
        }
        return Path.GetFileName(full);
    }

    private void Write(string outDir, IReadOnlyList<SeriesOutcome> outcomes, List<Problem> problems, ScanResult scan, List<string> nifti)
    {
        var ordered = outcomes.OrderBy(o => o.Identity.StudyKey, StringComparer.Ordinal).ThenBy(o => o.Identity.SeriesKey, StringComparer.Ordinal).ToList();
        Csv.Write(Path.Combine(outDir, "vertebrae.csv"), VertebraTable.Header(_s.IncludePhi),
            ordered.SelectMany(o => o.Vertebrae.Select(v => VertebraTable.Row(o.Identity, v, _s.IncludePhi))));
        string[] seriesHeader = ["schema_version", "study_key", "series_key", "kind", "description", "status", "reason", "files", "vertebrae", "cemented", "notes"];
        Csv.Write(Path.Combine(outDir, "series.csv"), _s.IncludePhi ? [.. seriesHeader, .. VertebraTable.PhiColumns] : seriesHeader,
            ordered.Select(o =>
            {
                List<object?> row = [VertebraTable.SchemaVersion, o.Identity.StudyKey, o.Identity.SeriesKey, o.Kind, o.Description, o.Status, o.Reason, o.Files.Count, o.Vertebrae.Count, o.Vertebrae.Count(v => v.CementVolumeMl > 0), string.Join(';', o.Notes)];
                if (_s.IncludePhi) row.AddRange([o.Identity.PatientId, o.Identity.StudyUid, o.Identity.SeriesUid, o.Identity.StudyDate]);
                return (IReadOnlyList<object?>)row;
            }));
        Csv.Write(Path.Combine(outDir, "problems.csv"), ["path", "stage", "reason"], problems.Select(p => (IReadOnlyList<object?>)[p.Path, p.Stage, p.Reason]));
        WriteJson(Path.Combine(outDir, "results.json"), ordered, problems);
    }

    private void WriteJson(string path, List<SeriesOutcome> outcomes, List<Problem> problems)
    {
        var doc = new Dictionary<string, object?>
        {
            ["schema_version"] = VertebraTable.SchemaVersion,
            ["provenance"] = new Dictionary<string, object?>
            {
                ["tool"] = "cementquant",
                ["version"] = typeof(AnalyzeRunner).Assembly.GetName().Version?.ToString(),
                ["parameters"] = new Dictionary<string, object?>
                {
                    ["threshold_hu"] = _s.ThresholdHu is { } t ? t : "auto",
                    ["contact_tolerance_mm"] = _s.ContactToleranceMm,
                    ["segmentation"] = _s.Segmentation is null ? null : Path.GetFileName(_s.Segmentation),
                    ["include_phi"] = _s.IncludePhi,
                    ["shard"] = $"{_s.Shard.Index}/{_s.Shard.Count}",
                    ["flag_rules"] = FlagRules(),
                },
                ["input_files"] = outcomes.SelectMany(o => o.Files).Distinct().Order(StringComparer.Ordinal)
                    .Select(f => new Dictionary<string, object?> { ["path"] = Relative(f), ["sha256"] = Sha256(f) }),
            },
            ["studies"] = outcomes.GroupBy(o => o.Identity.StudyKey).Select(s => new Dictionary<string, object?>
            {
                ["study_key"] = s.Key,
                ["series"] = s.Select(o => new Dictionary<string, object?>
                {
                    ["series_key"] = o.Identity.SeriesKey,
                    ["kind"] = o.Kind,
                    ["description"] = o.Description,
                    ["status"] = o.Status,
                    ["reason"] = o.Reason,
                    ["notes"] = o.Notes,
                    ["vertebrae"] = o.Vertebrae.Select(v => VertebraTable.Columns.Zip(VertebraTable.Row(o.Identity, v, false)).Skip(3).ToDictionary(p => p.First, p => JsonValue(p.Second))),
                }),
            }),
            ["problems"] = problems.Select(p => new Dictionary<string, object?> { ["path"] = p.Path, ["stage"] = p.Stage, ["reason"] = p.Reason }),
        };
        var json = JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.WriteAllText(path, json + "\n");
    }

    private static object? JsonValue(object? v) => v is double d ? Math.Round(d, 4) : v;

    private static Dictionary<string, string> FlagRules()
    {
        var o = new CementOptions();
        var inv = CultureInfo.InvariantCulture;
        return new()
        {
            ["NPEC"] = "npec is true",
            ["ASYMMETRIC_MASS_LIKE"] = string.Create(inv, $"pattern is mass_like and asymmetry_index >= {o.AsymmetryFlag}"),
            ["UNILATERAL"] = string.Create(inv, $"cement present and contralateral_reach_mm < {o.CrossesMidlineMm}"),
            ["LOW_FILL"] = string.Create(inv, $"cement present and fill_pct < {o.LowFillPct}"),
            ["LEAKAGE"] = string.Create(inv, $"leakage_volume_ml >= {o.LeakageFlagMl}"),
            ["CLEFT"] = string.Create(inv, $"cleft_volume_ml >= {o.CleftFlagMl}"),
        };
    }

    private static string Sha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(s)).ToLowerInvariant();
    }
}

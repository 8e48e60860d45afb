using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using CementQuant.Analysis.Cement;
using CementQuant.Analysis.Flags;
using CementQuant.Analysis.Pipeline;
using CementQuant.Analysis.Radiograph;
using CementQuant.Dicom.Series;
using CementQuant.Reporting;
using CementQuant.Reporting.Report;

namespace CementQuant.Cli;

/// <summary>
/// `cementquant analyze`: discovery, grouping, per-series analysis (load → vertebrae → cement → metrics),
/// and the outputs of shared/spec/METRICS.md. One bad file or series never stops the batch: it becomes a
/// row of problems.csv and the exit code says so.
/// Batch shape: series run on <c>--jobs</c> workers, each holding one volume at a time within a memory budget;
/// each finished series is saved to <c>&lt;out&gt;/series/&lt;key&gt;.json</c> (<see cref="ResumeState"/>), and the
/// CSV, JSON and database outputs are rebuilt from all of them at the end.
/// </summary>
public sealed class AnalyzeRunner
{
    private readonly AnalyzeSettings _s;
    private readonly TextWriter _log;
    private readonly bool _terminal;
    private readonly RadiographPipeline _radiographs;
    private readonly RunWriter _writer;
    private readonly CtSeriesStage _ctSeries;
    private BatchProgress _progress = null!;
    /// <summary>Threads each volume load decodes with: the cores shared among the series that can run at once.</summary>
    private int _loadThreads = 1;

    public sealed record RunResult(int ExitCode, IReadOnlyList<SeriesOutcome> Series, IReadOnlyList<Problem> Problems, string OutputFolder);

    /// <summary>
    /// What one worker does at a time (or takes from an earlier run): one series, or all the radiographs of a study
    /// (analysed together so frontal and lateral views pair); the series it covers, what it costs, one outcome per series.
    /// </summary>
    private sealed record WorkItem(IReadOnlyList<(SeriesIdentity Id, IReadOnlyList<string> Files)> Series, long Bytes, long Weight, Func<IReadOnlyList<SeriesOutcome>> Analyze)
    {
        public WorkItem(SeriesIdentity id, IReadOnlyList<string> files, long bytes, long weight, Func<SeriesOutcome> analyze)
            : this([(id, files)], bytes, weight, () => [analyze()]) { }

        public IEnumerable<string> Files => Series.SelectMany(s => s.Files);
    }

    /// <summary>Rows for problems.csv from before the run: DICOMweb studies that did not arrive whole.</summary>
    private readonly IReadOnlyList<Problem> _retrievalProblems;

    public AnalyzeRunner(AnalyzeSettings settings, TextWriter log, bool terminal = false, IReadOnlyList<Problem>? retrievalProblems = null)
    {
        _retrievalProblems = retrievalProblems ?? [];
        _s = settings;
        _log = log;
        _terminal = terminal;
        var ct = new CtPipeline(settings.CtOptions());
        _radiographs = new RadiographPipeline(settings.RadiographOptions());
        // The provenance is built from the very options the pipelines run with.
        _writer = new RunWriter(new RunOutputs(settings.Output, settings.Database ?? Path.Combine(settings.Output, "cementquant.db"),
            settings.IncludePhi, !settings.NoMasks, !settings.NoReport, Parameters(settings, ct.Options, _radiographs.Options)));
        _ctSeries = new CtSeriesStage(ct, _writer, settings.Segmentation, line => _progress.Detail(line));
    }

    public RunResult Run()
    {
        CliChecks.Inputs(_s.Inputs);
        var outDir = CliChecks.Output(_s.Output);
        using var outputLock = OutputLock.Acquire(outDir);
        var siteKey = SiteKey.LoadOrCreate(_s.SiteKeyPath ?? SiteKey.DefaultPath);
        OutputUnwritable(_writer.CheckDatabase); // fail before hours of work, not after
        return BatchProgress.Run(_terminal, _log, p => { _progress = p; return RunBatch(outDir, siteKey); });
    }

    private RunResult RunBatch(string outDir, SiteKey siteKey)
    {
        var clock = Stopwatch.StartNew();
        _writer.CleanStale();
        var files = DicomScanner.EnumerateFiles(_s.Inputs);
        var nifti = files.Where(DicomScanner.IsNifti).ToList();
        var dicom = files.Where(f => !DicomScanner.IsNifti(f)).ToList();
        var scan = DicomScanner.Scan(dicom, _s.Jobs, n => _progress.Scanning(n, dicom.Count));
        var groups = SeriesGrouper.Group(scan.Instances);
        // Exit 2 only when nothing is DICOM at all, and then name what was seen; a DICOM file refused by name (a hostile
        // header, say) is a problems.csv row of a run that goes on, even when it is the only input.
        if (groups.Count == 0 && nifti.Count == 0 && scan.Problems.All(p => p.Reason.StartsWith(NotDicom, StringComparison.Ordinal) || p.Reason == "empty file"))
            throw new CliException(ExitCodes.NoInput, $"no DICOM or NIfTI input found in {files.Count} file(s)"
                + string.Concat(scan.Problems.Take(3).Select(p => $"; '{p.Path}': {p.Reason}")) + (scan.Problems.Count > 3 ? $"; and {scan.Problems.Count - 3} more" : ""));
        _progress.Log(string.Create(CultureInfo.InvariantCulture, $"found {files.Count} files: {groups.Count} DICOM series, {nifti.Count} NIfTI volumes, {scan.Problems.Count} unreadable ({clock.Elapsed.TotalSeconds:0.0} s)"));

        var inputs = groups.Select(g => (Group: g, Id: Identity(siteKey, g.StudyInstanceUid, g.SeriesInstanceUid, g.First))).Where(x => InShard(x.Id.StudyKey)).ToList();
        // All of a study's projections are one work item (so frontal and lateral views pair), placed where its first one is.
        var radiographStudies = inputs.Where(x => IsProjection(x.Group)).GroupBy(x => x.Id.StudyKey)
            .ToDictionary(s => s.Key, s => s.Select(x => new RadiographStage.Input(x.Group, x.Id)).ToList());
        var work = new List<WorkItem>();
        foreach (var (g, id) in inputs)
        {
            if (IsProjection(g))
            {
                var study = radiographStudies[id.StudyKey];
                if (ReferenceEquals(study[0].Group, g))
                    work.Add(new WorkItem([.. study.Select(x => (x.Id, (IReadOnlyList<string>)[.. x.Group.Instances.Select(h => h.Path)]))],
                        RadiographStage.EstimateBytes(study.Select(x => x.Group)), study.Sum(x => x.Group.Instances.Count), () => AnalyzeRadiographs(siteKey, study)));
                continue;
            }
            var voxels = (long)g.First.Columns * g.First.Rows * (g.Kind == InstanceKind.EnhancedCt ? g.First.NumberOfFrames : g.Instances.Count);
            var analysed = g.Usable && g.Kind is InstanceKind.CtSlice or InstanceKind.EnhancedCt;
            work.Add(new WorkItem(id, [.. g.Instances.Select(h => h.Path)], MemoryBudget.EstimateCt(voxels), analysed ? g.Instances.Count : 0, () => _ctSeries.AnalyzeGroup(g, id, _loadThreads)));
        }
        foreach (var path in nifti)
        {
            var id = new SeriesIdentity(siteKey.Hash("nifti-study:" + Path.GetFullPath(path)), siteKey.Hash("nifti:" + Path.GetFullPath(path)));
            if (!InShard(id.StudyKey)) continue;
            var size = new FileInfo(path).Length;
            work.Add(new WorkItem(id, [path], MemoryBudget.EstimateCt(size * (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? 4 : 1)), 1, () => _ctSeries.AnalyzeNifti(path, id)));
        }

        // One series alone gets every core for decoding; --jobs series at once share them.
        _loadThreads = Math.Max(1, Environment.ProcessorCount / Math.Clamp(work.Count(w => w.Weight > 0), 1, Math.Max(1, _s.Jobs)));
        var outcomes = Process(work, new ResumeState(outDir, _s));

        // Unreadable files belong to no study: shard them by their path, so the shards' problems add up to the whole run's.
        var problems = scan.Problems.Select(p => (Problem: p with { Path = Relative(p.Path) }, SeriesKey: ""))
            .Where(p => InShard(siteKey.Hash("file:" + p.Problem.Path))).ToList();
        problems.AddRange(_retrievalProblems.Select(p => (p, "")));
        problems.AddRange(outcomes.SelectMany(o => o.FileProblems.Select(p => (p with { Path = Relative(p.Path) }, o.Identity.SeriesKey))));
        problems.AddRange(outcomes.Where(o => o.Status != "ok" && o.FileProblems.Count == 0)
            .Select(o => (new Problem(SeriesPath(o.Files), o.Status == "skipped" ? "select" : "analyze", o.Reason), o.Identity.SeriesKey)));
        OutputUnwritable(() => _writer.Write(outcomes, problems, Relative));
        Summary(outDir, outcomes, problems.Count, clock.Elapsed);
        // Files that are not DICOM at all (a README, a JSON sidecar) and series deliberately not analysed (a secondary capture, an MR)
        // are listed but do not make the run partial; a DICOM file that cannot be read, or a series that cannot be analysed, does.
        var exit = outcomes.Any(o => o.InternalError) ? ExitCodes.InternalError
            : problems.Any(p => p.Problem.Stage != "select" && !p.Problem.Reason.StartsWith(NotDicom, StringComparison.Ordinal)) ? ExitCodes.PartialFailure
            : ExitCodes.Success;
        return new RunResult(exit, outcomes, [.. problems.Select(p => p.Problem)], outDir);
    }

    /// <summary>
    /// Runs the work on <c>--jobs</c> workers in input order. A worker reserves the series' memory before loading it,
    /// so at most <c>--jobs</c> volumes (and never more than the budget) are held at once. Each finished series is
    /// saved before it counts as done; with --resume a saved series whose inputs and parameters match is reused.
    /// </summary>
    private SeriesOutcome[] Process(List<WorkItem> work, ResumeState state)
    {
        var outcomes = new IReadOnlyList<SeriesOutcome>[work.Count];
        var budget = MemoryBudget.ForThisMachine();
        _progress.Start(work.Sum(w => w.Series.Count), work.Sum(w => w.Weight));
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _s.Jobs) };
        Parallel.ForEach(Partitioner.Create(Enumerable.Range(0, work.Count), EnumerablePartitionerOptions.NoBuffering), options, i =>
        {
            var item = work[i];
            // One fingerprint over the item's files: a study's radiographs are reused only together (their pairing depends on all of them).
            var fingerprint = state.Fingerprint([.. item.Files]);
            var reused = _s.Resume ? item.Series.Select(s => state.TryLoad(s.Id.SeriesKey, fingerprint) is { } o ? o with { Identity = s.Id, Files = s.Files } : null).ToList() : null;
            var fromEarlier = reused is not null && reused.All(o => o is not null);
            var done = fromEarlier ? reused!.Select(o => o!).ToList() : Guarded(item, budget);
            for (var k = 0; k < done.Count; k++)
            {
                var o = done[k];
                if (fromEarlier && o.Status == "ok" && _writer.Report is { } report)
                {
                    if (o.Radiographs.Count > 0) report.AddRadiographsWithoutPictures(o.Identity, o.Description, o.Radiographs);
                    else report.AddWithoutPictures(o.Identity, o.Description, o.Vertebrae);
                }
                // Skipped series cost nothing to redo and may be analysable by a later version: never saved.
                if (!fromEarlier && o.Status != "skipped" && !o.InternalError) state.Save(o, fingerprint);
                _progress.Done(o, k == 0 ? item.Weight : 0, fromEarlier);
            }
            outcomes[i] = done;
        });
        return [.. outcomes.SelectMany(o => o)];
    }

    /// <summary>One work item, never throwing: input problems are failed series; anything else is a bug, logged with its stack.</summary>
    private List<SeriesOutcome> Guarded(WorkItem item, MemoryBudget budget)
    {
        IReadOnlyList<SeriesOutcome> done;
        try
        {
            using (budget.Acquire(item.Weight > 0 ? item.Bytes : 0)) done = item.Analyze();
        }
        catch (Exception ex) when (ex is not CliException)
        {
            _progress.Log($"internal error in series {string.Join(", ", item.Series.Select(s => s.Id.SeriesKey))} (please report): {ex}");
            return [.. item.Series.Select(s => new SeriesOutcome { Identity = s.Id, Kind = "?", Description = "?", Status = "failed", Reason = $"internal error: {ex.GetType().Name}: {ex.Message}", Files = s.Files, InternalError = true })];
        }
        return [.. done.Select(o => o.FileSha256.Count == o.Files.Count ? o : o with { FileSha256 = [.. o.Files.Select(FileHash.Sha256)] })];
    }

    /// <summary>Where a series is, for problems.csv: its file when it has one, else its (first) folder.</summary>
    private string SeriesPath(IReadOnlyList<string> files)
    {
        if (files.Count == 0) return "";
        if (files.Count == 1) return Relative(files[0]);
        var folder = Path.GetDirectoryName(Relative(files[0]));
        return string.IsNullOrEmpty(folder) ? "./" : folder + "/";
    }

    private const string NotDicom = "not a DICOM file";

    /// <summary>Whole studies stay together: a series' shard is a function of its study key alone.</summary>
    private bool InShard(string key)
    {
        if (_s.Shard.Count == 1) return true;
        var h = Convert.ToUInt64(key[..8], 16);
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

    /// <summary>A projection to analyse as a radiograph: a DX/CR image or a CT scout.</summary>
    private static bool IsProjection(SeriesGroup g) => g.Usable && g.Kind is InstanceKind.Radiograph or InstanceKind.Localizer;

    private IReadOnlyList<SeriesOutcome> AnalyzeRadiographs(SiteKey siteKey, IReadOnlyList<RadiographStage.Input> study)
    {
        var stage = new RadiographStage(siteKey, _radiographs, _writer.Report, _progress.Log);
        var outcomes = stage.Analyze(study);
        foreach (var o in outcomes)
            _progress.Detail(string.Create(CultureInfo.InvariantCulture, $"  series {o.Identity.SeriesKey}: {o.Radiographs.Count} radiograph(s) loaded and analysed in {o.Seconds:0.00} s"));
        return outcomes;
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

    /// <summary>The closing lines: counts, throughput and peak memory (the numbers a site needs to size a batch).</summary>
    private void Summary(string outDir, IReadOnlyList<SeriesOutcome> outcomes, int problems, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        var ok = outcomes.Where(o => o.Status == "ok").ToList();
        var studies = ok.Select(o => o.Identity.StudyKey).Distinct().Count();
        var minutes = Math.Max(elapsed.TotalMinutes, 1e-9);
        var peak = Environment.OSVersion.Platform == PlatformID.Unix ? PeakRssBytes() : System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;
        var xr = ok.SelectMany(o => o.Radiographs).ToList();
        _progress.Log(string.Create(inv, $"done: {ok.Count} series analysed ({studies} studies, {ok.Sum(o => o.Vertebrae.Count)} vertebrae, {ok.Sum(o => o.Vertebrae.Count(v => v.Flags.Count > 0))} flagged; {xr.Count} radiographs, {xr.Sum(x => x.Rows.Count)} radiograph rows, {xr.Sum(x => x.Rows.Count(m => m.Flags.Count > 0))} flagged), {outcomes.Count(o => o.Status == "skipped")} skipped, {outcomes.Count(o => o.Status == "failed")} failed, {problems} problem rows"));
        _progress.Log(string.Create(inv, $"time {elapsed.TotalSeconds:0.0} s: {studies / minutes:0.0} studies/min, {ok.Count / minutes:0.0} series/min with {_s.Jobs} job{(_s.Jobs == 1 ? "" : "s")}; peak memory {peak / (1024.0 * 1024):0} MB; outputs in {outDir}"));
    }

    /// <summary>VmHWM of /proc/self/status: the process's peak resident set.</summary>
    private static long PeakRssBytes()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kb)) return kb * 1024;
        }
        catch (IOException) { }
        return System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;
    }

    /// <summary>A database that cannot be opened (or holds another schema) is an unwritable output: exit code 4.</summary>
    private static void OutputUnwritable(Action write)
    {
        try
        {
            write();
        }
        catch (CementQuantException ex)
        {
            throw new CliException(ExitCodes.OutputUnwritable, ex.Message);
        }
    }

    /// <summary>Every option value of the run that shapes its results, from the options the pipelines actually use.</summary>
    private static Dictionary<string, object?> Parameters(AnalyzeSettings s, CtPipelineOptions ct, RadiographPipelineOptions radiographs) =>
        WithDicomWeb(new()
        {
            ["threshold_hu"] = s.ThresholdHu is { } t ? t : "auto",
            ["contact_tolerance_mm"] = s.ContactToleranceMm,
            // Both files of "labels.nii.gz,body.nii.gz" by name (not only the last one).
            ["segmentation"] = s.Segmentation is null ? null : string.Join(',', s.Segmentation.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFileName)),
            ["include_phi"] = s.IncludePhi,
            ["shard"] = $"{s.Shard.Index}/{s.Shard.Count}",
            ["flag_rules"] = VertebraFlags.Rules(ct.Flags, ct.Cement.CrossesMidlineMm),
            ["ct_pipeline"] = ct.Describe().Values.ToDictionary(v => v.Key, v => v.Value),
            ["radiograph_pipeline"] = radiographs.Describe().Values.ToDictionary(v => v.Key, v => v.Value),
        }, s);

    /// <summary>
    /// The DICOMweb options of a run that used them (a run on files keeps its provenance as before): where results were
    /// pushed (root only, no credentials), the timeouts, retries and where the credentials came from, never the credentials.
    /// </summary>
    private static Dictionary<string, object?> WithDicomWeb(Dictionary<string, object?> p, AnalyzeSettings s)
    {
        if (s.DicomWebCredentials is null) return p;
        p["dicomweb"] = new Dictionary<string, object?>
        {
            ["push"] = s.Push is null ? null : Dicom.Web.DicomWebUrl.Parse(s.Push).Redacted,
            ["study_filter"] = s.Study is null ? null : s.IncludePhi ? s.Study : "given",
            ["patient_filter"] = s.Patient is null ? null : s.IncludePhi ? s.Patient : "given",
            ["timeout_s"] = s.DicomWebTimeoutSeconds,
            ["retries"] = s.DicomWebRetries,
            ["credentials"] = s.DicomWebCredentials,
        };
        return p;
    }
}

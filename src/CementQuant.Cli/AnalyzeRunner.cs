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
/// <remarks>About 440 lines: planning, scheduling, resume, the memory budget, the time limit and the all-or-nothing
/// output step share one run's state. The next split is the output step (problem rows, path redaction, OutputFull) into a
/// class of its own.</remarks>
public sealed class AnalyzeRunner
{
    private readonly AnalyzeSettings _s;
    private readonly TextWriter _log;
    private readonly bool _terminal;
    private readonly ConsoleStyle _style;
    private readonly RadiographPipeline _radiographs;
    private readonly RunWriter _writer;
    private readonly CtSeriesStage _ctSeries;
    private BatchProgress _progress = null!;
    /// <summary>Threads each volume load decodes with: the cores shared among the series that can run at once.</summary>
    private int _loadThreads = 1;

    /// <param name="Explanation">The console's last line: the exit code and why ("exit 5: 2 files unreadable, see problems.csv").</param>
    public sealed record RunResult(int ExitCode, IReadOnlyList<SeriesOutcome> Series, IReadOnlyList<Problem> Problems, string OutputFolder, string Explanation);

    /// <summary>
    /// What one worker does at a time (or takes from an earlier run): one series, or all the radiographs of a study
    /// (analysed together so frontal and lateral views pair); the series it covers, what it costs, one outcome per series.
    /// </summary>
    private sealed record WorkItem(IReadOnlyList<(SeriesIdentity Id, IReadOnlyList<string> Files)> Series, long Bytes, long Weight, Func<CancellationToken, IReadOnlyList<SeriesOutcome>> Analyze)
    {
        public WorkItem(SeriesIdentity id, IReadOnlyList<string> files, long bytes, long weight, Func<CancellationToken, SeriesOutcome> analyze)
            : this([(id, files)], bytes, weight, t => [analyze(t)]) { }

        public IEnumerable<string> Files => Series.SelectMany(s => s.Files);
    }

    /// <summary>Rows for problems.csv from before the run: DICOMweb studies that did not arrive whole.</summary>
    private readonly IReadOnlyList<Problem> _retrievalProblems;

    public AnalyzeRunner(AnalyzeSettings settings, TextWriter log, bool terminal = false, ConsoleStyle? style = null, IReadOnlyList<Problem>? retrievalProblems = null)
    {
        _retrievalProblems = retrievalProblems ?? [];
        _s = settings;
        _log = log;
        _terminal = terminal;
        _style = style ?? ConsoleStyle.Default;
        var ct = new CtPipeline(settings.CtOptions());
        _radiographs = new RadiographPipeline(settings.RadiographOptions());
        // The provenance is built from the very options the pipelines run with.
        _writer = new RunWriter(new RunOutputs(settings.Output, settings.Database ?? Path.Combine(settings.Output, "cementquant.db"),
            settings.IncludePhi, !settings.NoMasks, !settings.NoReport, settings.Parameters(ct.Options, _radiographs.Options)));
        _ctSeries = new CtSeriesStage(ct, _writer, settings.Segmentation, line => _progress.Detail(line));
    }

    public RunResult Run()
    {
        CliChecks.Inputs(_s.Inputs);
        var existed = Directory.Exists(_s.Output);
        var outDir = CliChecks.Output(_s.Output);
        var sqlite = _s.Database is { } target && ResultsDatabase.IsPostgres(target) ? null : _s.Database ?? Path.Combine(outDir, "cementquant.db");
        var sqliteExisted = sqlite is not null && File.Exists(sqlite);
        try
        {
            return Run(outDir);
        }
        catch (CliException ex) when (ex.ExitCode == ExitCodes.NoInput)
        {
            // Nothing analysed, nothing written: not the empty database the early check made, nor the output folder this
            // run made (the lock is gone by now).
            if (sqlite is not null && !sqliteExisted) File.Delete(sqlite);
            if (!existed && !Directory.EnumerateFileSystemEntries(outDir).Any()) Directory.Delete(outDir);
            throw;
        }
    }

    private RunResult Run(string outDir)
    {
        using var outputLock = OutputLock.Acquire(outDir);
        var siteKey = CliChecks.SiteKey(_s.SiteKeyPath);
        OutputUnwritable(_writer.CheckDatabase); // fail before hours of work, not after
        return BatchProgress.Run(_terminal, _log, _style, p => { _progress = p; return RunBatch(outDir, siteKey); });
    }

    /// <summary>The run's work items in this shard: each CT series, all of a study's projections as one item (so frontal
    /// and lateral views pair, placed where its first one is), each NIfTI volume; with their memory estimates.</summary>
    private List<WorkItem> Plan(IReadOnlyList<SeriesGroup> groups, List<string> nifti, SiteKey siteKey)
    {
        var inputs = groups.Select(g => (Group: g, Id: Identity(siteKey, g.StudyInstanceUid, g.SeriesInstanceUid, g.First))).Where(x => InShard(x.Id.StudyKey)).ToList();
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
                        RadiographStage.EstimateBytes(study.Select(x => x.Group)), WorkCost.Radiographs(study.Select(x => x.Group)), t => AnalyzeRadiographs(siteKey, study, t)));
                continue;
            }
            var voxels = (long)g.First.Columns * g.First.Rows * (g.Kind == InstanceKind.EnhancedCt ? g.First.NumberOfFrames : g.Instances.Count);
            var analysed = g.Usable && g.Kind is InstanceKind.CtSlice or InstanceKind.EnhancedCt;
            work.Add(new WorkItem(id, [.. g.Instances.Select(h => h.Path)], MemoryBudget.EstimateCt(voxels), analysed ? WorkCost.Ct(voxels) : 0, t => _ctSeries.AnalyzeGroup(g, id, _loadThreads, t)));
        }
        foreach (var path in nifti)
        {
            var id = new SeriesIdentity(siteKey.Hash("nifti-study:" + Path.GetFullPath(path)), siteKey.Hash("nifti:" + Path.GetFullPath(path)));
            if (!InShard(id.StudyKey)) continue;
            // About two bytes a voxel, compressed about 4:1.
            var bytes = new FileInfo(path).Length * (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? 4 : 1);
            work.Add(new WorkItem(id, [path], MemoryBudget.EstimateCt(bytes), WorkCost.Ct(bytes / 2), t => _ctSeries.AnalyzeNifti(path, id, t)));
        }

        return work;
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

        var work = Plan(groups, nifti, siteKey);

        // One series alone gets every core for decoding; --jobs series at once share them.
        _loadThreads = Math.Max(1, Environment.ProcessorCount / Math.Clamp(work.Count(w => w.Weight > 0), 1, Math.Max(1, _s.Jobs)));
        var outcomes = OutputFull(outDir, "no results of this run are in vertebrae.csv, results.json or the database (they hold the previous run's, if any)",
            () => Process(work, new ResumeState(outDir, _s)));

        // Unreadable files belong to no study: shard them by their path, so the shards' problems add up to the whole run's.
        var problems = scan.Problems.Select(p => (Problem: p with { Path = Relative(p.Path) }, SeriesKey: ""))
            .Where(p => InShard(siteKey.Hash("file:" + p.Problem.Path))).ToList();
        problems.AddRange(_retrievalProblems.Select(p => (p, "")));
        problems.AddRange(outcomes.SelectMany(o => o.FileProblems.Select(p => (p with { Path = Relative(p.Path) }, o.Identity.SeriesKey))));
        problems.AddRange(outcomes.Where(o => o.Status != "ok" && o.FileProblems.Count == 0)
            .Select(o => (new Problem(SeriesPath(o.Files), o.Status == "skipped" ? "select" : "analyze", o.Reason), o.Identity.SeriesKey)));
        // Outputs name files by file_key; only the console (the operator) sees their paths, one line per problem.
        string FileKey(string relative) => siteKey.Hash("file:" + relative);
        foreach (var (p, _) in problems.OrderBy(p => p.Problem.Path, StringComparer.Ordinal).Take(MaxProblemLines))
            _progress.Detail($"problem {FileKey(p.Path)}: {p.Path} ({p.Stage}): {p.Reason}");
        if (problems.Count > MaxProblemLines) _progress.Detail($"... and {problems.Count - MaxProblemLines} more problems (--include-phi adds a path column to problems.csv)");
        var written = outcomes;
        if (!_s.IncludePhi)
        {
            string Redact(string text) => RedactPaths(text, FileKey);
            problems = [.. problems.Select(p => (p.Problem with { Reason = Redact(p.Problem.Reason) }, p.SeriesKey))];
            written = [.. outcomes.Select(o => o with { Reason = Redact(o.Reason), Notes = [.. o.Notes.Select(Redact)] })];
        }
        OutputFull(outDir, "vertebrae.csv, radiographs.csv, series.csv, problems.csv, results.json, report.html and the database are all as they were before this run (all or nothing)",
            () => { _writer.Write(written, problems, Relative, FileKey); return 0; });
        // A reviewed run (`cementquant review`, #18) keeps its decisions on rows whose metrics did not change.
        OutputFull(outDir, "this run's results are written; vertebrae.csv and radiographs.csv lack the review columns until `cementquant review` or a rerun writes them",
            () => CementQuant.Review.ReviewStore.RefreshAfterAnalyze(outDir, _s.Database ?? Path.Combine(outDir, "cementquant.db")));
        Summary(outDir, outcomes, problems.Count, clock.Elapsed);
        // Files that are not DICOM at all (a README, a JSON sidecar) and series deliberately not analysed (a secondary capture, an MR)
        // are listed but do not make the run partial; a DICOM file that cannot be read, or a series that cannot be analysed, does.
        var exit = outcomes.Any(o => o.InternalError) ? ExitCodes.InternalError
            : problems.Any(p => p.Problem.Stage != "select" && !p.Problem.Reason.StartsWith(NotDicom, StringComparison.Ordinal)) ? ExitCodes.PartialFailure
            : ExitCodes.Success;
        return new RunResult(exit, outcomes, [.. problems.Select(p => p.Problem)], outDir, Explain(exit, outcomes, [.. problems.Select(p => p.Problem)]));
    }

    /// <summary>The last console line: the exit code and the counts that made it.</summary>
    private static string Explain(int exit, IReadOnlyList<SeriesOutcome> outcomes, IReadOnlyList<Problem> problems)
    {
        var ok = outcomes.Count(o => o.Status == "ok");
        var internalErrors = outcomes.Count(o => o.InternalError);
        var failed = outcomes.Count(o => o.Status == "failed" && !o.InternalError);
        var skipped = outcomes.Count(o => o.Status == "skipped");
        // Files that could not be used: unreadable DICOM files and the bad files of partly used series (not the non-DICOM ones).
        var unreadable = problems.Count(p => p.Stage != "select" && p.Stage != "analyze" && !p.Reason.StartsWith(NotDicom, StringComparison.Ordinal));
        var notDicom = problems.Count(p => p.Reason.StartsWith(NotDicom, StringComparison.Ordinal));
        List<string> parts = [];
        if (internalErrors > 0) parts.Add($"internal error in {internalErrors} series (please report)");
        if (unreadable > 0) parts.Add($"{unreadable} file{(unreadable == 1 ? "" : "s")} unreadable");
        if (failed > 0) parts.Add($"{failed} series failed");
        parts.Add($"{ok} series analysed");
        if (skipped > 0) parts.Add($"{skipped} skipped (not analysable)");
        if (notDicom > 0) parts.Add($"{notDicom} non-DICOM file{(notDicom == 1 ? "" : "s")} ignored");
        return $"exit {exit}: {string.Join(", ", parts)}{(problems.Count > 0 ? ", see problems.csv" : "")}";
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
            var earlier = _s.Resume ? Reusable(item, state) : null;
            var fromEarlier = earlier is not null;
            var done = earlier ?? Guarded(item, budget);
            // One fingerprint over the item's files, from the bytes the analysis read: a study's radiographs are reused only together
            // (their pairing depends on all of them).
            var fingerprint = fromEarlier ? null : state.Fingerprint(FileHashes(item, done));
            for (var k = 0; k < done.Count; k++)
            {
                var o = done[k];
                // Skipped series cost nothing to redo and may be analysable by a later version: never saved.
                if (!fromEarlier && o.Status != "skipped" && !o.InternalError && !o.Reason.StartsWith(TimeLimitReason, StringComparison.Ordinal)) state.Save(o, item.Files, fingerprint!, _writer.Report?.Saved(o.Identity.SeriesKey));
                _progress.Done(o, k == 0 ? item.Weight : 0, fromEarlier);
            }
            outcomes[i] = done;
        });
        return [.. outcomes.SelectMany(o => o)];
    }

    /// <summary>
    /// The outcomes an earlier run saved for every series of <paramref name="item"/>, when they were analysed from the same
    /// bytes with the same parameters and their report entries can be listed again exactly (then they are, in the report);
    /// null when any of them must be analysed again.
    /// </summary>
    private List<SeriesOutcome>? Reusable(WorkItem item, ResumeState state)
    {
        var saved = item.Series.Select(s => state.TryLoad(s.Id.SeriesKey)).ToList();
        if (saved.Any(x => x is null)) return null;
        var keys = string.Join(", ", item.Series.Select(s => s.Id.SeriesKey));
        var fingerprint = state.FingerprintOnDisk(item.Files);
        if (saved.Any(x => x!.Fingerprint != fingerprint))
        {
            _progress.Log($"series {keys}: saved results no longer match the input files or options; analysing again");
            return null;
        }
        var report = _writer.Report;
        if (report is not null && saved.Any(x => !report.CanRestore(x!.Outcome.Vertebrae, x.Outcome.Radiographs, x.Report)))
        {
            _progress.Log($"series {keys}: saved report pictures missing; analysing again");
            return null;
        }
        var outcomes = item.Series.Zip(saved, (s, x) => ResumeState.Restore(x!.Outcome, s.Id, s.Files, item.Files)).ToList();
        if (report is not null)
            for (var k = 0; k < outcomes.Count; k++) report.Restore(outcomes[k].Identity, outcomes[k].Description, outcomes[k].Vertebrae, outcomes[k].Radiographs, saved[k]!.Report!);
        return outcomes;
    }

    /// <summary>Path and SHA-256 of every file of a work item, as its outcomes recorded them (hashed now where they did not).</summary>
    private static IEnumerable<(string Path, string Sha256)> FileHashes(WorkItem item, IReadOnlyList<SeriesOutcome> done)
    {
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in done)
            for (var f = 0; f < o.Files.Count && f < o.FileSha256.Count; f++) known.TryAdd(o.Files[f], o.FileSha256[f]);
        return item.Files.Select(f => (f, known.TryGetValue(f, out var h) ? h : HashOrMissing(f)));

        static string HashOrMissing(string f)
        {
            try { return FileHash.Sha256(f); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return "unreadable"; }
        }
    }

    /// <summary>One work item, never throwing: input problems are failed series; anything else is a bug, logged with its stack.</summary>
    private List<SeriesOutcome> Guarded(WorkItem item, MemoryBudget budget)
    {
        IReadOnlyList<SeriesOutcome> done;
        try
        {
            using var limit = _s.SeriesTimeLimitSeconds is { } seconds ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds)) : new CancellationTokenSource();
            try
            {
                using (budget.Acquire(item.Weight > 0 ? item.Bytes : 0)) done = item.Analyze(limit.Token);
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                // Over the time limit: stopped at the next check (before any of its outputs is written), a failed series; the batch goes on.
                // Never saved, so a rerun with a longer limit tries it again.
                var reason = string.Create(CultureInfo.InvariantCulture, $"{TimeLimitReason} of {_s.SeriesTimeLimitSeconds} s exceeded (--series-time-limit)");
                _progress.Log($"series {string.Join(", ", item.Series.Select(s => s.Id.SeriesKey))}: {reason}");
                return [.. item.Series.Select(s => new SeriesOutcome { Identity = s.Id, Kind = "?", Description = "?", Status = "failed", Reason = reason, Files = s.Files })];
            }
        }
        catch (Exception ex) when (ex is not CliException and not OutputWriteException)
        {
            _progress.Warn($"internal error in series {string.Join(", ", item.Series.Select(s => s.Id.SeriesKey))} (please report): {ex}");
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
    private const string TimeLimitReason = "time limit";

    /// <summary>Whole studies stay together: a series' shard is a function of its study key alone.</summary>
    private bool InShard(string key)
    {
        if (_s.Shard.Count == 1) return true;
        var h = Convert.ToUInt64(key[..8], 16);
        return (int)(h % (ulong)_s.Shard.Count) == _s.Shard.Index - 1;
    }

    private SeriesIdentity Identity(SiteKey key, string studyUid, string seriesUid, InstanceHeader first)
    {
        var (studyKey, seriesKey) = SeriesKeys.For(key, studyUid, seriesUid, first);
        return new SeriesIdentity(studyKey, seriesKey,
            _s.IncludePhi ? first.PatientId : null, _s.IncludePhi ? studyUid : null, _s.IncludePhi ? seriesUid : null, _s.IncludePhi ? first.StudyDate : null) { PatientKey = SeriesKeys.Patient(key, first) };
    }

    /// <summary>A projection to analyse as a radiograph: a DX/CR image or a CT scout.</summary>
    private static bool IsProjection(SeriesGroup g) => g.Usable && g.Kind is InstanceKind.Radiograph or InstanceKind.Localizer;

    private IReadOnlyList<SeriesOutcome> AnalyzeRadiographs(SiteKey siteKey, IReadOnlyList<RadiographStage.Input> study, CancellationToken cancel)
    {
        var stage = new RadiographStage(siteKey, _radiographs, _writer.Report, _progress.Warn);
        var outcomes = stage.Analyze(study, cancel);
        foreach (var o in outcomes)
            _progress.Detail(string.Create(CultureInfo.InvariantCulture, $"  series {o.Identity.SeriesKey}: {o.Radiographs.Count} radiograph(s) loaded and analysed in {o.Seconds:0.00} s"));
        return outcomes;
    }

    private const int MaxProblemLines = 200;

    /// <summary>Text with every input path in it replaced by its file_key (<see cref="PathRedaction"/>).</summary>
    private string RedactPaths(string text, Func<string, string> fileKey) => PathRedaction.Redact(text, _s.Inputs, Relative, fileKey);

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

    /// <summary>
    /// An output that cannot be written (a full disk) stops the run with exit code 4, naming the file and what was kept:
    /// every series saved in <c>series/</c> is complete (its masks and pictures were written before it), so a rerun with
    /// --resume on a disk with space continues from there.
    /// </summary>
    private T OutputFull<T>(string outDir, string outputs, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (Exception ex) when (Unwrap(ex) is OutputWriteException or CementQuantException { InnerException: System.Data.Common.DbException })
        {
            var e = Unwrap(ex);
            var saved = Directory.Exists(Path.Combine(outDir, "series")) ? Directory.GetFiles(Path.Combine(outDir, "series"), "*.json").Length : 0;
            throw new CliException(ExitCodes.OutputUnwritable,
                $"{e.Message}; kept: {saved} complete series in {Path.Combine(outDir, "series")}, each with its masks and pictures; {outputs}; free space and run again with --resume to finish");
        }

        static Exception Unwrap(Exception ex) => ex is AggregateException { InnerExceptions: [var first, ..] } a ? Unwrap(a.InnerExceptions.FirstOrDefault(i => Unwrap(i) is OutputWriteException) ?? first) : ex;
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
}

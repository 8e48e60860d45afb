using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using CementQuant.Reporting.Report;

namespace CementQuant.Reporting;

/// <summary>What a run writes and where: the output folder, the database target, the run's parameters for the provenance.</summary>
/// <param name="OutputFolder">The run's folder (exists and is writable).</param>
/// <param name="Database">A SQLite path or a PostgreSQL connection string.</param>
/// <param name="IncludePhi">Add the identifying columns (--include-phi).</param>
/// <param name="Masks">Write the NIfTI label maps.</param>
/// <param name="Report">Write report.html and its pictures.</param>
/// <param name="Parameters">Every option value of the run (nested name → value), echoed in results.json and the database.</param>
public sealed record RunOutputs(string OutputFolder, string Database, bool IncludePhi, bool Masks, bool Report, IReadOnlyDictionary<string, object?> Parameters);

/// <summary>
/// Every output of an `analyze` run (shared/spec/METRICS.md): vertebrae.csv, radiographs.csv, series.csv, problems.csv
/// and results.json (each written atomically, <see cref="AtomicFile"/>), the SQLite/PostgreSQL tables (one transaction),
/// the NIfTI masks with their label tables, and the QA report. Rows are sorted by study and series key, so a resumed run
/// writes the same bytes as an uninterrupted one. The CLI decides what to analyse; this decides how it is written.
/// </summary>
public sealed class RunWriter
{
    private readonly RunOutputs _o;

    private readonly QaReport _report;

    /// <summary>When the run started (the writer is made as the run begins), for its row of the database's runs table.</summary>
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    public RunWriter(RunOutputs outputs)
    {
        _o = outputs ?? throw new ArgumentNullException(nameof(outputs));
        _report = new QaReport(outputs.OutputFolder);
    }

    /// <summary>The QA report being collected (null with --no-report): series add their pictures as they finish.</summary>
    public QaReport? Report => _o.Report ? _report : null;

    /// <summary>Opens the database once, so a wrong target fails before hours of work, not after.</summary>
    public void CheckDatabase() => ResultsDatabase.Open(_o.Database).Dispose();

    /// <summary>Removes temp files that killed runs left in the output folders.</summary>
    public void CleanStale()
    {
        AtomicFile.CleanStale(_o.OutputFolder);
        AtomicFile.CleanStale(Path.Combine(_o.OutputFolder, "masks"));
        AtomicFile.CleanStale(Path.Combine(_o.OutputFolder, "report"));
    }

    /// <summary>
    /// The vertebra and cement label maps in the CT's geometry, written slice by slice from the bodies' crops and the
    /// cement voxel lists, so no whole-volume label buffer exists beside the HU volume. Nothing with --no-masks.
    /// </summary>
    public void WriteMasks(Volume<short> hu, SeriesIdentity id, IReadOnlyList<VertebraRoi> rois, IReadOnlyList<ReportVertebra> cement)
    {
        ArgumentNullException.ThrowIfNull(hu);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(rois);
        ArgumentNullException.ThrowIfNull(cement);
        if (!_o.Masks) return;
        var dir = Directory.CreateDirectory(Path.Combine(_o.OutputFolder, "masks")).FullName;
        var nx = hu.SizeX;
        var vertebraeMask = Path.Combine(dir, $"{id.SeriesKey}_vertebrae.nii.gz");
        WriteLabelsAtomically(vertebraeMask, hu, (z, slice) =>
        {
            foreach (var roi in rois)
            {
                var b = roi.Body;
                if (z < b.Z0 || z >= b.Z0 + b.SizeZ) continue;
                var label = (byte)Math.Min(255, roi.Index);
                for (var y = 0; y < b.SizeY; y++)
                {
                    var src = b.Mask.AsSpan(((z - b.Z0) * b.SizeY + y) * b.SizeX, b.SizeX);
                    var dst = slice.Slice((b.Y0 + y) * nx + b.X0, b.SizeX);
                    for (var x = 0; x < src.Length; x++) if (src[x] != 0) dst[x] = label;
                }
            }
        });
        MaskLabelTable.WriteBeside(vertebraeMask, MaskLabelTable.Vertebrae(rois.Select(r => (Math.Min(255, r.Index), r.Label))));
        // Cement voxels, 1 in a body and 2 leaked, sorted once and then consumed slice by slice.
        var voxels = cement.SelectMany(c => c.InBodyVoxels.Select(i => (Index: i, Label: (byte)1)).Concat(c.LeakVoxels.Select(i => (Index: i, Label: (byte)2))))
            .OrderBy(v => v.Index).ToArray();
        var next = 0;
        var sliceSize = (long)nx * hu.SizeY;
        var cementMask = Path.Combine(dir, $"{id.SeriesKey}_cement.nii.gz");
        WriteLabelsAtomically(cementMask, hu, (z, slice) =>
        {
            var end = (z + 1) * sliceSize;
            for (; next < voxels.Length && voxels[next].Index < end; next++) slice[(int)(voxels[next].Index - z * sliceSize)] = voxels[next].Label;
        });
        MaskLabelTable.WriteBeside(cementMask, MaskLabelTable.Cement);
    }

    private static void WriteLabelsAtomically(string path, Volume<short> grid, Action<int, Span<byte>> fillSlice) =>
        AtomicFile.WriteVia(path, ".nii.gz", tmp => Nifti.WriteLabels(tmp, grid.SizeX, grid.SizeY, grid.SizeZ, grid.Geometry, fillSlice));

    /// <summary>
    /// The run's outputs, rebuilt from every outcome: CSV and JSON written atomically, the database in one
    /// transaction. Rows are sorted by study and series key, so a resumed run writes the same bytes as an uninterrupted one.
    /// </summary>
    /// <param name="outcomes">Every series of the run (analysed now or reused from an earlier run).</param>
    /// <param name="problems">Rows of problems.csv (paths already relative to the inputs) with their series key ("" for none).</param>
    /// <param name="relative">A path as the console names it (relative to the input it was found under).</param>
    /// <param name="fileKey">The file_key of such a relative path (a keyed hash): what the outputs name files by.</param>
    public void Write(IReadOnlyList<SeriesOutcome> outcomes, IReadOnlyList<(Problem Problem, string SeriesKey)> problems, Func<string, string> relative, Func<string, string> fileKey)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(relative);
        ArgumentNullException.ThrowIfNull(fileKey);
        var outDir = _o.OutputFolder;
        var ordered = outcomes.OrderBy(o => o.Identity.StudyKey, StringComparer.Ordinal).ThenBy(o => o.Identity.SeriesKey, StringComparer.Ordinal).ToList();
        // Problems in file_key order: the order of the paths would leak their sorting through the keys' row order.
        var sortedProblems = problems.Select(p => (p.Problem, p.SeriesKey, FileKey: fileKey(p.Problem.Path)))
            .OrderBy(p => p.FileKey, StringComparer.Ordinal).ThenBy(p => p.Problem.Stage, StringComparer.Ordinal).ThenBy(p => p.SeriesKey, StringComparer.Ordinal).ToList();
        var seriesRows = ordered.Select(SeriesRow).ToList();
        var problemRows = sortedProblems.Select(p => ProblemRow(p.FileKey, p.Problem, p.SeriesKey)).ToList();
        // All or nothing: every file is written to its temp file first, then the database in one transaction, and only then
        // are the files renamed into place. A full disk anywhere before that leaves the previous outputs, all of them.
        using var files = new AtomicFile.Batch();
        files.WriteAllText(Path.Combine(outDir, "vertebrae.csv"), Csv.Text(VertebraTable.Header(_o.IncludePhi),
            ordered.SelectMany(o => o.Vertebrae.Select(v => VertebraTable.Row(o.Identity, v, _o.IncludePhi)))));
        files.WriteAllText(Path.Combine(outDir, "radiographs.csv"), Csv.Text(RadiographTable.Header(_o.IncludePhi),
            ordered.SelectMany(o => RadiographTable.Rows(o.Identity, o.Radiographs, _o.IncludePhi))));
        files.WriteAllText(Path.Combine(outDir, "series.csv"), Csv.Text(_o.IncludePhi ? [.. ResultsDatabase.SeriesColumns, .. VertebraTable.PhiColumns] : ResultsDatabase.SeriesColumns, seriesRows));
        files.WriteAllText(Path.Combine(outDir, "problems.csv"), Csv.Text(_o.IncludePhi ? [.. ResultsDatabase.ProblemColumns, .. ResultsDatabase.ProblemPhiColumns] : ResultsDatabase.ProblemColumns, problemRows));
        var inputs = InputFiles(ordered, relative, fileKey);
        files.WriteAllText(Path.Combine(outDir, "results.json"), Json(ordered, problemRows, inputs));
        if (_o.Report)
            files.WriteAllText(_report.HtmlPath, _report.Html(
                [.. ordered.Where(o => o.Status != "ok").Select(o => new NotAnalysedSeries(o.Identity.SeriesKey, o.Kind, o.Description, o.Status, o.Reason))], problemRows.Count));
        var parameters = Flatten("", _o.Parameters);
        try
        {
            using var db = ResultsDatabase.Open(_o.Database);
            db.WriteRun([.. ordered.Select((o, i) => new ResultsDatabase.SeriesRows(seriesRows[i], [.. o.Vertebrae.Select(v => VertebraTable.Row(o.Identity, v, _o.IncludePhi))])
            {
                Radiographs = [.. RadiographTable.Rows(o.Identity, o.Radiographs, _o.IncludePhi)],
                Parameters = parameters,
            })], problemRows, _o.IncludePhi, Run(ordered, inputs, _started));
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException)
        {
            throw new OutputWriteException(ResultsDatabase.IsPostgres(_o.Database) ? "the PostgreSQL database" : _o.Database, ex);
        }
        files.Commit();
    }

    /// <summary>A problems.csv row: file_key, stage, reason, series_key, and the path only with --include-phi.</summary>
    private IReadOnlyList<object?> ProblemRow(string fileKey, Problem p, string seriesKey) =>
        _o.IncludePhi ? [fileKey, p.Stage, p.Reason, seriesKey, p.Path] : [fileKey, p.Stage, p.Reason, seriesKey];

    private IReadOnlyList<object?> SeriesRow(SeriesOutcome o)
    {
        // vertebrae and cemented count rows: CT vertebrae, or radiograph rows (vertebra × view).
        var xr = o.Radiographs.SelectMany(x => x.Rows).ToList();
        List<object?> row = [VertebraTable.SchemaVersion, o.Identity.StudyKey, o.Identity.SeriesKey, o.Kind, o.Description, o.Status, o.Reason, o.Files.Count,
            o.Vertebrae.Count + xr.Count, o.Vertebrae.Count(v => v.CementVolumeMl > 0) + xr.Count(m => m.CementAreaMm2 > 0), string.Join(';', o.Notes), o.Identity.PatientKey];
        if (_o.IncludePhi) row.AddRange([o.Identity.PatientId, o.Identity.StudyUid, o.Identity.SeriesUid, o.Identity.StudyDate]);
        return row;
    }

    /// <summary>Every input file of the run, once, by file_key (with its path only with --include-phi) and SHA-256, in file_key order.</summary>
    private List<Dictionary<string, object?>> InputFiles(List<SeriesOutcome> outcomes, Func<string, string> relative, Func<string, string> fileKey)
    {
        Dictionary<string, object?> InputFile(string relativePath, string sha)
        {
            var file = new Dictionary<string, object?> { ["file_key"] = fileKey(relativePath), ["sha256"] = sha };
            if (_o.IncludePhi) file["path"] = relativePath;
            return file;
        }
        return [.. outcomes.SelectMany(o => o.Files.Select((f, i) => (Path: relative(f), Sha: i < o.FileSha256.Count ? o.FileSha256[i] : FileHash.Sha256(f))))
            .DistinctBy(f => f.Path).Select(f => InputFile(f.Path, f.Sha)).OrderBy(f => (string)f["file_key"]!, StringComparer.Ordinal)];
    }

    /// <summary>The run's row of the runs table: version, options, host, times, a digest of its inputs and its counts.</summary>
    private RunRecord Run(List<SeriesOutcome> outcomes, List<Dictionary<string, object?>> inputs, DateTimeOffset started)
    {
        var digest = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join('\n', inputs.Select(f => $"{f["file_key"]} {f["sha256"]}"))))).ToLowerInvariant();
        return new RunRecord(Guid.NewGuid().ToString("N"), ToolVersion.Full, RunRecord.Utc(started), RunRecord.Utc(DateTimeOffset.UtcNow),
            RunRecord.ThisHostOs, RunRecord.ThisHostCpu, Environment.ProcessorCount, JsonSerializer.Serialize(_o.Parameters), digest,
            outcomes.Count(o => o.Status == "ok"), outcomes.Count(o => o.Status == "failed"), outcomes.Count(o => o.Status == "skipped"),
            _o.Parameters.TryGetValue("shard", out var shard) ? Convert.ToString(shard, CultureInfo.InvariantCulture) ?? "1/1" : "1/1");
    }

    private string Json(List<SeriesOutcome> outcomes, List<IReadOnlyList<object?>> problemRows, List<Dictionary<string, object?>> inputs)
    {
        var problemColumns = _o.IncludePhi ? [.. ResultsDatabase.ProblemColumns, .. ResultsDatabase.ProblemPhiColumns] : ResultsDatabase.ProblemColumns;
        var doc = new Dictionary<string, object?>
        {
            ["schema_version"] = VertebraTable.SchemaVersion,
            ["provenance"] = new Dictionary<string, object?>
            {
                ["tool"] = "cementquant",
                ["version"] = ToolVersion.Full,
                // The machine (not the time: a resumed run's results.json is byte for byte an uninterrupted one's; the
                // database's runs table has each run's start and end).
                ["host"] = new Dictionary<string, object?> { ["os"] = RunRecord.ThisHostOs, ["cpu"] = RunRecord.ThisHostCpu, ["cores"] = Environment.ProcessorCount },
                ["parameters"] = _o.Parameters,
                ["input_files"] = inputs,
            },
            ["studies"] = outcomes.GroupBy(o => o.Identity.StudyKey).Select(s => new Dictionary<string, object?>
            {
                ["study_key"] = s.Key,
                ["patient_key"] = s.First().Identity.PatientKey is { Length: > 0 } patientKey ? patientKey : null,
                ["series"] = s.Select(o => new Dictionary<string, object?>
                {
                    ["series_key"] = o.Identity.SeriesKey,
                    ["kind"] = o.Kind,
                    ["description"] = o.Description,
                    ["status"] = o.Status,
                    ["reason"] = o.Reason,
                    ["notes"] = o.Notes,
                    ["vertebrae"] = o.Vertebrae.Select(v => VertebraTable.Columns.Zip(VertebraTable.Row(o.Identity, v, false)).Skip(3).Where(p => p.First != "patient_key").ToDictionary(p => p.First, p => JsonValue(p.Second))),
                    ["radiographs"] = RadiographTable.Rows(o.Identity, o.Radiographs, false).Select(r => RadiographTable.Columns.Zip(r).Skip(3).Where(p => p.First != "patient_key").ToDictionary(p => p.First, p => JsonValue(p.Second))),
                }),
            }),
            ["problems"] = problemRows.Select(r => problemColumns.Zip(r).ToDictionary(p => p.First, p => p.Second)),
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static object? JsonValue(object? v) => v is double d ? Math.Round(d, 4) : v;

    /// <summary>Nested parameters as <c>a.b.c</c> → provenance text, for the database's <c>parameters</c> table.</summary>
    private static List<KeyValuePair<string, string>> Flatten(string prefix, IReadOnlyDictionary<string, object?> values) =>
        [.. values.SelectMany(kv => kv.Value switch
        {
            Dictionary<string, object?> inner => Flatten(prefix + kv.Key + ".", inner),
            Dictionary<string, string> text => text.Select(t => new KeyValuePair<string, string>(prefix + kv.Key + "." + t.Key, t.Value)),
            var v => [new KeyValuePair<string, string>(prefix + kv.Key, OptionsDescription.Text(v))],
        })];
}

using System.Diagnostics;
using System.Globalization;
using CementQuant.Analysis.Pipeline;
using CementQuant.Dicom.Series;
using CementQuant.Reporting;
using CementQuant.Reporting.Report;

namespace CementQuant.Cli;

/// <summary>
/// One CT series of a run (a DICOM series or a NIfTI volume): loaded at the I/O boundary, analysed by the
/// <see cref="CtPipeline"/>, its masks and report pictures handed to the <see cref="RunWriter"/> while the volume is
/// still in memory, and summed up as a <see cref="SeriesOutcome"/>. Input problems become a failed outcome, never an exception.
/// </summary>
/// <param name="segmentation">The --segmentation label files, or null to detect the bodies.</param>
/// <param name="detail">Where per-series timings go (the progress log's detail lines).</param>
internal sealed class CtSeriesStage(CtPipeline ct, RunWriter writer, string? segmentation, Action<string> detail)
{
    /// <summary>A DICOM series: skipped or failed with its reason when it is no CT volume, else loaded (decoding on
    /// <paramref name="loadThreads"/> threads, hashing its files on the way) and analysed.</summary>
    /// <param name="cancel">The series' time limit: checked between stages, never once its outputs are being written.</param>
    /// <remarks>An output that cannot be written (a full disk) is not the series' failure: it ends the run (exit 4) and the
    /// series stays unsaved, so --resume analyses it again.</remarks>
    public SeriesOutcome AnalyzeGroup(SeriesGroup g, SeriesIdentity id, int loadThreads, CancellationToken cancel)
    {
        var files = g.Instances.Select(h => h.Path).ToList();
        var kind = g.Kind.ToString();
        if (!g.Usable)
            return new SeriesOutcome { Identity = id, Kind = kind, Description = g.Describe(), Status = IsFailure(g) ? SeriesStatus.Failed : SeriesStatus.Skipped, Reason = g.Reason, Files = files };
        if (TooFewSlices(g) is { } tooFew)
            return new SeriesOutcome { Identity = id, Kind = kind, Description = g.Describe(), Status = SeriesStatus.Skipped, Reason = tooFew, Files = files };
        var sw = Stopwatch.StartNew();
        try
        {
            var ct = CtVolumeLoader.Load(g, loadThreads, hashFiles: true, cancel);
            var outcome = AnalyzeVolume(ct.Hu, id, kind, g.Describe(), files, ct.Notes, sw, cancel);
            // Hashed while decoding; a file the loader did not read whole (e.g. a duplicate it dropped) is hashed here.
            return outcome with { FileSha256 = [.. files.Select(f => ct.FileSha256.TryGetValue(f, out var h) ? h : FileHash.Sha256(f))] };
        }
        catch (CementQuantException ex) when (ex is not OutputWriteException)
        {
            return new SeriesOutcome { Identity = id, Kind = kind, Description = g.Describe(), Status = SeriesStatus.Failed, Reason = ex.Message, Files = files, Seconds = sw.Elapsed.TotalSeconds };
        }
    }

    /// <summary>Why a usable CT series is still not analysed (too few slices for a volume), or null; `scan` says the same.</summary>
    public static string? TooFewSlices(SeriesGroup g) =>
        g.Kind == InstanceKind.CtSlice && g.Instances.Count < 3 ? $"{g.Instances.Count} CT slice{(g.Instances.Count == 1 ? "" : "s")}: too few for a 3D analysis" : null;

    /// <summary>Unusable because it is broken (unsupported encoding) rather than because it is not a CT volume.</summary>
    private static bool IsFailure(SeriesGroup g) => g.Reason.StartsWith("unsupported transfer syntax", StringComparison.Ordinal);

    /// <summary>A NIfTI volume (in HU), loaded and analysed.</summary>
    public SeriesOutcome AnalyzeNifti(string path, SeriesIdentity id, CancellationToken cancel)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            var nii = Nifti.ReadCt(path);
            return AnalyzeVolume(nii.Volume, id, "NIfTI", string.Create(CultureInfo.InvariantCulture, $"NIfTI {nii.Volume.SizeX}×{nii.Volume.SizeY}×{nii.Volume.SizeZ}"), [path], [$"geometry from {nii.GeometrySource}"], sw, cancel);
        }
        catch (NiftiNotCtException ex)
        {
            return new SeriesOutcome { Identity = id, Kind = "NIfTI", Description = "NIfTI", Status = SeriesStatus.Skipped, Reason = ex.Problem, Files = [path], Seconds = sw.Elapsed.TotalSeconds };
        }
        catch (CementQuantException ex) when (ex is not OutputWriteException)
        {
            return new SeriesOutcome { Identity = id, Kind = "NIfTI", Description = "NIfTI", Status = SeriesStatus.Failed, Reason = ex.Message, Files = [path], Seconds = sw.Elapsed.TotalSeconds };
        }
    }

    private SeriesOutcome AnalyzeVolume(Volume<short> hu, SeriesIdentity id, string kind, string description, IReadOnlyList<string> files, IReadOnlyList<string> notes, Stopwatch sw, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        var loaded = sw.Elapsed.TotalSeconds;
        var (labels, bodyMap) = SegmentationFiles.Read(segmentation);
        var result = ct.Run(hu, labels, bodyMap);
        // The last check: from here on the series' masks and pictures are written, and a series is written whole or not at all.
        cancel.ThrowIfCancellationRequested();
        var measured = result.Vertebrae;
        var cement = result.Cement;
        var cemented = sw.Elapsed.TotalSeconds;
        var vertebrae = cement.Select(c => new ReportVertebra(c.Metrics, c.InBodyVoxels, c.LeakVoxels)).ToList();
        writer.WriteMasks(hu, id, measured, vertebrae);
        var masked = sw.Elapsed.TotalSeconds;
        writer.Report?.AddSeries(id, description, hu, measured, vertebrae);
        detail(string.Create(CultureInfo.InvariantCulture, $"  series {id.SeriesKey}: load {loaded:0.00} s, vertebrae {result.VertebraeSeconds:0.00} s, cement {result.CementSeconds:0.00} s, masks {masked - cemented:0.00} s, report pictures {sw.Elapsed.TotalSeconds - masked:0.00} s"));
        return new SeriesOutcome
        {
            Identity = id, Kind = kind, Description = description, Status = SeriesStatus.Ok,
            Reason = measured.Count == 0 ? "no vertebral body found" : "",
            Files = files, Vertebrae = [.. cement.Select(c => c.Metrics)], Notes = [.. notes, .. result.Notes], Seconds = sw.Elapsed.TotalSeconds,
        };
    }
}

using System.Globalization;
using System.Text;

namespace CementQuant.Reporting.Report;

/// <summary>
/// The QA report of a run: <c>report.html</c> in the output folder and its pictures in <c>report/</c> beside
/// it. <see cref="AddSeries"/> draws a series' pictures at once (so its volume can be released afterwards)
/// and may be called from several threads; <see cref="Write"/> writes the page for every series added.
/// Picture names are built from the series key and the vertebra label only, never from DICOM text.
/// </summary>
public sealed class QaReport
{
    private readonly string _outputFolder;
    private readonly Lock _lock = new();
    private readonly List<ReportSeries> _series = [];
    private readonly HashSet<string> _stems = new(StringComparer.Ordinal);

    public QaReport(string outputFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        _outputFolder = Path.GetFullPath(outputFolder);
    }

    /// <summary>Contact tolerance used to shade the endplate contact maps (the cement stage's, default 1.0 mm).</summary>
    public double ContactToleranceMm { get; init; } = 1.0;

    public string HtmlPath => Path.Combine(_outputFolder, "report.html");
    public string PictureFolder => Path.Combine(_outputFolder, PictureFolderName);
    internal const string PictureFolderName = "report";

    /// <summary>
    /// Draws the pictures of one CT series into <see cref="PictureFolder"/>: per vertebra three slices, two
    /// projections and the endplate contact map (a compact panel of two slices for a body with no cement and no flag,
    /// <see cref="IsCompact"/>); per series a chart. Vertebrae are drawn in parallel. <paramref name="vertebrae"/> are matched
    /// to <paramref name="rois"/> by label (then by position).
    /// </summary>
    public void AddSeries(SeriesIdentity id, string description, Volume<short> hu, IReadOnlyList<VertebraRoi> rois, IReadOnlyList<ReportVertebra> vertebrae)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(hu);
        ArgumentNullException.ThrowIfNull(rois);
        ArgumentNullException.ThrowIfNull(vertebrae);
        Directory.CreateDirectory(PictureFolder);
        var seriesStem = Reserve(Safe(id.SeriesKey));
        // Names are reserved in order (so they do not depend on scheduling); the vertebrae's pictures are then drawn in
        // parallel (CPU only) and written here one by one in the same order as before, so a full disk or a kill leaves
        // the same files, and an I/O error reaches the caller as itself, not wrapped in an AggregateException.
        var stems = vertebrae.Select(v => Reserve($"{seriesStem}_{Safe(v.Metrics.Vertebra)}")).ToArray();
        var drawn = new (VertebraRoi? Roi, RenderedPicture[] Pictures)[vertebrae.Count];
        Parallel.For(0, vertebrae.Count, i =>
        {
            var v = vertebrae[i];
            var roi = rois.FirstOrDefault(r => r.Label == v.Metrics.Vertebra) ?? (i < rois.Count ? rois[i] : null);
            drawn[i] = (roi, roi is null ? [] : [.. Draw(new VertebraScene(hu, roi, v), v.Metrics.Vertebra, IsCompact(v.Metrics))]);
        });
        var entries = new List<ReportEntry>();
        for (var i = 0; i < vertebrae.Count; i++)
        {
            var (roi, drawnPictures) = drawn[i];
            var pictures = new List<ReportPicture>();
            foreach (var p in drawnPictures)
            {
                var file = $"{stems[i]}_{p.Kind}.png";
                AtomicFile.Write(Path.Combine(PictureFolder, file), s => s.Write(p.Png));
                pictures.Add(new ReportPicture($"{PictureFolderName}/{file}", p.Title, p.Caption));
            }
            entries.Add(new ReportEntry(vertebrae[i].Metrics, stems[i], pictures, roi?.Confidence, roi?.Qc ?? []));
        }
        string? chart = null;
        if (vertebrae.Count > 0)
        {
            var file = $"{seriesStem}_chart.png";
            var png = SeriesChart.Render([.. vertebrae.Select(v => v.Metrics)]);
            AtomicFile.Write(Path.Combine(PictureFolder, file), s => s.Write(png));
            chart = $"{PictureFolderName}/{file}";
        }
        lock (_lock) _series.Add(new ReportSeries(id, description, entries, chart));
    }

    /// <summary>
    /// Draws the pictures of one radiograph series into <see cref="PictureFolder"/>: per image the whole image with
    /// every measured body outlined, and a close-up of each body. Pictures are named by the series and image keys and
    /// the row's label, so a resumed run finds them again (<see cref="Restore"/>).
    /// </summary>
    public void AddRadiographSeries(SeriesIdentity id, string description, IReadOnlyList<ReportRadiograph> images)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(images);
        Directory.CreateDirectory(PictureFolder);
        var seriesStem = Reserve(Safe(id.SeriesKey));
        var entries = new List<RadiographEntry>();
        foreach (var x in images)
        {
            var stem = Reserve($"{seriesStem}_{Safe(x.Result.ImageKey)}");
            var title = $"{ViewName(x.Result.View)} · image {Short(x.Result.ImageKey)}";
            var pictures = new List<ReportPicture>();
            foreach (var p in RadiographPictures.All(x.Image, x.Result, x.Overlays, title, m => $"{m.Vertebra} · {ViewName(x.Result.View)}").Select(r => r.Picture))
            {
                var file = $"{stem}_{p.Kind}.png";
                AtomicFile.Write(Path.Combine(PictureFolder, file), s => s.Write(p.Png));
                pictures.Add(new ReportPicture($"{PictureFolderName}/{file}", p.Title, p.Caption));
            }
            entries.Add(new RadiographEntry(x.Result, stem, pictures));
        }
        lock (_lock) _series.Add(new ReportSeries(id, description, [], null) { Radiographs = entries });
    }

    internal static string ViewName(string view) => view switch
    {
        "AP" => "AP radiograph",
        "PA" => "PA radiograph",
        "LAT" => "Lateral radiograph",
        _ => "Radiograph (view unknown)",
    };

    private static string Short(string key) => key.Length > 8 ? key[..8] : key;

    /// <summary>
    /// What the report holds for one series beyond its results: picture files, titles and captions, the chart, the
    /// ROI confidence and QC codes. Saved with the series for --resume (<see cref="Restore"/>), so a resumed run
    /// writes the same report.html as an uninterrupted one. Null when the series is not in the report.
    /// </summary>
    public SavedReport Saved(string seriesKey)
    {
        lock (_lock)
        {
            var s = _series.FirstOrDefault(x => x.Id.SeriesKey == seriesKey);
            return s is null ? SavedReport.NotListed : new SavedReport(
                [.. s.Vertebrae.Select(e => new SavedReport.Entry(e.Anchor, [.. e.Pictures.Select(Save)], e.RoiConfidence, e.RoiQc))],
                s.Chart,
                [.. s.Radiographs.Select(e => new SavedReport.Entry(e.Anchor, [.. e.Pictures.Select(Save)], null, []))]);
        }

        static SavedReport.Picture Save(ReportPicture p) => new(p.Src, p.Title, p.Caption);
    }

    /// <summary>
    /// Whether <see cref="Restore"/> can list a series of an earlier run exactly as that run drew it: its saved entries
    /// fit its results and every picture file is still there. When not, the series must be analysed again.
    /// </summary>
    public bool CanRestore(IReadOnlyList<VertebraMetrics> vertebrae, IReadOnlyList<AnalysedRadiograph> radiographs, SavedReport? saved)
    {
        ArgumentNullException.ThrowIfNull(vertebrae);
        ArgumentNullException.ThrowIfNull(radiographs);
        if (saved is null) return false;
        if (!saved.Listed) return true;
        if (saved.Vertebrae.Count != vertebrae.Count || saved.Radiographs.Count != radiographs.Count) return false;
        var files = saved.Vertebrae.Concat(saved.Radiographs).SelectMany(e => e.Pictures).Select(p => p.Src).Append(saved.Chart).OfType<string>();
        return files.All(f => IsOwnPicture(f) && File.Exists(Path.Combine(_outputFolder, f)));
    }

    /// <summary>Lists a series of an earlier run (--resume) exactly as that run drew it (after <see cref="CanRestore"/>).</summary>
    public void Restore(SeriesIdentity id, string description, IReadOnlyList<VertebraMetrics> vertebrae, IReadOnlyList<AnalysedRadiograph> radiographs, SavedReport saved)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!CanRestore(vertebrae, radiographs, saved)) throw new InvalidOperationException($"series {id.SeriesKey}: the saved report entries do not fit its results");
        if (!saved.Listed) return;
        lock (_lock)
        {
            foreach (var e in saved.Vertebrae.Concat(saved.Radiographs)) _stems.Add(e.Anchor);
            _stems.Add(Safe(id.SeriesKey));
            _series.Add(new ReportSeries(id, description,
                [.. vertebrae.Zip(saved.Vertebrae, (m, e) => new ReportEntry(m, e.Anchor, [.. e.Pictures.Select(Load)], e.RoiConfidence, e.RoiQc))], saved.Chart)
            {
                Radiographs = [.. radiographs.Zip(saved.Radiographs, (x, e) => new RadiographEntry(x, e.Anchor, [.. e.Pictures.Select(Load)]))],
            });
        }

        static ReportPicture Load(SavedReport.Picture p) => new(p.Src, p.Title, p.Caption);
    }

    /// <summary>A saved picture reference names a plain file in the picture folder (a damaged or edited state file cannot point elsewhere).</summary>
    private static bool IsOwnPicture(string src)
    {
        if (!src.StartsWith(PictureFolderName + "/", StringComparison.Ordinal) || !src.EndsWith(".png", StringComparison.Ordinal)) return false;
        var name = src[(PictureFolderName.Length + 1)..^4];
        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
    }

    /// <summary>Writes <c>report.html</c> for every series added so far; returns its path.</summary>
    public string Write()
    {
        Directory.CreateDirectory(_outputFolder);
        AtomicFile.WriteAllText(HtmlPath, Html());
        return HtmlPath;
    }

    /// <summary>The text of <c>report.html</c> for every series added so far, with the run's series that were not analysed and its problem count.</summary>
    public string Html(IReadOnlyList<NotAnalysedSeries>? notAnalysed = null, int problems = 0)
    {
        List<ReportSeries> series;
        lock (_lock)
            series = [.. _series.OrderBy(s => s.Id.StudyKey, StringComparer.Ordinal).ThenBy(s => s.Id.SeriesKey, StringComparer.Ordinal)];
        return ReportHtml.Build(series, ContactToleranceMm, notAnalysed, problems);
    }

    /// <summary>
    /// A body with no cement (in it or leaked) and no flag gets a compact panel: the axial and sagittal slices, enough to
    /// check its outline and endplates. The coronal slice, the cement projections and the contact map would show no
    /// cement at all; they are drawn for every cemented or flagged body.
    /// </summary>
    internal static bool IsCompact(VertebraMetrics m) => m.CementVolumeMl == 0 && m.LeakageVolumeMl == 0 && m.Flags.Count == 0;

    private IEnumerable<RenderedPicture> Draw(VertebraScene scene, string label, bool compact)
    {
        yield return SlicePictures.Slice(scene, SlicePictures.View.Axial, label);
        if (compact)
        {
            yield return SlicePictures.Slice(scene, SlicePictures.View.Sagittal, label);
            yield break;
        }
        yield return SlicePictures.Slice(scene, SlicePictures.View.Coronal, label);
        yield return SlicePictures.Slice(scene, SlicePictures.View.Sagittal, label);
        yield return SlicePictures.Projection(scene, lateral: false, label);
        yield return SlicePictures.Projection(scene, lateral: true, label);
        yield return ContactMap.Render(scene, label, ContactToleranceMm);
    }

    private string Reserve(string stem)
    {
        lock (_lock)
        {
            var s = stem;
            for (var n = 2; !_stems.Add(s); n++) s = string.Create(CultureInfo.InvariantCulture, $"{stem}-{n}");
            return s;
        }
    }

    /// <summary>A file-name-safe form of a key or label: ASCII letters, digits and '-' kept, anything else '_'.</summary>
    public static string Safe(string text)
    {
        var sb = new StringBuilder(Math.Min(text.Length, 48));
        foreach (var c in text.Take(48)) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_');
        return sb.Length == 0 ? "x" : sb.ToString();
    }
}

/// <summary>One series' report entries as saved for --resume (<see cref="QaReport.Saved"/>).</summary>
public sealed record SavedReport(IReadOnlyList<SavedReport.Entry> Vertebrae, string? Chart, IReadOnlyList<SavedReport.Entry> Radiographs, bool Listed = true)
{
    /// <summary>The report was written, and this series was not in it (a failed series).</summary>
    public static SavedReport NotListed { get; } = new([], null, [], Listed: false);

    public sealed record Picture(string Src, string Title, string Caption);
    public sealed record Entry(string Anchor, IReadOnlyList<Picture> Pictures, double? RoiConfidence, IReadOnlyList<string> RoiQc);
}

internal sealed record ReportPicture(string Src, string Title, string Caption);
internal sealed record ReportEntry(VertebraMetrics Metrics, string Anchor, IReadOnlyList<ReportPicture> Pictures, double? RoiConfidence, IReadOnlyList<string> RoiQc);
internal sealed record RadiographEntry(AnalysedRadiograph Result, string Anchor, IReadOnlyList<ReportPicture> Pictures);
internal sealed record ReportSeries(SeriesIdentity Id, string Description, IReadOnlyList<ReportEntry> Vertebrae, string? Chart)
{
    public IReadOnlyList<RadiographEntry> Radiographs { get; init; } = [];
}

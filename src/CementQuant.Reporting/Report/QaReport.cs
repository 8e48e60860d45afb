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
    /// projections and the endplate contact map; per series a chart. <paramref name="vertebrae"/> are matched
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
        var entries = new List<ReportEntry>();
        for (var i = 0; i < vertebrae.Count; i++)
        {
            var v = vertebrae[i];
            var roi = rois.FirstOrDefault(r => r.Label == v.Metrics.Vertebra) ?? (i < rois.Count ? rois[i] : null);
            var stem = Reserve($"{seriesStem}_{Safe(v.Metrics.Vertebra)}");
            var pictures = new List<ReportPicture>();
            if (roi is not null)
            {
                var scene = new VertebraScene(hu, roi, v);
                foreach (var p in Draw(scene, v.Metrics.Vertebra))
                {
                    var file = $"{stem}_{p.Kind}.png";
                    AtomicFile.Write(Path.Combine(PictureFolder, file), s => s.Write(p.Png));
                    pictures.Add(new ReportPicture($"{PictureFolderName}/{file}", p.Title, p.Caption));
                }
            }
            entries.Add(new ReportEntry(v.Metrics, stem, pictures, roi?.Confidence, roi?.Qc ?? []));
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
    /// the row's label, so a resumed run finds them again (<see cref="AddRadiographsWithoutPictures"/>).
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

    /// <summary>Lists a radiograph series from an earlier run (--resume) with the pictures that run drew, where they still exist.</summary>
    public void AddRadiographsWithoutPictures(SeriesIdentity id, string description, IReadOnlyList<AnalysedRadiograph> images)
    {
        var seriesStem = Reserve(Safe(id.SeriesKey));
        var entries = new List<RadiographEntry>();
        foreach (var x in images)
        {
            var stem = Reserve($"{seriesStem}_{Safe(x.ImageKey)}");
            var kinds = new[] { ("whole", $"{ViewName(x.View)} · image {Short(x.ImageKey)}") }.Concat(x.Rows.Select(r => (Safe(r.Vertebra), $"{r.Vertebra} · {ViewName(x.View)}")));
            var pictures = kinds.Where(k => File.Exists(Path.Combine(PictureFolder, $"{stem}_{k.Item1}.png")))
                .Select(k => new ReportPicture($"{PictureFolderName}/{stem}_{k.Item1}.png", k.Item2, "drawn by an earlier run")).ToList();
            entries.Add(new RadiographEntry(x, stem, pictures));
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
    /// Lists a series whose results come from an earlier run (--resume) without drawing it again: its rows
    /// appear in the summary and panels; its pictures are the ones the earlier run left in the picture folder.
    /// </summary>
    public void AddWithoutPictures(SeriesIdentity id, string description, IReadOnlyList<VertebraMetrics> vertebrae)
    {
        var seriesStem = Reserve(Safe(id.SeriesKey));
        var entries = vertebrae.Select(m => new ReportEntry(m, Reserve($"{seriesStem}_{Safe(m.Vertebra)}"), [], null, [])).ToList();
        lock (_lock) _series.Add(new ReportSeries(id, description, entries, null));
    }

    /// <summary>Writes <c>report.html</c> for every series added so far; returns its path.</summary>
    public string Write()
    {
        List<ReportSeries> series;
        lock (_lock)
            series = [.. _series.OrderBy(s => s.Id.StudyKey, StringComparer.Ordinal).ThenBy(s => s.Id.SeriesKey, StringComparer.Ordinal)];
        Directory.CreateDirectory(_outputFolder);
        AtomicFile.WriteAllText(HtmlPath, ReportHtml.Build(series, ContactToleranceMm));
        return HtmlPath;
    }

    private IEnumerable<RenderedPicture> Draw(VertebraScene scene, string label)
    {
        yield return SlicePictures.Slice(scene, SlicePictures.View.Axial, label);
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
    internal static string Safe(string text)
    {
        var sb = new StringBuilder(Math.Min(text.Length, 48));
        foreach (var c in text.Take(48)) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_');
        return sb.Length == 0 ? "x" : sb.ToString();
    }
}

internal sealed record ReportPicture(string Src, string Title, string Caption);
internal sealed record ReportEntry(VertebraMetrics Metrics, string Anchor, IReadOnlyList<ReportPicture> Pictures, double? RoiConfidence, IReadOnlyList<string> RoiQc);
internal sealed record RadiographEntry(AnalysedRadiograph Result, string Anchor, IReadOnlyList<ReportPicture> Pictures);
internal sealed record ReportSeries(SeriesIdentity Id, string Description, IReadOnlyList<ReportEntry> Vertebrae, string? Chart)
{
    public IReadOnlyList<RadiographEntry> Radiographs { get; init; } = [];
}

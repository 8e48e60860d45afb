using System.Text.RegularExpressions;
using CementQuant.Analysis.Radiograph;
using CementQuant.Phantom;
using CementQuant.Reporting.Report;
using SkiaSharp;

namespace CementQuant.Reporting.Tests;

/// <summary>
/// The worked-example phantom's AP and lateral radiographs at 0.5 mm (coarse, so they render in seconds), as the
/// loader would type them, stored as rendered and mirrored left-right; analysed once.
/// </summary>
public sealed class RadiographPairFixture
{
    public RadiographPairFixture()
    {
        var c = PhantomCatalogue.Get("worked-example", PhantomSize.Small);
        c = c with { Radiograph = c.Radiograph with { PixelSpacing = 0.5 } };
        Ap = RadiographRenderer.Render(c, View.AP, 1);
        Lat = RadiographRenderer.Render(c, View.Lateral, 1);
        var analyzer = new RadiographAnalyzer();
        var pair = analyzer.AnalyzePair(Image(Ap, mirrored: false), Image(Lat, mirrored: false));
        (ApResult, LatResult) = (pair.Frontal!, pair.Lateral!);
        MirroredApResult = analyzer.Analyze(Image(Ap, mirrored: true));
    }

    public RenderedRadiograph Ap { get; }
    public RenderedRadiograph Lat { get; }
    public RadiographResult ApResult { get; }
    public RadiographResult LatResult { get; }
    public RadiographResult MirroredApResult { get; }

    /// <summary>A rendered view typed as <see cref="Dicom.Series.RadiographLoader"/> would type the DX file the phantom writes (MONOCHROME2, PatientOrientation).</summary>
    public static RadiographImage Image(RenderedRadiograph r, bool mirrored)
    {
        int w = r.Image.Width, h = r.Image.Height;
        var px = new float[w * h];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++) px[y * w + x] = r.Image[mirrored ? w - 1 - x : x, y];
        var first = r.View == View.AP ? PatientDirection.Left : PatientDirection.Posterior;
        var opposite = r.View == View.AP ? PatientDirection.Right : PatientDirection.Anterior;
        return new RadiographImage
        {
            Pixels = new Image2D<float>(w, h, r.Image.RowSpacing, r.Image.ColumnSpacing, px),
            View = r.View == View.AP ? RadiographView.AP : RadiographView.Lateral,
            ColumnDirection = mirrored ? opposite : first, RowDirection = PatientDirection.Feet,
            Modality = "DX", BitsStored = 12, SpacingSource = "ImagerPixelSpacing",
        };
    }

    public static AnalysedRadiograph Analysed(string key, RadiographResult r) =>
        new(key, r.View == RadiographView.Lateral ? "LAT" : "AP", r.Vertebrae, r.Notes);
}

/// <summary>Radiographs in the QA report: pictures shown in the radiological convention whatever the storage, rows in the summary with their flags, filters.</summary>
public sealed partial class RadiographReportTests(RadiographPairFixture fx) : IClassFixture<RadiographPairFixture>
{
    [Fact]
    public void AddRadiographSeries_WorkedExamplePair_LoadsInChromiumWithRowsFlagsAndFilters()
    {
        var dir = Directory.CreateTempSubdirectory("cq-xr-report-");
        try
        {
            var report = new QaReport(dir.FullName);
            var ap = RadiographPairFixture.Analysed("00aa11bb22cc33dd", fx.ApResult);
            var lat = RadiographPairFixture.Analysed("44ee55ff66007711", fx.LatResult);
            report.AddRadiographSeries(new SeriesIdentity("5d1c0ffee0a1b2c3", "1111111111111111"), "radiograph ×1 (AP)",
                [new ReportRadiograph(ap, RadiographPairFixture.Image(fx.Ap, false), fx.ApResult.Overlays)]);
            report.AddRadiographSeries(new SeriesIdentity("5d1c0ffee0a1b2c3", "2222222222222222"), "radiograph ×1 (LAT)",
                [new ReportRadiograph(lat, RadiographPairFixture.Image(fx.Lat, false), fx.LatResult.Overlays)]);
            var html = report.Write();
            var text = File.ReadAllText(html);

            var rows = fx.ApResult.Vertebrae.Count + fx.LatResult.Vertebrae.Count;
            Assert.True(fx.ApResult.Vertebrae.Count > 0 && fx.LatResult.Vertebrae.Count > 0, "no cemented body found on a view");
            var sources = ImgSrc().Matches(text).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(2 + rows, sources.Count); // per image the whole picture, per row a close-up
            foreach (var src in sources)
                Assert.True(PictureStats.NotBlank(Path.Combine(dir.FullName, src)), $"blank picture {src}");

            var chromium = Chromium.Run("--virtual-time-budget=5000", "--dump-dom", new Uri(html).AbsoluteUri);
            Assert.Equal(0, chromium.ExitCode);
            var dom = chromium.Stdout;
            Assert.Contains("data-report-ready=\"true\"", dom, StringComparison.Ordinal);
            Assert.Contains("data-broken-images=\"0\"", dom, StringComparison.Ordinal);

            // Every row in the summary with its view and flags; each image's panel carries its rows' flags.
            foreach (var (x, anchorKey) in new[] { (ap, ap.ImageKey), (lat, lat.ImageKey) })
            {
                foreach (var m in x.Rows)
                {
                    var row = Regex.Match(dom, $"<tr data-flags=\"([^\"]*)\"[^>]*>(?:(?!</tr>).)*?<td>{m.View}</td><td[^>]*><a href=\"#r-[^\"]*{anchorKey}\">{m.Vertebra}</a>", RegexOptions.Singleline);
                    Assert.True(row.Success, $"no summary row for {m.View} {m.Vertebra}");
                    Assert.Equal(string.Join(' ', m.Flags), row.Groups[1].Value);
                }
                var panel = Regex.Match(dom, $"<section class=\"panel\" id=\"r-[^\"]*{anchorKey}\" data-flags=\"([^\"]*)\"", RegexOptions.Singleline);
                Assert.True(panel.Success, $"no panel for image {anchorKey}");
                Assert.Equal(string.Join(' ', x.Rows.SelectMany(m => m.Flags).Distinct()), panel.Groups[1].Value);
            }

            // The NPEC filter (the lateral view's flag) hides the AP panel and keeps the lateral one.
            Assert.Contains("NPEC", lat.Rows.SelectMany(m => m.Flags));
            Assert.DoesNotContain("NPEC", ap.Rows.SelectMany(m => m.Flags));
            var filtered = Chromium.Run("--virtual-time-budget=5000", "--dump-dom", new Uri(html).AbsoluteUri + "#filter=NPEC").Stdout;
            Assert.Matches($"<section class=\"panel\" id=\"r-[^\"]*{ap.ImageKey}\"[^>]*hidden", filtered);
            Assert.DoesNotMatch($"<section class=\"panel\" id=\"r-[^\"]*{lat.ImageKey}\"[^>]*hidden", filtered);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Overview_ApStoredOrMirrored_SamePictureWithLeftCementOnViewersRightOfMidline()
    {
        var plain = RadiographPictures.Overview(RadiographPairFixture.Image(fx.Ap, false), RadiographPairFixture.Analysed("a", fx.ApResult), fx.ApResult.Overlays, "AP");
        var mirrored = RadiographPictures.Overview(RadiographPairFixture.Image(fx.Ap, true), RadiographPairFixture.Analysed("b", fx.MirroredApResult), fx.MirroredApResult.Overlays, "AP");
        var a = CementCentroid(plain);
        var b = CementCentroid(mirrored);
        Assert.True(a.Count > 50, $"{a.Count} cement-coloured pixels");
        Assert.True(Math.Abs(a.Count - b.Count) <= 0.05 * a.Count && Math.Abs(a.X - b.X) <= 1 && Math.Abs(a.Y - b.Y) <= 1,
            $"mirrored storage drew the cement at ({b.X:0.0}, {b.Y:0.0}) ×{b.Count}, as stored at ({a.X:0.0}, {a.Y:0.0}) ×{a.Count}");

        // The worked example's cement is all on the patient's left: right of the drawn midline on the picture.
        var mid = fx.ApResult.Overlays[0].Midline.Select(plain.ToCanvas).ToList();
        Assert.Equal(2, mid.Count);
        Assert.True(a.X > (mid[0].X + mid[1].X) / 2 + 2 / plain.PixelMm, $"cement centroid x {a.X:0.0}, midline x {(mid[0].X + mid[1].X) / 2:0.0}");

        // And where the renderer put it: the lump lies on the patient's left of L3's projected body centre, level with it.
        var truth = fx.Ap.Truth.Single(t => t.CementAreaMm2 > 0);
        var body = plain.ToCanvas(new PixelPoint(truth.ImageRow, truth.ImageCol));
        Assert.True(a.X > body.X && Math.Abs(a.Y - body.Y) * plain.PixelMm < 10, $"cement ({a.X:0.0}, {a.Y:0.0}) vs body centre ({body.X:0.0}, {body.Y:0.0})");
    }

    [Fact]
    public void Pictures_ScaleBar_LengthMatchesDisplayPixelSize()
    {
        var image = RadiographPairFixture.Image(fx.Lat, false);
        var x = RadiographPairFixture.Analysed("c", fx.LatResult);
        foreach (var pic in new[] { RadiographPictures.Overview(image, x, fx.LatResult.Overlays, "LAT"), RadiographPictures.Detail(image, x, fx.LatResult.Overlays, 0, "LAT") })
        {
            var p = pic.Picture;
            using var bmp = SKBitmap.Decode(p.Png);
            var best = PictureStats.WhiteRun(bmp, p.ScaleBarRow);
            Assert.Equal(p.ScaleBarPx, best);
            Assert.True(Math.Abs(best * pic.PixelMm - p.ScaleBarMm) <= pic.PixelMm / 2, $"{p.Kind}: {best} px × {pic.PixelMm} mm ≠ {p.ScaleBarMm} mm");
            // The display size is real: the whole image spans its width in mm.
            if (p.Kind == "whole") Assert.Equal(fx.Lat.Image.Width * fx.Lat.Image.ColumnSpacing, pic.Width * pic.PixelMm, pic.PixelMm);
        }
    }

    private static (int Count, double X, double Y) CementCentroid(RadiographPicture pic)
    {
        using var bmp = SKBitmap.Decode(pic.Picture.Png);
        int n = 0; double sx = 0, sy = 0;
        for (var y = pic.OffsetY; y < pic.OffsetY + pic.Height; y++)
            for (var x = pic.OffsetX; x < pic.OffsetX + pic.Width; x++)
                if (PictureTests.IsCementColour(bmp.GetPixel(x, y))) { n++; sx += x; sy += y; }
        return (n, n == 0 ? 0 : sx / n, n == 0 ? 0 : sy / n);
    }

    // Picture files (the first page's charts are inline data: URIs, not files).
    [GeneratedRegex("<img src=\"(?!data:)([^\"]+)\"")]
    private static partial Regex ImgSrc();
}

using CementQuant.Phantom;
using CementQuant.Reporting.Report;
using SkiaSharp;

namespace CementQuant.Reporting.Tests;

/// <summary>
/// Pixel tests on the drawn pictures: the cement overlay lands on the cement voxels and on the viewer's right
/// for cement on the patient's left (radiological convention), whatever orientation the series was stored
/// in; scale bars are as long as they say; the body is as wide on the picture as it is in the phantom.
/// </summary>
public sealed class PictureTests(WorkedExampleFixture fixture) : IClassFixture<WorkedExampleFixture>
{
    [Fact]
    public void Axial_WorkedExampleLeftLump_OverlayOnCementVoxelsOnViewersRight()
    {
        var s = fixture.Series;
        var roi = s.Roi("L3"); var v = s.Vertebra("L3");
        var scene = new VertebraScene(s.Ct.Hu, roi, v);
        var pic = SlicePictures.Slice(scene, SlicePictures.View.Axial, "L3");
        var plane = pic.Plane!;
        var cement = v.InBodyVoxels.ToHashSet();
        using var bmp = SKBitmap.Decode(pic.Png);

        long orange = 0, orangeOnCement = 0, onCement = 0, onCementOrange = 0;
        double sumCol = 0, sumRow = 0;
        for (var row = plane.OffsetY; row < plane.OffsetY + plane.Height; row++)
            for (var col = plane.OffsetX; col < plane.OffsetX + plane.Width; col++)
            {
                var isOrange = IsCementColour(bmp.GetPixel(col, row));
                var (i, j, k) = scene.ToVoxel(plane.ToPatient(col, row));
                var idx = s.Ct.Hu.IndexOf((int)Math.Round(i), (int)Math.Round(j), (int)Math.Round(k));
                var isCement = cement.Contains(idx);
                if (isOrange) { orange++; sumCol += col; sumRow += row; if (isCement) orangeOnCement++; }
                if (isCement) { onCement++; if (isOrange) onCementOrange++; }
            }
        Assert.True(orange > 2000, $"only {orange} cement-coloured pixels");
        Assert.True(orangeOnCement >= 0.93 * orange, $"{orangeOnCement} of {orange} cement-coloured pixels are on cement voxels");
        Assert.True(onCementOrange >= 0.93 * onCement, $"{onCementOrange} of {onCement} pixels on cement voxels are cement-coloured");

        // Patient's left is the viewer's right: the lump (local u = +10.5 mm) lies right of the midline.
        var midCol = plane.ToPixel(roi.MidsagittalPoint).Col;
        var lump = s.Ct.Case.Model["L3"].Frame.ToPatient(10.5, -2, -1);
        var (lumpCol, lumpRow) = plane.ToPixel(lump);
        Assert.True(sumCol / orange > midCol + 8 / plane.PixelMm, $"cement centroid column {sumCol / orange:0} vs midline {midCol:0}");
        Assert.True(lumpCol > midCol + 8 / plane.PixelMm);
        Assert.True(Math.Abs(sumCol / orange - lumpCol) * plane.PixelMm < 1.5, $"cement centroid {sumCol / orange:0} vs true lump centre {lumpCol:0}");
        Assert.True(Math.Abs(sumRow / orange - lumpRow) * plane.PixelMm < 1.5, $"cement centroid row {sumRow / orange:0} vs true lump centre {lumpRow:0}");
    }

    public static TheoryData<string> StoredOrientations() => ["mirrored-rows", "feet-first-prone"];

    [Theory]
    [MemberData(nameof(StoredOrientations))]
    public void Slices_StoredOrientation_SameOverlayAsHeadFirstSupine(string phantom)
    {
        var reference = ReferenceTruthSeries.Value;
        var other = new PhantomSeries(phantom, analyze: false);
        foreach (var view in new[] { SlicePictures.View.Axial, SlicePictures.View.Coronal, SlicePictures.View.Sagittal })
        {
            var a = Overlay(reference, view);
            var b = Overlay(other, view);
            Assert.True(a.Count > 1000, $"{view}: {a.Count} cement pixels");
            Assert.True(Math.Abs(a.Count - b.Count) <= 0.03 * a.Count, $"{view}: {a.Count} vs {b.Count} cement pixels");
            Assert.True(Math.Abs(a.Col - b.Col) <= 1.5 && Math.Abs(a.Row - b.Row) <= 1.5, $"{view}: cement centroid ({a.Col:0.0}, {a.Row:0.0}) vs ({b.Col:0.0}, {b.Row:0.0})");
        }
    }

    private static readonly Lazy<PhantomSeries> ReferenceTruthSeries = new(() => new PhantomSeries("worked-example", analyze: false));

    private static (long Count, double Col, double Row) Overlay(PhantomSeries s, SlicePictures.View view)
    {
        var scene = new VertebraScene(s.Ct.Hu, s.Roi("L3"), s.Vertebra("L3"));
        var pic = SlicePictures.Slice(scene, view, "L3");
        using var bmp = SKBitmap.Decode(pic.Png);
        var p = pic.Plane!;
        long n = 0; double sc = 0, sr = 0;
        for (var row = p.OffsetY; row < p.OffsetY + p.Height; row++)
            for (var col = p.OffsetX; col < p.OffsetX + p.Width; col++)
                if (IsCementColour(bmp.GetPixel(col, row))) { n++; sc += col; sr += row; }
        return (n, n == 0 ? 0 : sc / n, n == 0 ? 0 : sr / n);
    }

    [Fact]
    public void ScaleBar_EveryPicture_LengthMatchesPixelSpacing()
    {
        var s = fixture.Series;
        var scene = new VertebraScene(s.Ct.Hu, s.Roi("L3"), s.Vertebra("L3"));
        RenderedPicture[] pictures =
        [
            SlicePictures.Slice(scene, SlicePictures.View.Axial, "L3"), SlicePictures.Slice(scene, SlicePictures.View.Coronal, "L3"),
            SlicePictures.Slice(scene, SlicePictures.View.Sagittal, "L3"), SlicePictures.Projection(scene, false, "L3"),
            SlicePictures.Projection(scene, true, "L3"), ContactMap.Render(scene, "L3", 1.0),
        ];
        foreach (var pic in pictures)
        {
            using var bmp = SKBitmap.Decode(pic.Png);
            var best = PictureStats.WhiteRun(bmp, pic.ScaleBarRow);
            Assert.True(best == pic.ScaleBarPx, $"{pic.Kind}: bar drawn {best} px, meant {pic.ScaleBarPx} px");
            var pixelMm = pic.Plane?.PixelMm ?? 0.2;
            Assert.True(Math.Abs(best * pixelMm - pic.ScaleBarMm) <= pixelMm / 2, $"{pic.Kind}: {best} px × {pixelMm} mm ≠ {pic.ScaleBarMm} mm");
            if (pic.Plane is { } p)
                Assert.Equal(pic.ScaleBarMm, (p.ToPatient(p.OffsetX + best, p.OffsetY) - p.ToPatient(p.OffsetX, p.OffsetY)).Length, 0.5 * pixelMm);
        }

        // The pixel spacing is real: the body's outline on the axial slice is as wide as the phantom's body.
        var axial = pictures[0];
        using var a = SKBitmap.Decode(axial.Png);
        int minCol = int.MaxValue, maxCol = -1;
        var pl = axial.Plane!;
        for (var row = pl.OffsetY; row < pl.OffsetY + pl.Height; row++)
            for (var col = pl.OffsetX; col < pl.OffsetX + pl.Width; col++)
            {
                var c = a.GetPixel(col, row);
                if (c.Red > 240 && c.Green > 200 && c.Blue < 60) { minCol = Math.Min(minCol, col); maxCol = Math.Max(maxCol, col); }
            }
        var widthMm = (maxCol - minCol) * pl.PixelMm;
        var trueWidth = 2 * s.Ct.Case.Model["L3"].HalfWidth;
        Assert.True(Math.Abs(widthMm - trueWidth) <= 2, $"body outline {widthMm:0.0} mm wide, phantom body {trueWidth:0.0} mm");
    }

    /// <summary>The cement overlay's colour (orange over grey, or its solid outline), told apart from the yellow
    /// body outline, the magenta leak, the blue/green endplates and the cyan midline.</summary>
    internal static bool IsCementColour(SKColor c) => c.Red - c.Blue > 90 && c.Red - c.Green > 40 && c.Blue < 200;
}

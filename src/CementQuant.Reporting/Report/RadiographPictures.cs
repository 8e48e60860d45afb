using System.Globalization;
using SkiaSharp;

namespace CementQuant.Reporting.Report;

/// <summary>
/// How a radiograph is shown: turned (never measured) by its PatientOrientation into the radiological convention, a
/// frontal view with the patient's left on the viewer's right and the head up, a lateral view with anterior on the
/// viewer's left and the head up. Without a usable PatientOrientation the image is shown as stored and no letters are
/// drawn. Display coordinates (u right, v down) are millimetres from the top-left corner of the turned image.
/// </summary>
internal sealed class RadiographDisplay
{
    private readonly bool _transpose, _flipU, _flipV;
    private readonly int _width;

    private RadiographDisplay(RadiographImage image)
    {
        var px = image.Pixels;
        _width = px.Width;
        var col = image.ColumnDirection; var row = image.RowDirection;
        _transpose = col is PatientDirection.Head or PatientDirection.Feet;
        var (cu, cv) = _transpose ? (row, col) : (col, row);
        var want = image.View == RadiographView.Lateral ? PatientDirection.Posterior : PatientDirection.Left;
        _flipU = cu == Opposite(want);
        _flipV = cv == PatientDirection.Head;
        (Nu, Nv) = _transpose ? (px.Height, px.Width) : (px.Width, px.Height);
        (Su, Sv) = _transpose ? (px.RowSpacing, px.ColumnSpacing) : (px.ColumnSpacing, px.RowSpacing);
        Right = Letter(_flipU ? Opposite(cu) : cu); Left = Letter(Opposite(_flipU ? Opposite(cu) : cu));
        Bottom = Letter(_flipV ? Opposite(cv) : cv); Top = Letter(Opposite(_flipV ? Opposite(cv) : cv));
        OrientationKnown = cu != PatientDirection.Unknown && cv != PatientDirection.Unknown;
    }

    public static RadiographDisplay Of(RadiographImage image) => new(image);

    /// <summary>Stored pixels along the display's u (right) and v (down) axes, and their sizes in mm.</summary>
    public int Nu { get; }
    public int Nv { get; }
    public double Su { get; }
    public double Sv { get; }
    public double WidthMm => Nu * Su;
    public double HeightMm => Nv * Sv;
    public double FinestMm => Math.Min(Su, Sv);

    /// <summary>Patient directions (DICOM letters) the edges of the shown image face; empty when not known.</summary>
    public string Left { get; }
    public string Right { get; }
    public string Top { get; }
    public string Bottom { get; }
    public bool OrientationKnown { get; }

    /// <summary>Display position (mm) of a stored pixel position (pixel centres at whole numbers).</summary>
    public (double U, double V) ToMm(PixelPoint p)
    {
        var (a, b) = _transpose ? (p.Row, p.Col) : (p.Col, p.Row);
        if (_flipU) a = Nu - 1 - a;
        if (_flipV) b = Nv - 1 - b;
        return ((a + 0.5) * Su, (b + 0.5) * Sv);
    }

    /// <summary>
    /// Grey ARGB pixels of the display window [u0, u0 + w·p) × [v0, v0 + h·p) from the stored display values
    /// (<see cref="RadiographImage.ToDisplay"/>): each output pixel the mean of the stored pixels it covers, or, when
    /// finer than the stored grid, interpolated bilinearly; black outside the image.
    /// </summary>
    public int[] Render(byte[] display, double u0, double v0, double p, int w, int h)
    {
        var argb = new int[w * h];
        var finer = p < FinestMm;
        var uRange = Ranges(u0, p, w, Su, Nu);
        var vRange = Ranges(v0, p, h, Sv, Nv);
        Parallel.For(0, h, j =>
        {
            for (var i = 0; i < w; i++)
                argb[j * w + i] = Palette.Grey(finer ? Bilinear(display, (u0 + (i + 0.5) * p) / Su - 0.5, (v0 + (j + 0.5) * p) / Sv - 0.5) : Mean(display, uRange[i], vRange[j]));
        });
        return argb;
    }

    /// <summary>The stored display value at display-grid position (a, b), both unflipped; pixel centres at whole numbers.</summary>
    private byte At(byte[] display, int a, int b)
    {
        if (_flipU) a = Nu - 1 - a;
        if (_flipV) b = Nv - 1 - b;
        return display[_transpose ? a * _width + b : b * _width + a];
    }

    private int Bilinear(byte[] display, double a, double b)
    {
        if (a < -0.5 || b < -0.5 || a > Nu - 0.5 || b > Nv - 0.5) return 0;
        a = Math.Clamp(a, 0, Nu - 1); b = Math.Clamp(b, 0, Nv - 1);
        int a0 = Math.Min((int)a, Math.Max(0, Nu - 2)), b0 = Math.Min((int)b, Math.Max(0, Nv - 2));
        int a1 = Math.Min(a0 + 1, Nu - 1), b1 = Math.Min(b0 + 1, Nv - 1);
        double ta = a - a0, tb = b - b0;
        var top = At(display, a0, b0) * (1 - ta) + At(display, a1, b0) * ta;
        var bottom = At(display, a0, b1) * (1 - ta) + At(display, a1, b1) * ta;
        return (int)Math.Round(top * (1 - tb) + bottom * tb);
    }

    private int Mean(byte[] display, (int A0, int A1) u, (int B0, int B1) v)
    {
        if (u.A1 < u.A0 || v.B1 < v.B0) return 0;
        long sum = 0; var n = 0;
        for (var b = v.B0; b <= v.B1; b++)
            for (var a = u.A0; a <= u.A1; a++, n++)
                sum += At(display, a, b);
        return (int)((sum + n / 2) / n);
    }

    /// <summary>Per output pixel, the range of display-grid indices (inclusive) it covers; empty outside the image.</summary>
    private static (int, int)[] Ranges(double origin, double p, int count, double spacing, int n)
    {
        var r = new (int, int)[count];
        for (var i = 0; i < count; i++)
        {
            double s = (origin + i * p) / spacing, e = (origin + (i + 1) * p) / spacing;
            var k0 = Math.Max(0, (int)Math.Floor(s)); var k1 = Math.Min(n - 1, Math.Max((int)Math.Floor(s), (int)Math.Ceiling(e) - 1));
            r[i] = (k0, k1);
        }
        return r;
    }

    private static PatientDirection Opposite(PatientDirection d) => d switch
    {
        PatientDirection.Left => PatientDirection.Right, PatientDirection.Right => PatientDirection.Left,
        PatientDirection.Anterior => PatientDirection.Posterior, PatientDirection.Posterior => PatientDirection.Anterior,
        PatientDirection.Head => PatientDirection.Feet, PatientDirection.Feet => PatientDirection.Head,
        _ => PatientDirection.Unknown,
    };

    private static string Letter(PatientDirection d) => d switch
    {
        PatientDirection.Left => "L", PatientDirection.Right => "R", PatientDirection.Anterior => "A",
        PatientDirection.Posterior => "P", PatientDirection.Head => "H", PatientDirection.Feet => "F",
        _ => "",
    };
}

/// <summary>A drawn radiograph picture and where its window of the display lies on it (for tests and overlays).</summary>
internal sealed record RadiographPicture(RenderedPicture Picture, RadiographDisplay Display, double U0, double V0, double PixelMm, int OffsetX, int OffsetY, int Width, int Height)
{
    /// <summary>Canvas position (pixel centres at +0.5) of a stored pixel position.</summary>
    public (float X, float Y) ToCanvas(PixelPoint p)
    {
        var (u, v) = Display.ToMm(p);
        return ((float)(OffsetX + (u - U0) / PixelMm), (float)(OffsetY + (v - V0) / PixelMm));
    }
}

/// <summary>
/// The pictures of one radiograph: the whole image, shown as the reader would see it (MONOCHROME1 already inverted by
/// the loader, VOI LUT or window applied), with every measured body's outline, its cement outlined and tinted, the
/// midline (frontal) or endplate lines (lateral), orientation letters and a scale bar; and per measured body a
/// close-up with the gaps written beside the endplates.
/// </summary>
internal static class RadiographPictures
{
    private const int OverviewPixels = 520, DetailPixels = 320;

    /// <summary>The whole image, then a close-up per row that has an overlay (the display values computed once).</summary>
    public static List<RadiographPicture> All(RadiographImage image, AnalysedRadiograph result, IReadOnlyList<RadiographOverlay> overlays, string title, Func<RadiographMetrics, string> detailTitle)
    {
        var display = image.ToDisplay();
        var pictures = new List<RadiographPicture> { Overview(image, result, overlays, title, display) };
        for (var k = 0; k < Math.Min(overlays.Count, result.Rows.Count); k++)
            pictures.Add(Detail(image, result, overlays, k, detailTitle(result.Rows[k]), display));
        return pictures;
    }

    public static RadiographPicture Overview(RadiographImage image, AnalysedRadiograph result, IReadOnlyList<RadiographOverlay> overlays, string title, byte[]? display = null)
    {
        var d = RadiographDisplay.Of(image);
        var p = Math.Max(d.WidthMm, d.HeightMm) / OverviewPixels;
        var caption = Invariant($"{Describe(image)}; {(d.OrientationKnown ? "" : "no PatientOrientation: shown as stored, sides unknown; ")}{result.Rows.Count} {(result.Rows.Count == 1 ? "body" : "bodies")} with cement measured");
        return Draw(display ?? image.ToDisplay(), image, d, result, overlays, 0, 0, p, (int)Math.Ceiling(d.WidthMm / p), (int)Math.Ceiling(d.HeightMm / p), "whole", title, caption, detail: false);
    }

    /// <summary>A close-up of row <paramref name="index"/>'s body: its outline's box plus 12 mm, square.</summary>
    public static RadiographPicture Detail(RadiographImage image, AnalysedRadiograph result, IReadOnlyList<RadiographOverlay> overlays, int index, string title, byte[]? display = null)
    {
        var d = RadiographDisplay.Of(image);
        var corners = overlays[index].Body.Select(d.ToMm).ToList();
        double u0 = corners.Min(c => c.U), u1 = corners.Max(c => c.U), v0 = corners.Min(c => c.V), v1 = corners.Max(c => c.V);
        var half = Math.Max(u1 - u0, v1 - v0) / 2 + 12;
        var p = 2 * half / DetailPixels;
        var n = (int)Math.Ceiling(2 * half / p);
        var m = result.Rows[index];
        var caption = m.View == "LAT"
            ? Invariant($"{m.Vertebra}: cement {m.CementAreaMm2:0} mm² of the {m.BodyAreaMm2:0} mm² body; gap to the superior endplate {Gap(m.SuperiorGapMm)}, to the inferior {Gap(m.InferiorGapMm)}")
            : Invariant($"{m.Vertebra}: cement {m.CementAreaMm2:0} mm² of the {m.BodyAreaMm2:0} mm² body; {(m.LeftFraction is { } lf ? Invariant($"{100 * lf:0} % on the patient's left of the midline") : "left/right not known")}");
        return Draw(display ?? image.ToDisplay(), image, d, result, [overlays[index]], (u0 + u1) / 2 - half, (v0 + v1) / 2 - half, p, n, n, Safe(m.Vertebra), title, caption, detail: true, only: index);
    }

    private static RadiographPicture Draw(byte[] display, RadiographImage image, RadiographDisplay d, AnalysedRadiograph result, IReadOnlyList<RadiographOverlay> overlays,
        double u0, double v0, double p, int w, int h, string kind, string title, string caption, bool detail, int only = -1)
    {
        using var b = new PictureBuilder(w, h);
        b.SetImage(d.Render(display, u0, v0, p, w, h));
        var pic = new RadiographPicture(null!, d, u0, v0, p, b.OffsetX, b.OffsetY, w, h);
        var canvas = b.Canvas;
        canvas.Save();
        canvas.ClipRect(new SKRect(b.OffsetX, b.OffsetY, b.OffsetX + w, b.OffsetY + h));
        for (var k = 0; k < overlays.Count; k++)
            Overlay(canvas, pic, overlays[k], result.Rows[only >= 0 ? only : k], detail);
        canvas.Restore();
        b.Letters(d.Left, d.Right, d.Top, d.Bottom);
        b.Title(title);
        var (mm, px, row) = b.ScaleBar(p);
        b.FooterRight(Window(image));
        return pic with { Picture = new RenderedPicture(kind, title, caption, b.EncodePng(), null, mm, px, row) };
    }

    private static void Overlay(SKCanvas canvas, RadiographPicture pic, RadiographOverlay o, RadiographMetrics m, bool detail)
    {
        using var fill = new SKPaint { Color = Palette.Cement.WithAlpha(90), IsAntialias = true, Style = SKPaintStyle.Fill };
        using var cement = new SKPaint { Color = Palette.Cement, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f };
        foreach (var outline in o.Cement)
        {
            using var path = Path(pic, outline, close: true);
            canvas.DrawPath(path, fill);
            canvas.DrawPath(path, cement);
        }
        using var body = new SKPaint { Color = Palette.BodyOutline, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f };
        using (var path = Path(pic, o.Body, close: true)) canvas.DrawPath(path, body);
        if (o.Midline.Count == 2)
        {
            using var mid = new SKPaint { Color = Palette.Midline, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f, PathEffect = SKPathEffect.CreateDash([7, 5], 0) };
            using var path = Path(pic, o.Midline, close: false);
            canvas.DrawPath(path, mid);
        }
        foreach (var (line, colour, gap, below) in new[] { (o.SuperiorEndplate, Palette.SuperiorEndplate, m.SuperiorGapMm, false), (o.InferiorEndplate, Palette.InferiorEndplate, m.InferiorGapMm, true) })
        {
            if (line.Count < 2) continue;
            using var paint = new SKPaint { Color = colour, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 2.5f };
            using var path = Path(pic, line, close: false);
            canvas.DrawPath(path, paint);
            if (!detail) continue;
            var (a, z) = (pic.ToCanvas(line[0]), pic.ToCanvas(line[^1]));
            Label(canvas, gap is { } g ? Invariant($"gap {g:0.0} mm") : "no cement", (a.X + z.X) / 2, (below ? Math.Max(a.Y, z.Y) + 15 : Math.Min(a.Y, z.Y) - 6), colour, SKTextAlign.Center);
        }
        var corner = o.Body.Select(pic.ToCanvas).OrderBy(c => c.X + c.Y).First();
        Label(canvas, m.Vertebra, corner.X - 4, corner.Y + 4, Palette.BodyOutline, SKTextAlign.Right);
    }

    private static SKPath Path(RadiographPicture pic, IReadOnlyList<PixelPoint> points, bool close)
    {
        var path = new SKPath();
        for (var i = 0; i < points.Count; i++)
        {
            var (x, y) = pic.ToCanvas(points[i]);
            if (i == 0) path.MoveTo(x, y); else path.LineTo(x, y);
        }
        if (close) path.Close();
        return path;
    }

    private static void Label(SKCanvas canvas, string text, float x, float baseline, SKColor colour, SKTextAlign align)
    {
        using var font = new SKFont(Fonts.Bold, 12);
        using var shadow = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var paint = new SKPaint { Color = colour, IsAntialias = true };
        foreach (var (dx, dy) in new[] { (-1, 0), (1, 0), (0, -1), (0, 1) })
            canvas.DrawText(text, x + dx, baseline + dy, align, font, shadow);
        canvas.DrawText(text, x, baseline, align, font, paint);
    }

    /// <summary>What the picture shows of the file: modality, inversion, spacing.</summary>
    private static string Describe(RadiographImage image)
    {
        var what = image.IsLocalizer ? "CT localizer" : image.Modality.Length > 0 ? image.Modality : "radiograph";
        var inverted = image.Inverted ? ", MONOCHROME1 shown inverted (bone bright)" : "";
        return Invariant($"{what} {image.Pixels.Width}×{image.Pixels.Height}, {image.Pixels.ColumnSpacing:0.###} mm pixels ({image.SpacingSource}){inverted}");
    }

    private static string Window(RadiographImage image) =>
        image.VoiLut is not null ? "VOI LUT" : image.Window is { } w && w.Width > 0 ? Invariant($"W {w.Width:0} L {w.Center:0}") : "window 0.5–99.5 %";

    private static string Gap(double? mm) => mm is { } g ? Invariant($"{g:0.0} mm") : "—";

    private static string Safe(string text) => QaReport.Safe(text);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

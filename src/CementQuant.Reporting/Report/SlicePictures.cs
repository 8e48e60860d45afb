using System.Globalization;
using SkiaSharp;

namespace CementQuant.Reporting.Report;

/// <summary>
/// The slice and projection pictures of one vertebra, reformatted in patient space along the vertebra's own
/// frame, in the radiological convention: axial seen from the feet (patient's left on the viewer's right,
/// anterior up), coronal seen from the front (left on the right, head up), sagittal seen from the patient's
/// left (anterior on the viewer's left, head up). Bone window for slices; the projections (MIP) use a wider
/// window so the cement stays distinct from the cortex.
/// </summary>
internal static class SlicePictures
{
    public const double BoneWindowCenter = 400, BoneWindowWidth = 1800;
    public const double MipWindowCenter = 1000, MipWindowWidth = 2400;
    private const double BasePixelMm = 0.2;
    private const int MaxPixels = 440;

    public enum View { Axial, Coronal, Sagittal }

    /// <summary>Display pixel size: 0.2 mm, coarser when the shown box would exceed <see cref="MaxPixels"/>.</summary>
    public static double PixelMm(VertebraScene s)
    {
        var d = s.ViewMax - s.ViewMin;
        return Math.Max(BasePixelMm, Math.Max(d.X, Math.Max(d.Y, d.Z)) / MaxPixels);
    }

    public static RenderedPicture Slice(VertebraScene s, View view, string label)
    {
        var f = s.Frame;
        var px = PixelMm(s);
        var c = f.ToLocal(s.CementCentre);
        var lsc = f.ToLocal(s.LargerSideCentre);
        Vec3 colDir, rowDir, origin; double colLen, rowLen;
        string title, caption; (string L, string R, string T, string B) letters;
        switch (view)
        {
            case View.Axial:
                colDir = f.Left; rowDir = f.Posterior;
                colLen = s.ViewMax.X - s.ViewMin.X; rowLen = s.ViewMax.Y - s.ViewMin.Y;
                origin = f.ToPatient(new Vec3(s.ViewMin.X, s.ViewMin.Y, c.Z));
                title = $"Axial · {label}";
                caption = Invariant($"axial through the cement centre, {c.Z:+0.0;-0.0;0.0} mm from the body centre along the cranio-caudal axis");
                letters = ("R", "L", "A", "P");
                break;
            case View.Coronal:
                colDir = f.Left; rowDir = -f.Superior;
                colLen = s.ViewMax.X - s.ViewMin.X; rowLen = s.ViewMax.Z - s.ViewMin.Z;
                origin = f.ToPatient(new Vec3(s.ViewMin.X, c.Y, s.ViewMax.Z));
                title = $"Coronal · {label}";
                caption = Invariant($"coronal through the cement centre, {Math.Abs(c.Y):0.0} mm {(c.Y >= 0 ? "posterior" : "anterior")} of the body centre");
                letters = ("R", "L", "S", "I");
                break;
            default:
                colDir = f.Posterior; rowDir = -f.Superior;
                colLen = s.ViewMax.Y - s.ViewMin.Y; rowLen = s.ViewMax.Z - s.ViewMin.Z;
                origin = f.ToPatient(new Vec3(lsc.X, s.ViewMin.Y, s.ViewMax.Z));
                title = $"Sagittal · {label}";
                var off = (s.LargerSideCentre - s.Roi.MidsagittalPoint).Dot(s.Roi.MidsagittalNormal);
                caption = s.HasCement
                    ? Invariant($"sagittal through the centre of the larger side's cement, {Math.Abs(off):0.0} mm {(off >= 0 ? "left" : "right")} of the midsagittal plane")
                    : "sagittal through the body centre";
                letters = ("A", "P", "S", "I");
                break;
        }
        int w = (int)Math.Ceiling(colLen / px) + 1, h = (int)Math.Ceiling(rowLen / px) + 1;
        using var b = new PictureBuilder(w, h);
        var plane = new PicturePlane(origin, colDir, rowDir, px, b.OffsetX, b.OffsetY, w, h);

        var n = w * h;
        var grey = new float[n]; var body = new float[n]; var cem = new float[n]; var leak = new float[n];
        var sup = new float[n]; var inf = new float[n];
        Parallel.For(0, h, r =>
        {
            for (var col = 0; col < w; col++)
            {
                var p = origin + colDir * (col * px) + rowDir * (r * px);
                var smp = s.SampleAt(p);
                var i = r * w + col;
                grey[i] = smp.Hu; body[i] = smp.Body; cem[i] = smp.Cement; leak[i] = smp.Leak;
                var l = f.ToLocal(p);
                sup[i] = (float)(l.Z - s.Roi.Superior.HeightAt(l.X, l.Y));
                inf[i] = (float)(l.Z - s.Roi.Inferior.HeightAt(l.X, l.Y));
            }
        });

        var argb = new int[n];
        var lo = BoneWindowCenter - BoneWindowWidth / 2;
        for (var i = 0; i < n; i++)
        {
            var v = Palette.Grey((int)Math.Clamp(Math.Round((grey[i] - lo) / BoneWindowWidth * 255), 0, 255));
            v = Palette.Blend(v, Palette.Cement, 0.45 * Ramp(cem[i]));
            v = Palette.Blend(v, Palette.Leak, 0.55 * Ramp(leak[i]));
            argb[i] = v;
        }
        Outline(argb, w, h, body, 0.5f, Palette.Argb(Palette.BodyOutline));
        Outline(argb, w, h, cem, 0.5f, Palette.Argb(Palette.Cement));
        Outline(argb, w, h, leak, 0.5f, Palette.Argb(Palette.Leak));
        // Endplates last and thicker: they run along the body outline and must stay visible over it.
        Outline(argb, w, h, sup, 0f, Palette.Argb(Palette.SuperiorEndplate), thick: true);
        Outline(argb, w, h, inf, 0f, Palette.Argb(Palette.InferiorEndplate), thick: true);
        b.SetImage(argb);

        if (view != View.Sagittal) Midline(b, plane, s.Roi);
        b.Letters(letters.L, letters.R, letters.T, letters.B);
        b.Title(title, "bone window");
        var (mm, barPx, row) = b.ScaleBar(px);
        b.FooterRight(Invariant($"W {BoneWindowWidth:0} L {BoneWindowCenter:0}"));
        return new RenderedPicture(view.ToString().ToLowerInvariant(), title, caption, b.EncodePng(), plane, mm, barPx, row);
    }

    /// <summary>
    /// Maximum-intensity projection over the shown box, AP (seen from the front: patient's left on the viewer's
    /// right) or lateral (seen from the left: anterior on the viewer's left), with the projected cement in colour
    /// and the body's silhouette outlined. Computed on a grid twice as coarse as the display, sampling the nearest
    /// voxel every half voxel along the ray, then bilinearly enlarged.
    /// </summary>
    public static RenderedPicture Projection(VertebraScene s, bool lateral, string label)
    {
        var f = s.Frame;
        var px = PixelMm(s);
        Vec3 colDir, rowDir, depthDir, origin; double colLen, rowLen, depthLen;
        if (!lateral)
        {
            colDir = f.Left; rowDir = -f.Superior; depthDir = f.Posterior;
            colLen = s.ViewMax.X - s.ViewMin.X; rowLen = s.ViewMax.Z - s.ViewMin.Z; depthLen = s.ViewMax.Y - s.ViewMin.Y;
            origin = f.ToPatient(new Vec3(s.ViewMin.X, s.ViewMin.Y, s.ViewMax.Z));
        }
        else
        {
            colDir = f.Posterior; rowDir = -f.Superior; depthDir = f.Left;
            colLen = s.ViewMax.Y - s.ViewMin.Y; rowLen = s.ViewMax.Z - s.ViewMin.Z; depthLen = s.ViewMax.X - s.ViewMin.X;
            origin = f.ToPatient(new Vec3(s.ViewMin.X, s.ViewMin.Y, s.ViewMax.Z));
        }
        int w = (int)Math.Ceiling(colLen / px) + 1, h = (int)Math.Ceiling(rowLen / px) + 1;
        // Coarse grid.
        var cpx = 2 * px;
        int cw = (int)Math.Ceiling(colLen / cpx) + 2, ch = (int)Math.Ceiling(rowLen / cpx) + 2;
        var step = 0.5 * s.MinSpacing;
        var steps = (int)Math.Ceiling(depthLen / step) + 1;
        var d = s.ToVoxelDelta(depthDir * step);
        var maxHu = new float[cw * ch]; var cem = new float[cw * ch]; var leak = new float[cw * ch]; var body = new float[cw * ch];
        Parallel.For(0, ch, r =>
        {
            for (var col = 0; col < cw; col++)
            {
                var (i, j, k) = s.ToVoxel(origin + colDir * (col * cpx) + rowDir * (r * cpx));
                var m = -1024;
                byte labels = 0;
                for (var t = 0; t < steps; t++, i += d.I, j += d.J, k += d.K)
                {
                    m = Math.Max(m, s.HuNearest(i, j, k));
                    labels |= s.LabelNearest(i, j, k);
                }
                var x = r * cw + col;
                maxHu[x] = m;
                cem[x] = (labels & VertebraScene.Cement) != 0 ? 1 : 0;
                leak[x] = (labels & VertebraScene.Leak) != 0 ? 1 : 0;
                body[x] = (labels & VertebraScene.Body) != 0 ? 1 : 0;
            }
        });

        using var b = new PictureBuilder(w, h);
        var plane = new PicturePlane(origin, colDir, rowDir, px, b.OffsetX, b.OffsetY, w, h);
        var n = w * h;
        var huF = new float[n]; var cemF = new float[n]; var leakF = new float[n]; var bodyF = new float[n];
        for (var r = 0; r < h; r++)
            for (var col = 0; col < w; col++)
            {
                double gx = col * px / cpx, gy = r * px / cpx;
                var i = r * w + col;
                huF[i] = Bilinear(maxHu, cw, ch, gx, gy);
                cemF[i] = Bilinear(cem, cw, ch, gx, gy);
                leakF[i] = Bilinear(leak, cw, ch, gx, gy);
                bodyF[i] = Bilinear(body, cw, ch, gx, gy);
            }
        var argb = new int[n];
        var lo = MipWindowCenter - MipWindowWidth / 2;
        for (var i = 0; i < n; i++)
        {
            var v = Palette.Grey((int)Math.Clamp(Math.Round((huF[i] - lo) / MipWindowWidth * 255), 0, 255));
            v = Palette.Blend(v, Palette.Cement, 0.55 * Ramp(cemF[i]));
            v = Palette.Blend(v, Palette.Leak, 0.6 * Ramp(leakF[i]));
            argb[i] = v;
        }
        Outline(argb, w, h, bodyF, 0.5f, Palette.Argb(Palette.BodyOutline));
        Outline(argb, w, h, cemF, 0.5f, Palette.Argb(Palette.Cement));
        Outline(argb, w, h, leakF, 0.5f, Palette.Argb(Palette.Leak));
        b.SetImage(argb);
        if (!lateral) Midline(b, plane, s.Roi);
        var title = lateral ? $"Lateral MIP · {label}" : $"AP MIP · {label}";
        b.Title(title, "cement projection");
        if (lateral) b.Letters("A", "P", "S", "I"); else b.Letters("R", "L", "S", "I");
        var (mm, barPx, row) = b.ScaleBar(px);
        b.FooterRight(Invariant($"MIP W {MipWindowWidth:0} L {MipWindowCenter:0}"));
        var caption = lateral
            ? Invariant($"maximum-intensity projection seen from the patient's left over {depthLen:0} mm, cement in colour")
            : Invariant($"maximum-intensity projection seen from the front over {depthLen:0} mm, cement in colour");
        return new RenderedPicture(lateral ? "mip-lat" : "mip-ap", title, caption, b.EncodePng(), plane, mm, barPx, row);
    }

    /// <summary>Overlay opacity from a trilinear mask fraction: 0 below 0.35, full above 0.65 (anti-aliased edge).</summary>
    private static double Ramp(float m) => Math.Clamp((m - 0.35) / 0.3, 0, 1);

    private static float Bilinear(float[] a, int w, int h, double x, double y)
    {
        int x0 = Math.Min((int)x, w - 2), y0 = Math.Min((int)y, h - 2);
        double tx = x - x0, ty = y - y0;
        var top = a[y0 * w + x0] * (1 - tx) + a[y0 * w + x0 + 1] * tx;
        var bottom = a[(y0 + 1) * w + x0] * (1 - tx) + a[(y0 + 1) * w + x0 + 1] * tx;
        return (float)(top * (1 - ty) + bottom * ty);
    }

    /// <summary>Paints the pixels on either side of where <paramref name="field"/> crosses <paramref name="level"/>
    /// (NaN never crosses): a two-pixel contour that follows the interpolated boundary (four pixels when thick).</summary>
    private static void Outline(int[] argb, int w, int h, float[] field, float level, int colour, bool thick = false)
    {
        var mark = new bool[field.Length];
        for (var r = 0; r < h; r++)
            for (var c = 0; c < w; c++)
            {
                var i = r * w + c;
                var a = field[i];
                if (float.IsNaN(a)) continue;
                if (c + 1 < w && Crosses(a, field[i + 1], level)) { mark[i] = true; mark[i + 1] = true; }
                if (r + 1 < h && Crosses(a, field[i + w], level)) { mark[i] = true; mark[i + w] = true; }
            }
        for (var i = 0; i < mark.Length; i++)
        {
            if (!mark[i]) continue;
            argb[i] = colour;
            if (!thick) continue;
            int r = i / w, c = i % w;
            if (r > 0) argb[i - w] = colour;
            if (r + 1 < h) argb[i + w] = colour;
            if (c > 0) argb[i - 1] = colour;
            if (c + 1 < w) argb[i + 1] = colour;
        }
    }

    private static bool Crosses(float a, float b, float level) => !float.IsNaN(b) && (a >= level) != (b >= level);

    /// <summary>Draws the intersection of the vertebra's midsagittal plane with the picture's plane, dashed.</summary>
    private static void Midline(PictureBuilder b, PicturePlane plane, VertebraRoi roi)
    {
        var n = roi.MidsagittalNormal;
        var cn = plane.ColumnDir.Dot(n);
        if (Math.Abs(cn) < 0.2) return;
        var o = (plane.Origin - roi.MidsagittalPoint).Dot(n);
        var rn = plane.RowDir.Dot(n);
        // (origin − M)·n + a·cn + b·rn = 0, with a, b in mm along the column and row directions.
        float Col(double rowPx) => (float)(plane.OffsetX + -(o + rowPx * plane.PixelMm * rn) / cn / plane.PixelMm);
        using var paint = new SKPaint
        {
            Color = Palette.Midline, IsAntialias = true, StrokeWidth = 1.5f, Style = SKPaintStyle.Stroke,
            PathEffect = SKPathEffect.CreateDash([7, 5], 0),
        };
        b.Canvas.Save();
        b.Canvas.ClipRect(new SKRect(plane.OffsetX, plane.OffsetY, plane.OffsetX + plane.Width, plane.OffsetY + plane.Height));
        b.Canvas.DrawLine(Col(0), plane.OffsetY, Col(plane.Height - 1), plane.OffsetY + plane.Height - 1, paint);
        b.Canvas.Restore();
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;
using SkiaSharp;

namespace CementQuant.Reporting.Report;

/// <summary>
/// The endplate contact map: the superior and the inferior endplate footprints side by side, each drawn in
/// the axial orientation (anterior up, patient's left on the viewer's right, as the axial slice), shaded by
/// the gap between the endplate and the nearest cement under (or over) it: cement within the contact
/// tolerance in the cement colour, a gap in blues that fade with distance, no cement in grey.
/// </summary>
internal static class ContactMap
{
    private const double PixelMm = 0.2;
    private const double FarGapMm = 10;
    public static readonly SKColor NoCement = new(64, 66, 72);
    public static readonly SKColor NearGap = new(90, 150, 255);
    public static readonly SKColor FarGap = new(36, 56, 110);

    /// <summary>Per endplate grid cell, the smallest cement-to-endplate gap in mm (∞ where no cement is under it).</summary>
    public static (float[] Superior, float[] Inferior) Gaps(VertebraScene s)
    {
        var roi = s.Roi; var f = roi.Frame; var g = s.Geometry;
        var sup = roi.Superior; var inf = roi.Inferior;
        var gs = new float[sup.NU * sup.NV]; Array.Fill(gs, float.PositiveInfinity);
        var gi = new float[inf.NU * inf.NV]; Array.Fill(gi, float.PositiveInfinity);
        // Half the voxel's extent along the cranio-caudal axis, and the radius of its footprint on the endplate.
        var w = f.Superior;
        var halfAxial = 0.5 * (Math.Abs(g.ColumnStep.Dot(w)) + Math.Abs(g.RowStep.Dot(w)) + Math.Abs(g.SliceStep.Dot(w)));
        var radius = 0.5 * Math.Max(g.ColumnSpacing, Math.Max(g.RowSpacing, g.SliceSpacing));
        foreach (var idx in s.Vertebra.InBodyVoxels)
        {
            var (x, y, z) = s.Voxel(idx);
            var l = f.ToLocal(g.ToPatient(x, y, z));
            Mark(sup, gs, l.X, l.Y, radius, h => h - (l.Z + halfAxial));
            Mark(inf, gi, l.X, l.Y, radius, h => (l.Z - halfAxial) - h);
        }
        return (gs, gi);
    }

    private static void Mark(EndplateSurface e, float[] gaps, double u, double v, double radius, Func<double, double> gap)
    {
        int i0 = Math.Max(0, (int)Math.Floor((u - radius - e.U0) / e.Step)), i1 = Math.Min(e.NU - 1, (int)Math.Ceiling((u + radius - e.U0) / e.Step));
        int j0 = Math.Max(0, (int)Math.Floor((v - radius - e.V0) / e.Step)), j1 = Math.Min(e.NV - 1, (int)Math.Ceiling((v + radius - e.V0) / e.Step));
        for (var j = j0; j <= j1; j++)
            for (var i = i0; i <= i1; i++)
            {
                var h = e.Height[j * e.NU + i];
                if (float.IsNaN(h)) continue;
                var cell = j * e.NU + i;
                gaps[cell] = (float)Math.Min(gaps[cell], Math.Max(0, gap(h)));
            }
    }

    public static RenderedPicture Render(VertebraScene s, string label, double toleranceMm)
    {
        var roi = s.Roi; var m = s.Vertebra.Metrics;
        var (gs, gi) = Gaps(s);
        // Both footprints share one (u, v) box so they line up.
        var (u0, u1, v0, v1) = Box(roi.Superior, roi.Inferior);
        int fw = (int)Math.Ceiling((u1 - u0) / PixelMm) + 1, fh = (int)Math.Ceiling((v1 - v0) / PixelMm) + 1;
        const int pad = 24, gap = 56, subtitle = 34, legend = 22;
        var iw = pad + fw + gap + fw + pad;
        var ih = subtitle + pad + fh + pad + legend;
        using var b = new PictureBuilder(iw, ih);
        var argb = new int[iw * ih];
        Array.Fill(argb, Palette.Argb(Palette.Background));
        int top = subtitle + pad, leftSup = pad, leftInf = pad + fw + gap;
        Paint(argb, iw, roi.Superior, gs, leftSup, top, fw, fh, u0, v0, toleranceMm);
        Paint(argb, iw, roi.Inferior, gi, leftInf, top, fw, fh, u0, v0, toleranceMm);
        b.SetImage(argb);

        var c = b.Canvas;
        float ox = b.OffsetX, oy = b.OffsetY;
        using var head = new SKFont(Fonts.Bold, 12);
        using var small = new SKFont(Fonts.Regular, 11);
        using var text = new SKPaint { Color = Palette.Text, IsAntialias = true };
        using var muted = new SKPaint { Color = Palette.Muted, IsAntialias = true };
        foreach (var (left, name, pct, gapMm, contactL, contactR) in new[]
        {
            (leftSup, "Superior endplate", m.SuperiorContactPct, m.SuperiorGapMm, m.SuperiorContactLeft, m.SuperiorContactRight),
            (leftInf, "Inferior endplate", m.InferiorContactPct, m.InferiorGapMm, m.InferiorContactLeft, m.InferiorContactRight),
        })
        {
            var cx = ox + left + fw / 2f;
            var detail = pct is { } p ? Invariant($"{p:0.#} % in contact, gap {gapMm:0.0} mm") : "no cement";
            c.DrawText(name, cx, oy + 14, SKTextAlign.Center, head, text);
            c.DrawText(detail, cx, oy + 28, SKTextAlign.Center, small, muted);
            b.LettersIn(ox + left - pad, oy + top - pad, fw + 2 * pad, fh + 2 * pad, "R", "L", "A", "P");
            // The midsagittal line across the footprint and the per-half verdicts under it.
            DrawMidline(c, roi, ox + left, oy + top, u0, v0, fh);
            if (contactL is not null)
            {
                c.DrawText(contactR == true ? "R: contact" : "R: no contact", ox + left + fw * 0.25f, oy + top + fh + 17, SKTextAlign.Center, small, contactR == true ? text : muted);
                c.DrawText(contactL == true ? "L: contact" : "L: no contact", ox + left + fw * 0.75f, oy + top + fh + 17, SKTextAlign.Center, small, contactL == true ? text : muted);
            }
        }
        // Legend.
        var ly = oy + ih - 8;
        float lx = ox + 10;
        foreach (var (colour, name) in new[]
        {
            (Palette.Cement, Invariant($"contact (≤ {toleranceMm:0.#} mm)")), (NearGap, "small gap"), (FarGap, Invariant($"gap ≥ {FarGapMm:0} mm")), (NoCement, "no cement under it"),
        })
        {
            using var sw = new SKPaint { Color = colour };
            c.DrawRect(new SKRect(lx, ly - 9, lx + 11, ly + 1), sw);
            c.DrawText(name, lx + 15, ly, SKTextAlign.Left, small, muted);
            lx += 19 + small.MeasureText(name) + 12;
        }
        b.Title($"Endplate contact · {label}", "footprints in axial orientation");
        var (mm, barPx, row) = b.ScaleBar(PixelMm);
        return new RenderedPicture("contact", $"Endplate contact · {label}",
            "superior and inferior endplate footprints, shaded by the distance from the endplate to the nearest cement under it",
            b.EncodePng(), null, mm, barPx, row);
    }

    private static (double U0, double U1, double V0, double V1) Box(EndplateSurface a, EndplateSurface b) =>
        (Math.Min(a.U0, b.U0), Math.Max(a.U0 + (a.NU - 1) * a.Step, b.U0 + (b.NU - 1) * b.Step),
         Math.Min(a.V0, b.V0), Math.Max(a.V0 + (a.NV - 1) * a.Step, b.V0 + (b.NV - 1) * b.Step));

    private static void Paint(int[] argb, int stride, EndplateSurface e, float[] gaps, int left, int top, int fw, int fh, double u0, double v0, double tol)
    {
        for (var r = 0; r < fh; r++)
            for (var c = 0; c < fw; c++)
            {
                // Columns run toward the patient's left (u), rows toward posterior (v).
                double u = u0 + c * PixelMm, v = v0 + r * PixelMm;
                var i = (int)Math.Round((u - e.U0) / e.Step); var j = (int)Math.Round((v - e.V0) / e.Step);
                if ((uint)i >= (uint)e.NU || (uint)j >= (uint)e.NV || float.IsNaN(e.Height[j * e.NU + i])) continue;
                var g = gaps[j * e.NU + i];
                SKColor colour;
                if (g <= tol) colour = Palette.Cement;
                else if (float.IsPositiveInfinity(g)) colour = NoCement;
                else
                {
                    var t = Math.Clamp((g - tol) / (FarGapMm - tol), 0, 1);
                    colour = new SKColor((byte)(NearGap.Red + (FarGap.Red - NearGap.Red) * t), (byte)(NearGap.Green + (FarGap.Green - NearGap.Green) * t), (byte)(NearGap.Blue + (FarGap.Blue - NearGap.Blue) * t));
                }
                argb[(top + r) * stride + left + c] = Palette.Argb(colour);
            }
    }

    private static void DrawMidline(SKCanvas c, VertebraRoi roi, float left, float top, double u0, double v0, int fh)
    {
        // In the local frame the midsagittal plane is (p − M)·n = 0; on the endplate (w ≈ 0) solve for u at each v.
        var f = roi.Frame;
        var n = new Vec3(roi.MidsagittalNormal.Dot(f.Left), roi.MidsagittalNormal.Dot(f.Posterior), roi.MidsagittalNormal.Dot(f.Superior));
        if (Math.Abs(n.X) < 0.2) return;
        var m = f.ToLocal(roi.MidsagittalPoint);
        double U(double v) => m.X - (v - m.Y) * n.Y / n.X;
        double va = v0, vb = v0 + (fh - 1) * PixelMm;
        using var paint = new SKPaint
        {
            Color = Palette.Midline, IsAntialias = true, StrokeWidth = 1.5f, Style = SKPaintStyle.Stroke,
            PathEffect = SKPathEffect.CreateDash([6, 4], 0),
        };
        c.DrawLine(left + (float)((U(va) - u0) / PixelMm), top, left + (float)((U(vb) - u0) / PixelMm), top + fh - 1, paint);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

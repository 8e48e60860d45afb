using OpenCvSharp;

namespace CementQuant.Analysis.Radiograph;

/// <summary>
/// A window of the working image around one cement group, turned so that the vertebra's cranio-caudal axis runs
/// down its columns: x toward the patient's left (frontal) or posterior (lateral), y toward the feet, square pixels of
/// <see cref="S"/> mm. Holds the cement-painted residual (smoothed), the painted mask, the cement contrast and the
/// group's own cement, all resampled into the window, and maps positions back to the working image.
/// </summary>
internal sealed class BodyWindow
{
    private readonly double _cx, _cy, _ci, _cj, _sx, _sy, _cos, _sin;

    private BodyWindow(int width, int height, double s, double angle, double cx, double cy, double sx, double sy)
    {
        Width = width; Height = height; S = s; Angle = angle;
        _cx = cx; _cy = cy; _sx = sx; _sy = sy;
        _ci = (width - 1) / 2.0; _cj = (height - 1) / 2.0;
        _cos = Math.Cos(angle); _sin = Math.Sin(angle);
    }

    public int Width { get; }
    public int Height { get; }
    /// <summary>Millimetres per window pixel (both directions).</summary>
    public double S { get; }
    /// <summary>The turn, radians: the window's x axis is the working image's (cos, sin) direction (in mm).</summary>
    public double Angle { get; }
    /// <summary>The stored pixels' spacing, mm (<see cref="CanonicalImage.StoredSpacing"/>).</summary>
    public double StoredSpacing { get; private init; }

    /// <summary>Half-width in window pixels of the band an edge is averaged over across its direction: ±0.6 mm, or ±one
    /// stored pixel where those are coarser (working pixels interpolated from one stored pixel share its noise, so a
    /// narrower band averages nothing).</summary>
    public int AcrossPx => Math.Max(1, (int)Math.Round(Math.Max(0.6, StoredSpacing) / S));
    public float[] Image { get; private init; } = [];
    public byte[] Painted { get; private init; } = [];
    public float[]? Contrast { get; private init; }
    /// <summary>The group's cement (1) in the window.</summary>
    public byte[] Cement { get; private init; } = [];

    /// <summary>Working-image position (pixels) of window position (i, j).</summary>
    public (double X, double Y) ToCanonical(double i, double j)
    {
        double a = (i - _ci) * S, b = (j - _cj) * S;
        return (_cx + (a * _cos - b * _sin) / _sx, _cy + (a * _sin + b * _cos) / _sy);
    }

    /// <summary>Window position of working-image position (x, y) (pixels).</summary>
    public (double I, double J) FromCanonical(double x, double y)
    {
        double dx = (x - _cx) * _sx, dy = (y - _cy) * _sy;
        return (_ci + (dx * _cos + dy * _sin) / S, _cj + (-dx * _sin + dy * _cos) / S);
    }

    /// <summary>Cuts a window of ±<paramref name="halfWidthMm"/> × ±<paramref name="halfHeightMm"/> centred on working-image
    /// position (<paramref name="cx"/>, <paramref name="cy"/>), turned by <paramref name="angle"/>.</summary>
    public static BodyWindow Cut(CanonicalImage c, float[] smoothed, CementResult cement, CementGroup g, double cx, double cy, double angle,
        double halfWidthMm, double halfHeightMm)
    {
        var s = Math.Min(c.Sx, c.Sy);
        var width = 2 * (int)Math.Round(halfWidthMm / s) + 1; var height = 2 * (int)Math.Round(halfHeightMm / s) + 1;
        var win = new BodyWindow(width, height, s, angle, cx, cy, c.Sx, c.Sy);
        // Window (i, j) → working image: x = m00·i + m01·j + m02, y = m10·i + m11·j + m12.
        var (x0, y0) = win.ToCanonical(0, 0); var (x1, y1) = win.ToCanonical(1, 0); var (x2, y2) = win.ToCanonical(0, 1);
        double[] m = [x1 - x0, x2 - x0, x0, y1 - y0, y2 - y0, y0];
        var groupMask = new byte[c.Width * c.Height];
        foreach (var i in g.Pixels) groupMask[i] = 1;
        return new BodyWindow(width, height, s, angle, cx, cy, c.Sx, c.Sy)
        {
            StoredSpacing = c.StoredSpacing,
            Image = Warp(smoothed, c.Width, c.Height, width, height, m),
            Painted = WarpMask(cement.PaintedMask, c.Width, c.Height, width, height, m),
            Contrast = cement.Contrast is { } con ? Warp(con, c.Width, c.Height, width, height, m) : null,
            Cement = WarpMask(groupMask, c.Width, c.Height, width, height, m),
        };
    }

    private static float[] Warp(float[] src, int w, int h, int ow, int oh, double[] m)
    {
        using var a = Cv.ToMat(src, w, h);
        using var o = new Mat();
        using var t = InverseMap(m);
        Cv2.WarpAffine(a, o, t, new Size(ow, oh), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Replicate);
        return Cv.ToArray(o);
    }

    private static byte[] WarpMask(byte[] src, int w, int h, int ow, int oh, double[] m)
    {
        using var a = new Mat(h, w, MatType.CV_8UC1);
        a.SetArray(src);
        using var o = new Mat();
        using var t = InverseMap(m);
        Cv2.WarpAffine(a, o, t, new Size(ow, oh), InterpolationFlags.Nearest | InterpolationFlags.WarpInverseMap, BorderTypes.Constant, new Scalar(0));
        o.GetArray(out byte[] r);
        return r;
    }

    private static Mat InverseMap(double[] m)
    {
        var t = new Mat(2, 3, MatType.CV_64FC1);
        t.SetArray(m);
        return t;
    }

    /// <summary>
    /// The dominant orientation of the edges around working-image position (cx, cy) within ±<paramref name="radiusMm"/>:
    /// walls and endplates meet at right angles, so the angle is taken modulo 90° (gradient angles quadrupled, weighted
    /// by squared gradient), away from painted cement. Radians in (−π/4, π/4]: the turn that makes walls vertical.
    /// </summary>
    public static double Orientation(CanonicalImage c, float[] smoothed, byte[] painted, double cx, double cy, double radiusMm)
    {
        int w = c.Width, h = c.Height;
        int x0 = Math.Max(2, (int)(cx - radiusMm / c.Sx)), x1 = Math.Min(w - 3, (int)(cx + radiusMm / c.Sx));
        int y0 = Math.Max(2, (int)(cy - radiusMm / c.Sy)), y1 = Math.Min(h - 3, (int)(cy + radiusMm / c.Sy));
        double re = 0, im = 0;
        for (var y = y0; y <= y1; y++)
            for (var x = x0; x <= x1; x++)
            {
                var i = y * w + x;
                if (painted[i] != 0 || painted[i - 2] != 0 || painted[i + 2] != 0 || painted[i - 2 * w] != 0 || painted[i + 2 * w] != 0) continue;
                double gx = (smoothed[i + 1] - smoothed[i - 1]) / c.Sx, gy = (smoothed[i + w] - smoothed[i - w]) / c.Sy;
                // (gx + i·gy)⁴ / |g|² = |g|²·e^{4iφ}
                double a2 = gx * gx - gy * gy, b2 = 2 * gx * gy, m2 = gx * gx + gy * gy;
                if (m2 <= 0) continue;
                re += (a2 * a2 - b2 * b2) / m2; im += 2 * a2 * b2 / m2;
            }
        return re == 0 && im == 0 ? 0 : Math.Atan2(im, re) / 4;
    }
}

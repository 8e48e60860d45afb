using OpenCvSharp;

namespace CementQuant.Analysis.Radiograph;

/// <summary>Turns a found body (in its window) and its cement group (canonical working frame) into a <see cref="RadiographOverlay"/> in stored pixels.</summary>
internal static class RadiographOverlays
{
    public static RadiographOverlay Build(CanonicalImage c, BodyOutline body, CementGroup group, bool lateral)
    {
        PixelPoint Stored(double x, double y) { var (r, col) = c.ToStored(x, y); return new PixelPoint(r, col); }
        PixelPoint FromWindow(double i, double j) { var (x, y) = body.Window.ToCanonical(i, j); return Stored(x, y); }
        // Wall x = a + b·y meets endplate y = p + q·x at x = (a + b·p) / (1 − b·q).
        PixelPoint Corner(Line wall, Line plate)
        {
            var d = 1 - wall.B * plate.B;
            var x = Math.Abs(d) > 1e-6 ? (wall.A + wall.B * plate.A) / d : wall.At(plate.A); // near-parallel lines: where the wall is at the plate's intercept
            return FromWindow(x, plate.At(x));
        }
        var mid = new Line((body.First.A + body.Second.A) / 2, (body.First.B + body.Second.B) / 2, 1, 0);
        return new RadiographOverlay
        {
            Body = [Corner(body.First, body.Superior), Corner(body.Second, body.Superior), Corner(body.Second, body.Inferior), Corner(body.First, body.Inferior)],
            Cement = Contours(c, group, Stored),
            Midline = lateral ? [] : [Corner(mid, body.Superior), Corner(mid, body.Inferior)],
            SuperiorEndplate = lateral ? [Corner(body.First, body.Superior), Corner(body.Second, body.Superior)] : [],
            InferiorEndplate = lateral ? [Corner(body.First, body.Inferior), Corner(body.Second, body.Inferior)] : [],
        };
    }

    /// <summary>Outer outlines of the group's pixels (through boundary pixel centres), mapped to stored positions.</summary>
    private static List<IReadOnlyList<PixelPoint>> Contours(CanonicalImage c, CementGroup g, Func<double, double, PixelPoint> stored)
    {
        if (g.Pixels.Count == 0) return [];
        int x0 = g.Pixels.Min(i => i % c.Width) - 1, y0 = g.Pixels.Min(i => i / c.Width) - 1;
        int w = g.Pixels.Max(i => i % c.Width) - x0 + 2, h = g.Pixels.Max(i => i / c.Width) - y0 + 2;
        var mask = new byte[w * h];
        foreach (var i in g.Pixels) mask[(i / c.Width - y0) * w + (i % c.Width - x0)] = 255;
        using var m = new Mat(h, w, MatType.CV_8UC1);
        m.SetArray(mask);
        Cv2.FindContours(m, out var contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);
        return [.. contours.Select(ct => (IReadOnlyList<PixelPoint>)[.. ct.Select(p => stored(p.X + x0, p.Y + y0))])];
    }
}

namespace CementQuant.Analysis.Radiograph;

/// <summary>A straight line x = A + B·y (side walls) or y = A + B·x (endplates) with its fit quality.</summary>
internal readonly record struct Line(double A, double B, double InlierFraction, double RmsPx)
{
    public double At(double t) => A + B * t;
}

/// <summary>
/// A vertebral body in the canonical working image: side walls as lines x(y) (AP: patient right then left;
/// lateral: anterior then posterior wall) and endplate lines y(x) (superior, inferior), as edges of the image with
/// the cement painted out.
/// </summary>
internal sealed class BodyOutline
{
    public required Line First { get; init; }
    public required Line Second { get; init; }
    public required Line Superior { get; init; }
    public required Line Inferior { get; init; }
    public required double CentroidX { get; init; }
    public required double CentroidY { get; init; }
    public required long AreaPx { get; init; }
    public required double Confidence { get; init; }

    /// <summary>Per-column endplate edges measured where no cement hides them (column → row).</summary>
    public IReadOnlyDictionary<int, double> SuperiorSeen { get; init; } = new Dictionary<int, double>();
    public IReadOnlyDictionary<int, double> InferiorSeen { get; init; } = new Dictionary<int, double>();

    public double SuperiorY(double x) => Superior.At(x);
    public double InferiorY(double x) => Inferior.At(x);

    /// <summary>Inside the walls and between the endplates, the endplates widened by <paramref name="slackPx"/>.</summary>
    public bool Contains(int x, int y, double slackPx) =>
        x >= First.At(y) && x <= Second.At(y) && y >= Superior.At(x) - slackPx && y <= Inferior.At(x) + slackPx;

    /// <summary>Distance of a pixel centre from the midline (halfway between the walls), mm, positive toward +x.</summary>
    public double SignedMidlineDistanceMm(int x, int y, double sx, double sy)
    {
        var a = (First.A + Second.A) / 2; var b = (First.B + Second.B) / 2;
        // Line x = a + b·y; perpendicular distance in mm.
        var dx = (x - (a + b * y)) * sx;
        var slope = b * sx / sy;
        return dx / Math.Sqrt(1 + slope * slope);
    }
}

/// <summary>
/// Finds the vertebral body around a cement group. Side walls: per row, the outermost strong horizontal edge on
/// each side (rising into the body on the first side, falling on the second), fitted with a robust line. Endplates:
/// per column, the strongest vertical edge between disc and body (rising going down at the superior endplate,
/// falling at the inferior), fitted with a robust line. Edges come from the residual with cement painted out,
/// smoothed with σ 0.5 mm.
/// </summary>
internal static class BodyFinder
{
    public static BodyOutline? Find(CanonicalImage c, float[] painted, byte[] paintedMask, CementGroup g, bool lateral, Action<string>? trace)
    {
        int w = c.Width, h = c.Height;
        double sx = c.Sx, sy = c.Sy;
        var img = Cv.Blur(painted, w, h, 0.5 / ((sx + sy) / 2));
        var xc = (g.MainX0 + g.MainX1) / 2.0;
        var yc = (g.MainY0 + g.MainY1) / 2.0;

        // 1. Side walls over the cement's rows.
        var rowsA = Range(g.MainY0, g.MainY1, h);
        var (first, second) = Walls(img, w, rowsA, xc, g.MainX0, g.MainX1, sx, lateral);
        if (first is null || second is null) { trace?.Invoke("walls not found (1)"); return null; }
        var mid = (first.Value.At(yc) + second.Value.At(yc)) / 2;
        var half = (second.Value.At(yc) - first.Value.At(yc)) / 2;

        // 2. Endplates over the central 60 % of the width.
        var colsA = Range((int)Math.Ceiling(mid - 0.85 * half), (int)Math.Floor(mid + 0.85 * half), w);
        var (sup, inf) = Endplates(null, null, img, paintedMask, w, h, colsA, g.MainY0, g.MainY1, yc, sy, trace);
        if (sup is null || inf is null) { trace?.Invoke("endplates not found"); return null; }

        // 3. Walls again over the body's inner rows, endplates again over the body's inner columns.
        var top = sup.Value.At(mid); var bottom = inf.Value.At(mid);
        var rowsB = Range((int)Math.Ceiling(top + 0.15 * (bottom - top)), (int)Math.Floor(bottom - 0.15 * (bottom - top)), h);
        var (f2, s2) = Walls(img, w, rowsB, mid, (int)Math.Max(g.MainX0, mid - 0.5 * half), (int)Math.Min(g.MainX1, mid + 0.5 * half), sx, lateral);
        if (f2 is not null && s2 is not null) { first = f2; second = s2; }
        mid = (first.Value.At((top + bottom) / 2) + second.Value.At((top + bottom) / 2)) / 2;
        half = (second.Value.At((top + bottom) / 2) - first.Value.At((top + bottom) / 2)) / 2;
        var colsB = Range((int)Math.Ceiling(mid - 0.85 * half), (int)Math.Floor(mid + 0.85 * half), w);
        var supSeen = new Dictionary<int, double>(); var infSeen = new Dictionary<int, double>();
        var (sup2, inf2) = Endplates(supSeen, infSeen, img, paintedMask, w, h, colsB, (int)Math.Round(top), (int)Math.Round(bottom), (top + bottom) / 2, sy, trace, top, bottom);
        if (sup2 is not null && inf2 is not null) { sup = sup2; inf = inf2; }

        var body = new BodyOutline
        {
            First = first.Value, Second = second.Value, Superior = sup.Value, Inferior = inf.Value,
            CentroidX = 0, CentroidY = 0, AreaPx = 0, Confidence = 0,
        };
        long area = 0; double mx = 0, my = 0;
        var y0 = (int)Math.Floor(Math.Min(sup.Value.At(first.Value.At(top)), sup.Value.At(second.Value.At(top))));
        var y1 = (int)Math.Ceiling(Math.Max(inf.Value.At(first.Value.At(bottom)), inf.Value.At(second.Value.At(bottom))));
        for (var y = Math.Max(0, y0); y <= Math.Min(h - 1, y1); y++)
            for (var x = Math.Max(0, (int)first.Value.At(y)); x <= Math.Min(w - 1, (int)Math.Ceiling(second.Value.At(y))); x++)
                if (body.Contains(x, y, 0)) { area++; mx += x; my += y; }
        if (area == 0) return null;
        var conf = new[] { first.Value, second.Value, sup.Value, inf.Value }
            .Select(l => l.InlierFraction * Math.Exp(-l.RmsPx * Math.Max(sx, sy) / 1.0)).Min();
        trace?.Invoke($"body walls {RadiographAnalyzer.F(first.Value.At(yc))}..{RadiographAnalyzer.F(second.Value.At(yc))} endplates {RadiographAnalyzer.F(sup.Value.At(mid))}..{RadiographAnalyzer.F(inf.Value.At(mid))} conf {RadiographAnalyzer.F(conf)}");
        return new BodyOutline
        {
            First = first.Value, Second = second.Value, Superior = sup.Value, Inferior = inf.Value,
            CentroidX = mx / area, CentroidY = my / area, AreaPx = area, Confidence = Math.Clamp(conf, 0, 1),
            // Keep only per-column edges that agree with the fitted line to 2 mm (the bowl is shallower than that).
            SuperiorSeen = Agreeing(supSeen, sup.Value, 2 / sy), InferiorSeen = Agreeing(infSeen, inf.Value, 2 / sy),
        };
    }

    private static Dictionary<int, double> Agreeing(Dictionary<int, double> seen, Line line, double limit) =>
        seen.Where(kv => Math.Abs(kv.Value - line.At(kv.Key)) <= limit).ToDictionary(kv => kv.Key, kv => kv.Value);

    private static List<int> Range(int a, int b, int n)
    {
        var list = new List<int>();
        for (var i = Math.Max(1, a); i <= Math.Min(n - 2, b); i++) list.Add(i);
        return list;
    }

    /// <summary>Per row, the outermost strong rising edge left of the cement and falling edge right of it.</summary>
    private static (Line?, Line?) Walls(float[] img, int w, List<int> rows, double xc, int cx0, int cx1, double sx, bool lateral)
    {
        var firstPts = new List<(double T, double V)>(); var secondPts = new List<(double T, double V)>();
        var reach = (int)Math.Round(32 / sx);
        var minHalf = (int)Math.Round((lateral ? 8 : 12) / sx);
        foreach (var y in rows)
        {
            var row = y * w;
            // First side: rising edge (dark outside → bright body) between xc − reach and min(xc − minHalf, cx0 + 1 mm).
            var lo = Math.Max(1, (int)(xc - reach - 8 / sx)); var hi = Math.Min(w - 2, (int)Math.Min(xc - minHalf, cx0 + 1 / sx));
            if (Outermost(img, row, lo, hi, rising: true, fromLow: true) is { } a) firstPts.Add((y, a));
            lo = Math.Max(1, (int)Math.Max(xc + minHalf, cx1 - 1 / sx)); hi = Math.Min(w - 2, (int)(xc + reach + 8 / sx));
            if (Outermost(img, row, lo, hi, rising: false, fromLow: lateral) is { } b) secondPts.Add((y, b));
        }
        return (Fit(firstPts, rows.Count), Fit(secondPts, rows.Count));
    }

    /// <summary>Sub-pixel position of the outermost gradient extremum of at least half the strongest in [lo, hi].</summary>
    private static double? Outermost(float[] img, int row, int lo, int hi, bool rising, bool fromLow)
    {
        if (hi - lo < 3) return null;
        var gmax = 0.0;
        for (var x = lo; x <= hi; x++)
        {
            var gx = (img[row + x + 1] - img[row + x - 1]) / 2.0 * (rising ? 1 : -1);
            gmax = Math.Max(gmax, gx);
        }
        if (gmax <= 0) return null;
        int start = fromLow ? lo + 1 : hi - 1, end = fromLow ? hi - 1 : lo + 1, step = fromLow ? 1 : -1;
        for (var x = start; fromLow ? x <= end : x >= end; x += step)
        {
            double G(int xx) => (img[row + xx + 1] - img[row + xx - 1]) / 2.0 * (rising ? 1 : -1);
            var g0 = G(x);
            if (g0 < 0.5 * gmax || g0 < G(x - 1) || g0 < G(x + 1)) continue;
            return x + Parabola(G(x - 1), g0, G(x + 1));
        }
        return null;
    }

    private static double Parabola(double a, double b, double c)
    {
        var d = a - 2 * b + c;
        return d < 0 ? Math.Clamp(0.5 * (a - c) / d, -0.5, 0.5) : 0;
    }

    /// <summary>Endplates: band profile first (strongest rising edge above the cement centre, falling below), then per column.</summary>
    private static (Line?, Line?) Endplates(Dictionary<int, double>? supSeen, Dictionary<int, double>? infSeen, float[] img, byte[] painted, int w, int h, List<int> cols, int cy0, int cy1, double yc, double sy,
        Action<string>? trace, double? topHint = null, double? bottomHint = null)
    {
        if (cols.Count < 3) return (null, null);
        double supY, infY;
        if (topHint is { } th && bottomHint is { } bh) { supY = th; infY = bh; }
        else
        {
            var prof = new double[h];
            for (var y = 1; y < h - 1; y++)
            {
                double sum = 0; var k = 0;
                foreach (var x in cols)
                {
                    if (painted[(y + 1) * w + x] != 0 || painted[(y - 1) * w + x] != 0) continue;
                    sum += img[(y + 1) * w + x] - img[(y - 1) * w + x]; k++;
                }
                prof[y] = k >= Math.Max(3, cols.Count / 10) ? sum / (2 * k) : 0;
            }
            // The edge nearest the cement that is at least 60 % of the strongest in its window: a body's own endplate,
            // not the inner edge of the next body's endplate beyond the disc.
            var reach = 16 / sy;
            int supLo = Math.Max(1, (int)(cy0 - reach)), supHi = Math.Min(h - 2, (int)Math.Min(yc, cy0 + 1 / sy));
            int infLo = Math.Max(1, (int)Math.Max(yc, cy1 - 1 / sy)), infHi = Math.Min(h - 2, (int)(cy1 + reach));
            supY = Nearest(prof, supLo, supHi, 1, fromHigh: true);
            infY = Nearest(prof, infLo, infHi, -1, fromHigh: false);
            if (double.IsNaN(supY) || double.IsNaN(infY)) return (null, null);
            trace?.Invoke($"band endplates {RadiographAnalyzer.F(supY)} {RadiographAnalyzer.F(infY)}");
        }
        var win = (int)Math.Round((topHint is null ? 4 : 2.5) / sy);
        var clear = Math.Max(1, (int)Math.Round(0.6 / sy));
        var supPts = new List<(double T, double V)>(); var infPts = new List<(double T, double V)>();
        var half = Math.Max(1, (int)Math.Round(0.6 / sy));
        foreach (var x in cols)
        {
            double Gy(int y)
            {
                double s = 0; var k = 0;
                for (var xx = Math.Max(0, x - half); xx <= Math.Min(w - 1, x + half); xx++, k++) s += img[(y + 1) * w + xx] - img[(y - 1) * w + xx];
                return s / (2 * k);
            }
            bool Clear(double y)
            {
                for (var yy = Math.Max(0, (int)y - clear); yy <= Math.Min(h - 1, (int)y + clear + 1); yy++)
                    if (painted[yy * w + x] != 0) return false;
                return true;
            }
            if (Extremum(Gy, (int)supY - win, (int)supY + win, h, 1) is { } a && Clear(a)) { supPts.Add((x, a)); if (supSeen is not null) supSeen[x] = a; }
            if (Extremum(Gy, (int)infY - win, (int)infY + win, h, -1) is { } b && Clear(b)) { infPts.Add((x, b)); if (infSeen is not null) infSeen[x] = b; }
        }
        return (Fit(supPts, cols.Count), Fit(infPts, cols.Count));
    }

    private static double Nearest(double[] prof, int lo, int hi, int sign, bool fromHigh)
    {
        if (hi - lo < 2) return double.NaN;
        var best = 0.0;
        for (var y = lo; y <= hi; y++) best = Math.Max(best, sign * prof[y]);
        if (best <= 0) return double.NaN;
        for (int y = fromHigh ? hi - 1 : lo + 1; fromHigh ? y > lo : y < hi; y += fromHigh ? -1 : 1)
        {
            var v = sign * prof[y];
            if (v >= 0.6 * best && v >= sign * prof[y - 1] && v >= sign * prof[y + 1]) return y;
        }
        return double.NaN;
    }

    private static double? Extremum(Func<int, double> g, int lo, int hi, int n, int sign)
    {
        lo = Math.Max(2, lo); hi = Math.Min(n - 3, hi);
        if (hi - lo < 2) return null;
        var best = double.MinValue; var at = -1;
        for (var y = lo; y <= hi; y++) { var v = sign * g(y); if (v > best) { best = v; at = y; } }
        if (best <= 0 || at <= lo || at >= hi) return null;
        return at + Parabola(sign * g(at - 1), best, sign * g(at + 1));
    }

    /// <summary>Least-squares line V = A + B·T with two rounds of rejection beyond 2.5 robust sigmas (floor 0.5 px).</summary>
    internal static Line? Fit(List<(double T, double V)> pts, int expected)
    {
        if (pts.Count < 5) return null;
        var use = pts;
        double a = 0, b = 0;
        for (var round = 0; round < 3; round++)
        {
            (a, b) = LeastSquares(use);
            if (round == 2) break;
            var res = pts.Select(p => Math.Abs(p.V - (a + b * p.T))).ToArray();
            var sorted = res.OrderBy(v => v).ToArray();
            var mad = sorted[sorted.Length / 2] * 1.4826;
            var limit = Math.Max(0.5, 2.5 * mad);
            var next = pts.Where((p, i) => res[i] <= limit).ToList();
            if (next.Count < 5) break;
            use = next;
        }
        var (fa, fb) = (a, b);
        var rms = Math.Sqrt(use.Average(p => Math.Pow(p.V - (fa + fb * p.T), 2)));
        return new Line(a, b, use.Count / (double)Math.Max(expected, 1), rms);
    }

    private static (double A, double B) LeastSquares(List<(double T, double V)> pts)
    {
        double st = 0, sv = 0, stt = 0, stv = 0; var n = pts.Count;
        foreach (var (t, v) in pts) { st += t; sv += v; stt += t * t; stv += t * v; }
        var d = n * stt - st * st;
        if (Math.Abs(d) < 1e-9) return (sv / n, 0);
        var b = (n * stv - st * sv) / d;
        return ((sv - b * st) / n, b);
    }
}

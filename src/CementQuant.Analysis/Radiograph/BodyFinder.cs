namespace CementQuant.Analysis.Radiograph;

/// <summary>
/// Finds the vertebral body around a cement group in a window turned to the vertebra's axis. Walls: the pair of
/// strongest opposite edges in the column profile (mean over the cement's rows, painted cement left out) that brackets
/// the cement's centre, has a body's width and dark tissue outside; endplates likewise in the row profile between the
/// walls, with the disc darker beyond. Lateral views find the endplates first (their edges are the strong ones there),
/// frontal views the walls. Each side is then refined per row or column near that position and fitted with a line.
/// </summary>
/// <remarks>About 430 lines: one search (walls, then endplates, then the outline's checks) whose steps share the
/// window's profiles; split further only along a second responsibility.</remarks>
internal static class BodyFinder
{
    /// <summary>Plausible body sizes, mm: width (frontal) or depth (lateral), and height.</summary>
    private const double MinWidthAp = 30, MaxWidthAp = 64, MinDepthLat = 22, MaxDepthLat = 48, MinHeight = 16, MaxHeight = 38;

    public static BodyOutline? Find(BodyWindow win, bool lateral, Action<string>? trace)
    {
        int w = win.Width, h = win.Height;
        var s = win.S;
        if (CementExtent(win) is not var (mx, my, cy0, cy1)) return null;
        var (wMin, wMax) = lateral ? (MinDepthLat, MaxDepthLat) : (MinWidthAp, MaxWidthAp);

        // Walls over the cement's rows: lateral views take the nearest strong pair (the posterior elements behind the body
        // make strong edges too), frontal views the outermost (the pedicles inside the body make edges too).
        var (first, second) = Pair(ColumnProfile(win, cy0 + (cy1 - cy0) / 10, cy1 - (cy1 - cy0) / 10), mx, wMin / s, wMax / s, s,
            lateral ? PairRule.Narrowest : PairRule.Widest);
        if (first is null || second is null) { trace?.Invoke("walls not found"); return null; }
        // Endplates: the strongest pair in the row profile between the walls (a cleft, a pedicle or a neighbour's endplate
        // is weaker).
        var inset = 0.15 * (second.Value.Pos - first.Value.Pos);
        var (sup, inf) = (lateral ? BesideCement(win, first.Value.Pos, second.Value.Pos, my, MinHeight / s, MaxHeight / s) : null)
            ?? Pair(RowProfile(win, (int)(first.Value.Pos + inset), (int)(second.Value.Pos - inset)), my, MinHeight / s, MaxHeight / s, s, PairRule.Strongest);
        if (sup is null || inf is null) { trace?.Invoke("endplates not found"); return null; }
        trace?.Invoke($"profile walls {RadiographAnalyzer.F(first.Value.Pos)}..{RadiographAnalyzer.F(second.Value.Pos)} endplates {RadiographAnalyzer.F(sup.Value.Pos)}..{RadiographAnalyzer.F(inf.Value.Pos)} (window {w}x{h}, angle {RadiographAnalyzer.F(win.Angle * 180 / Math.PI)}°)");

        // Refine: walls per row over the body's inner 70 %, endplates per column over the inner 70 %.
        double top = sup.Value.Pos, bottom = inf.Value.Pos, left = first.Value.Pos, right = second.Value.Pos;
        var rows = Range(top + 0.15 * (bottom - top), bottom - 0.15 * (bottom - top), h);
        var cols = Range(left + 0.15 * (right - left), right - 0.15 * (right - left), w);
        var fLine = RefineWall(win, rows, left, +1) ?? Flat(left);
        var sLine = RefineWall(win, rows, right, -1) ?? Flat(right);
        var supSeen = new Dictionary<int, double>(); var infSeen = new Dictionary<int, double>();
        var supLine = (lateral ? RefineEndplate(win, cols, top, +1, supSeen) : null) ?? Flat(top);
        var infLine = (lateral ? RefineEndplate(win, cols, bottom, -1, infSeen) : null) ?? Flat(bottom);

        var body = new BodyOutline
        {
            Window = win, First = fLine, Second = sLine, Superior = supLine, Inferior = infLine,
            CentroidX = 0, CentroidY = 0, AreaPx = 0, Confidence = 0,
        };
        if (AreaAndCentroid(body, top, bottom, left, right) is not var (area, cx, cy)) return null;
        var seenSup = Agreeing(supSeen, supLine, 2 / s); var seenInf = Agreeing(infSeen, infLine, 2 / s);
        double? symmetry = lateral ? null : SymmetryMidline(win, left, right, top, bottom);
        var conf = Confidence(lateral ? [fLine, sLine, supLine, infLine] : [fLine, sLine], s, (right - left) * s, (bottom - top) * s, lateral,
            symmetry is { } m ? (m - (left + right) / 2) * s : null, lateral ? Math.Min(seenSup.Count, seenInf.Count) / (double)Math.Max(1, cols.Count) : 1);
        if (trace is not null) TraceBody(trace, [fLine, sLine, supLine, infLine], (top + bottom) / 2, (left + right) / 2, symmetry, s, conf);
        return new BodyOutline
        {
            Window = win, First = fLine, Second = sLine, Superior = supLine, Inferior = infLine,
            CentroidX = cx, CentroidY = cy, AreaPx = area, Confidence = Math.Clamp(conf, 0, 1),
            // Keep only per-column edges that agree with the fitted line to 2 mm (the bowl is shallower than that).
            SuperiorSeen = seenSup, InferiorSeen = seenInf,
        };
    }

    private static void TraceBody(Action<string> trace, Line[] sides, double midRow, double midCol, double? symmetry, double s, double conf) =>
        trace($"body walls {RadiographAnalyzer.F(sides[0].At(midRow))}..{RadiographAnalyzer.F(sides[1].At(midRow))} endplates {RadiographAnalyzer.F(sides[2].At(midCol))}..{RadiographAnalyzer.F(sides[3].At(midCol))}"
            + (symmetry is { } sm ? $" symmetry midline {RadiographAnalyzer.F((sm - midCol) * s)} mm off the walls'" : "") + $" conf {RadiographAnalyzer.F(conf)}");

    /// <summary>The cement's centre of mass and row extent in the window; null without cement.</summary>
    private static (double Mx, double My, int Cy0, int Cy1)? CementExtent(BodyWindow win)
    {
        int w = win.Width, h = win.Height;
        double mx = 0, my = 0; long n = 0;
        int cy0 = h, cy1 = -1;
        for (var j = 0; j < h; j++)
            for (var i = 0; i < w; i++)
            {
                if (win.Cement[j * w + i] == 0) continue;
                mx += i; my += j; n++;
                cy0 = Math.Min(cy0, j); cy1 = Math.Max(cy1, j);
            }
        return n == 0 ? null : (mx / n, my / n, cy0, cy1);
    }

    /// <summary>Area (pixels) and centroid of the outline, searched within 10 mm of its profile box; null when empty.</summary>
    private static (long Area, double Cx, double Cy)? AreaAndCentroid(BodyOutline body, double top, double bottom, double left, double right)
    {
        var win = body.Window;
        int w = win.Width, h = win.Height;
        var s = win.S;
        long area = 0; double ax = 0, ay = 0;
        for (var j = Math.Max(0, (int)(top - 10 / s)); j <= Math.Min(h - 1, (int)(bottom + 10 / s)); j++)
            for (var i = Math.Max(0, (int)(left - 10 / s)); i <= Math.Min(w - 1, (int)(right + 10 / s)); i++)
                if (body.Contains(i, j, 0)) { area++; ax += i; ay += j; }
        return area == 0 ? null : (area, ax / area, ay / area);
    }

    /// <summary>An edge of a profile: sub-pixel position and strength (the derivative's magnitude there).</summary>
    private readonly record struct Side(double Pos, double Strength);

    /// <summary>A side found only as a profile position (no per-row or per-column edges to fit): half trusted.</summary>
    private static Line Flat(double at) => new(at, 0, 0.5, 0);

    /// <summary>Typical sizes, mm: frontal width, lateral depth, height (lumbar and low thoracic bodies).</summary>
    private const double TypicalWidthAp = 46, TypicalDepthLat = 33, TypicalHeight = 26;

    /// <summary>
    /// 0..1, the product of: the worst side's fit (share of its edge points on its line, times exp(−rms / 1 mm);
    /// frontal views: the walls only, the endplates being bands there);
    /// how typical the size is (1 within ±25 % of a lumbar body, falling to 0.5 at ±50 %); frontal views: agreement
    /// of the walls' midline with the pedicles' and spinous process's symmetry (1 within 1 mm, 0.5 beyond 4 mm: a rotated
    /// vertebra or a wrong wall); lateral views: how much of the endplates is seen rather than extrapolated under cement.
    /// </summary>
    private static double Confidence(Line[] lines, double s, double widthMm, double heightMm, bool lateral, double? symmetryOffMm, double seenFraction)
    {
        var fit = lines.Min(l => Math.Clamp(l.InlierFraction, 0, 1) * Math.Exp(-l.RmsPx * s / 1.0));
        static double Typical(double v, double typical)
        {
            var dev = Math.Abs(v / typical - 1);
            return dev <= 0.25 ? 1 : Math.Max(0.5, 1 - (dev - 0.25) * 2);
        }
        var size = Typical(widthMm, lateral ? TypicalDepthLat : TypicalWidthAp) * Typical(heightMm, TypicalHeight);
        var extra = lateral
            ? 0.5 + 0.5 * Math.Min(1, seenFraction / 0.3)
            : symmetryOffMm is { } off ? 1 - 0.5 * Math.Clamp((Math.Abs(off) - 1) / 3, 0, 1) : 0.75;
        return Math.Clamp(fit * size * extra, 0, 1);
    }

    /// <summary>
    /// Frontal views: the spinous process's column, the brightest narrow vertical ridge (column mean over the body's
    /// lower half and 40 % of its height below, smoothed over 3 mm, less the same 4 mm either side) within 8 mm of the
    /// walls' midline, when it stands out (over 2.5 robust sigmas of the ridge values across the body); null where none
    /// does or cement hides it.
    /// </summary>
    private static double? SymmetryMidline(BodyWindow win, double left, double right, double top, double bottom)
    {
        var p = new Profile(win, alongX: true, (int)Math.Round((top + bottom) / 2), (int)Math.Round(bottom + 0.4 * (bottom - top)));
        var s = win.S;
        var mid = (left + right) / 2;
        int side = (int)Math.Round(4 / s), box = Math.Max(1, (int)Math.Round(1.5 / s));
        double? Smooth(int x)
        {
            double sum = 0; var k = 0;
            for (var q = x - box; q <= x + box; q++) if (p.Mean(q) is { } v) { sum += v; k++; }
            return k > box ? sum / k : null;
        }
        var ridge = new List<(int X, double V)>();
        for (var x = (int)Math.Ceiling(left) + side; x <= (int)Math.Floor(right) - side; x++)
            if (Smooth(x) is { } c && Smooth(x - side) is { } a && Smooth(x + side) is { } b) ridge.Add((x, c - (a + b) / 2));
        if (ridge.Count < 10) return null;
        var median = ridge.Select(r => r.V).Order().ElementAt(ridge.Count / 2);
        var mad = 1.4826 * ridge.Select(r => Math.Abs(r.V - median)).Order().ElementAt(ridge.Count / 2);
        var near = ridge.Where(r => Math.Abs(r.X - mid) * s <= 8).ToList();
        if (near.Count == 0) return null;
        var top1 = near.MaxBy(r => r.V);
        return top1.V - median > 2.5 * Math.Max(mad, 1e-6) ? top1.X : null;
    }

    /// <summary>
    /// Lateral endplates from the body's columns beside the cement (between the walls, clear of painted cement from
    /// the cement's middle row out to the edge): in each, its derivative averaged over <see cref="BodyWindow.AcrossPx"/>
    /// columns either side, going outward from that row, the first endplate edge at
    /// least 40 % as strong as the strongest within 25 mm (further out lie the disc and the neighbour's endplates);
    /// their mean positions, when at least five columns agree on each side within 2 mm and the height is a body's.
    /// </summary>
    private static (Side?, Side?)? BesideCement(BodyWindow win, double first, double second, double midRow, double minPx, double maxPx)
    {
        int w = win.Width, h = win.Height;
        var s = win.S;
        var half = win.AcrossPx; var reach = (int)Math.Round(25 / s);
        var supPts = new List<double>(); var infPts = new List<double>();
        var mid = (int)Math.Round(midRow);
        var inset = 0.1 * (second - first);
        for (var x = (int)Math.Ceiling(first + inset); x <= (int)Math.Floor(second - inset); x++)
        {
            double Gy(int y)
            {
                double sum = 0; var k = 0;
                for (var xx = Math.Max(0, x - half); xx <= Math.Min(w - 1, x + half); xx++, k++) sum += win.Image[(y + 1) * w + xx] - win.Image[(y - 1) * w + xx];
                return sum / (2 * k);
            }
            foreach (var sign in (ReadOnlySpan<int>)[-1, +1])
            {
                // Superior (sign −1, going up): rising edges going down; inferior (going down): falling edges.
                var g = new List<(int Y, double V)>();
                for (var y = mid; y >= 2 && y < h - 2 && Math.Abs(y - mid) <= reach; y += sign)
                {
                    if (win.Painted[y * w + x] != 0) { g.Clear(); break; }
                    g.Add((y, -sign * Gy(y)));
                }
                if (g.Count < 3) continue;
                var max = g.Max(p => p.V);
                if (max <= 0) continue;
                for (var k = 1; k + 1 < g.Count; k++)
                    if (g[k].V >= 0.4 * max && g[k].V >= g[k - 1].V && g[k].V >= g[k + 1].V)
                    {
                        (sign < 0 ? supPts : infPts).Add(g[k].Y);
                        break;
                    }
            }
        }
        double? Agreed(List<double> pts)
        {
            if (pts.Count < 5) return null;
            var median = pts.Order().ElementAt(pts.Count / 2);
            var near = pts.Where(p => Math.Abs(p - median) <= 2 / s).ToList();
            return near.Count >= Math.Max(5, pts.Count / 2) ? near.Average() : null;
        }
        if (Agreed(supPts) is not { } top || Agreed(infPts) is not { } bottom || bottom - top < minPx || bottom - top > maxPx) return null;
        return (new Side(top, 1), new Side(bottom, 1));
    }

    private enum PairRule { Strongest, Narrowest, Widest }

    /// <summary>
    /// Edges across a band of the window: along x over rows [b0, b1] (<paramref name="alongX"/>) or along y over columns
    /// [b0, b1]. Per position t: the mean derivative over the band's lines where both neighbours are unpainted, and
    /// differences of means over ranges of each line, unpainted pixels only (so painted cement never makes an edge by
    /// changing which pixels are averaged).
    /// </summary>
    private sealed class Profile
    {
        private readonly double[][] _clearSum;
        private readonly int[][] _clear;
        private readonly int _n;

        public Profile(BodyWindow win, bool alongX, int b0, int b1)
        {
            int w = win.Width, h = win.Height;
            _n = alongX ? w : h;
            var lines = alongX ? h : w;
            b0 = Math.Clamp(b0, 0, lines - 1); b1 = Math.Clamp(b1, 0, lines - 1);
            var count = Math.Max(0, b1 - b0 + 1);
            _clearSum = new double[count][]; _clear = new int[count][];
            Derivative = new double[_n];
            var k = new int[_n];
            for (var l = 0; l < count; l++)
            {
                var b = b0 + l;
                // Prefix sums over the line of unpainted values and of unpainted pixels.
                var sum = _clearSum[l] = new double[_n + 1]; var cn = _clear[l] = new int[_n + 1];
                for (var t = 0; t < _n; t++)
                {
                    var idx = alongX ? b * w + t : t * w + b;
                    var clear = win.Painted[idx] == 0;
                    sum[t + 1] = sum[t] + (clear ? win.Image[idx] : 0);
                    cn[t + 1] = cn[t] + (clear ? 1 : 0);
                }
                for (var t = 1; t < _n - 1; t++)
                {
                    if (cn[t + 2] - cn[t + 1] == 0 || cn[t] - cn[t - 1] == 0) continue;
                    Derivative[t] += (sum[t + 2] - sum[t + 1] - (sum[t] - sum[t - 1])) / 2; k[t]++;
                }
            }
            var min = Math.Max(3, count / 5);
            for (var t = 0; t < _n; t++) Derivative[t] = k[t] >= min ? Derivative[t] / k[t] : 0;
        }

        public double[] Derivative { get; }
        public int Length => _n;

        /// <summary>Mean over the lines of the unpainted values at t; null when fewer than a quarter of the lines are unpainted there.</summary>
        public double? Mean(int t)
        {
            if (t < 0 || t >= _n) return null;
            double total = 0; var k = 0;
            for (var l = 0; l < _clearSum.Length; l++)
                if (_clear[l][t + 1] - _clear[l][t] != 0) { total += _clearSum[l][t + 1] - _clearSum[l][t]; k++; }
            return k >= Math.Max(3, _clearSum.Length / 4) ? total / k : null;
        }

        /// <summary>Mean over the lines of (mean of [a, b]) − (mean of [c, d]), each over its unpainted pixels, for lines
        /// where both ranges are at least half unpainted; null when fewer than a fifth of the lines qualify.</summary>
        public double? Difference(int a, int b, int c, int d)
        {
            if (a < 0 || c < 0 || b >= _n || d >= _n) return null;
            double total = 0; var k = 0;
            for (var l = 0; l < _clearSum.Length; l++)
            {
                var cn = _clear[l];
                int n1 = cn[b + 1] - cn[a], n2 = cn[d + 1] - cn[c];
                if (2 * n1 < b - a + 1 || 2 * n2 < d - c + 1) continue;
                var sum = _clearSum[l];
                total += (sum[b + 1] - sum[a]) / n1 - (sum[d + 1] - sum[c]) / n2; k++;
            }
            return k >= Math.Max(3, _clearSum.Length / 5) ? total / k : null;
        }
    }

    private static Profile ColumnProfile(BodyWindow win, int j0, int j1) => new(win, alongX: true, j0, j1);

    private static Profile RowProfile(BodyWindow win, int i0, int i1) => new(win, alongX: false, i0, i1);

    /// <summary>
    /// The rising edge before <paramref name="centre"/> and the falling edge after it (going up the profile's index)
    /// that are a body's size apart and darker outside than inside (tissue or disc beyond, not a bright line's far
    /// flank): by <paramref name="rule"/>, the pair with the largest weaker strength, or the narrowest or widest pair
    /// whose weaker edge is at least half that strong.
    /// </summary>
    private static (Side?, Side?) Pair(Profile profile, double centre, double minPx, double maxPx, double s, PairRule rule)
    {
        var n = profile.Length;
        var d = profile.Derivative;
        int near = Math.Max(1, (int)Math.Round(1.5 / s)), far = Math.Max(near + 2, (int)Math.Round(4.0 / s));
        var rising = new List<Side>(); var falling = new List<Side>();
        for (var k = 2; k < n - 2; k++)
        {
            // Outside minus inside: must not be brighter (unknown where painted cement covers both sides).
            if (d[k] > 0 && d[k] >= d[k - 1] && d[k] > d[k + 1] && k < centre && profile.Difference(k - far, k - near, k + near, k + far) is not >= 0)
                rising.Add(new Side(k + Parabola(d[k - 1], d[k], d[k + 1]), d[k]));
            if (d[k] < 0 && d[k] <= d[k - 1] && d[k] < d[k + 1] && k > centre && profile.Difference(k + near, k + far, k - far, k - near) is not >= 0)
                falling.Add(new Side(k + Parabola(-d[k - 1], -d[k], -d[k + 1]), -d[k]));
        }
        var valid = (from a in rising from b in falling let size = b.Pos - a.Pos where size >= minPx && size <= maxPx select (a, b)).ToList();
        if (valid.Count == 0) return (null, null);
        var top = valid.MaxBy(v => Math.Min(v.a.Strength, v.b.Strength));
        if (rule == PairRule.Strongest) return (top.a, top.b);
        var strong = valid.Where(v => Math.Min(v.a.Strength, v.b.Strength) >= 0.5 * Math.Min(top.a.Strength, top.b.Strength));
        var pick = rule == PairRule.Narrowest ? strong.MinBy(v => v.b.Pos - v.a.Pos) : strong.MaxBy(v => v.b.Pos - v.a.Pos);
        return (pick.a, pick.b);
    }

    private static Dictionary<int, double> Agreeing(Dictionary<int, double> seen, Line line, double limit) =>
        seen.Where(kv => Math.Abs(kv.Value - line.At(kv.Key)) <= limit).ToDictionary(kv => kv.Key, kv => kv.Value);

    private static List<int> Range(double a, double b, int n)
    {
        var list = new List<int>();
        for (var i = Math.Max(2, (int)Math.Ceiling(a)); i <= Math.Min(n - 3, (int)Math.Floor(b)); i++) list.Add(i);
        return list;
    }

    /// <summary>Per row, the strongest edge of the wall's sign within 3 mm of <paramref name="at"/> (averaged over
    /// <see cref="BodyWindow.AcrossPx"/> rows either side, painted pixels skipped), fitted with a robust line.</summary>
    private static Line? RefineWall(BodyWindow win, List<int> rows, double at, int sign)
    {
        int w = win.Width, h = win.Height;
        var reach = (int)Math.Round(3 / win.S); var half = win.AcrossPx;
        var pts = new List<(double T, double V)>();
        foreach (var y in rows)
        {
            double Gx(int x)
            {
                double sum = 0; var k = 0;
                for (var yy = Math.Max(0, y - half); yy <= Math.Min(h - 1, y + half); yy++, k++) sum += win.Image[yy * w + x + 1] - win.Image[yy * w + x - 1];
                return sign * sum / (2 * k);
            }
            bool Clear(int x) => win.Painted[y * w + Math.Clamp(x - 2, 0, w - 1)] == 0 && win.Painted[y * w + Math.Clamp(x + 2, 0, w - 1)] == 0;
            if (Extremum(Gx, (int)at - reach, (int)at + reach, w) is { } x && Clear((int)Math.Round(x))) pts.Add((y, x));
        }
        return Fit(pts, rows.Count);
    }

    /// <summary>Per column, the strongest edge of the endplate's sign within 2.5 mm of <paramref name="at"/> (averaged over
    /// <see cref="BodyWindow.AcrossPx"/> columns either side), clear of painted cement by 0.6 mm, fitted with a robust line; the edges found go to <paramref name="seen"/>.</summary>
    private static Line? RefineEndplate(BodyWindow win, List<int> cols, double at, int sign, Dictionary<int, double> seen)
    {
        int w = win.Width, h = win.Height;
        var reach = (int)Math.Round(2.5 / win.S); var half = win.AcrossPx; var clear = Math.Max(1, (int)Math.Round(0.6 / win.S));
        var pts = new List<(double T, double V)>();
        foreach (var x in cols)
        {
            double Gy(int y)
            {
                double sum = 0; var k = 0;
                for (var xx = Math.Max(0, x - half); xx <= Math.Min(w - 1, x + half); xx++, k++) sum += win.Image[(y + 1) * w + xx] - win.Image[(y - 1) * w + xx];
                return sign * sum / (2 * k);
            }
            bool Clear(double y)
            {
                for (var yy = Math.Max(0, (int)y - clear); yy <= Math.Min(h - 1, (int)y + clear + 1); yy++)
                    if (win.Painted[yy * w + x] != 0) return false;
                return true;
            }
            if (Extremum(Gy, (int)at - reach, (int)at + reach, h) is { } y && Clear(y)) { pts.Add((x, y)); seen[x] = y; }
        }
        return Fit(pts, pts.Count);
    }

    private static double? Extremum(Func<int, double> g, int lo, int hi, int n)
    {
        lo = Math.Max(2, lo); hi = Math.Min(n - 3, hi);
        if (hi - lo < 2) return null;
        var best = double.MinValue; var at = -1;
        for (var y = lo; y <= hi; y++) { var v = g(y); if (v > best) { best = v; at = y; } }
        if (best <= 0 || at <= lo || at >= hi) return null;
        return at + Parabola(g(at - 1), best, g(at + 1));
    }

    private static double Parabola(double a, double b, double c)
    {
        var d = a - 2 * b + c;
        return d < 0 ? Math.Clamp(0.5 * (a - c) / d, -0.5, 0.5) : 0;
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

namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// The discs along the spinal column (<see cref="VertebraLocator"/>'s second step): a disc-likeness profile along the
/// column, its regularly spaced peaks, long segments split where a disc was missed, and each disc's own plane and the
/// endplate surfaces that face it, fitted at full resolution.
/// </summary>
internal static class DiscSearch
{
    /// <summary>Bone on either side of a disc: the disc gap ends where the profile along the column reaches this HU.</summary>
    internal const int DenseHu = 180;

    /// <summary>
    /// How much the column looks like a disc at each point: on lines parallel to the column through a 2 mm grid
    /// within 14 mm of it, the contrast of a soft layer between two denser ones, i.e. the lower of the brightest
    /// sample 2–9 mm above and the brightest 2–9 mm below (the endplates) minus the point's own value (mean of
    /// 3 samples), clipped to 0–300 HU, averaged over the lines and scaled to 0–1. Inside a body the bone on one
    /// side is farther or no denser. A contrast, not a fixed threshold, so the faint endplates of osteoporotic
    /// bone at 3 mm count too. HU clipped to 500 (cement reads as dense bone); full resolution, so thin
    /// endplates are not missed.
    /// </summary>
    internal static double[] DiscProfile(Volume<short> hu, VertebraLocator.Column col)
    {
        const double Radius = 14, Grid = 2, Reach = 9, Step = 1;
        var map = new VoxelMap(hu.Geometry);
        var d = new double[col.Length];
        var m = (int)(Reach / Step);
        Parallel.For(0, col.Length, i =>
        {
            var t = col.Tangents[i];
            var e1 = BodyGeometry.Orthogonal(new Vec3(1, 0, 0), t);
            var e2 = t.Cross(e1);
            var dh = map.Delta(t * Step);
            var line = new float[2 * m + 1];
            int lines = 0; double sum = 0;
            for (var v = -Radius; v <= Radius; v += Grid)
                for (var u = -Radius; u <= Radius; u += Grid)
                {
                    if (u * u + v * v > Radius * Radius) continue;
                    var c = map.ToVoxel(col.Points[i] + e1 * u + e2 * v);
                    if (c.X < 0 || c.Y < 0 || c.Z < 0 || c.X > hu.SizeX - 1 || c.Y > hu.SizeY - 1 || c.Z > hu.SizeZ - 1) continue;
                    lines++;
                    var q = c - dh * m;
                    for (var k = 0; k < line.Length; k++, q += dh) line[k] = Math.Clamp(Sampler.Trilinear(hu, q.X, q.Y, q.Z), -100f, 500f);
                    var v0 = (line[m - 1] + line[m] + line[m + 1]) / 3;
                    float up = float.MinValue, down = float.MinValue;
                    for (var k = 2; k <= m; k++) { up = Math.Max(up, line[m + k]); down = Math.Max(down, line[m - k]); }
                    sum += Math.Clamp(Math.Min(up, down) - v0, 0, 300);
                }
            d[i] = lines == 0 ? 0 : sum / lines / 300;
        });
        return d;
    }

    /// <summary>Lowest disc-profile peak taken as a disc candidate.</summary>
    private const double MinDisc = 0.08;

    /// <summary>
    /// Chain indices of disc centres. Candidates are peaks of the disc profile <paramref name="d"/>
    /// (<see cref="DiscProfile"/>) of at least <see cref="MinDisc"/> that stand at least twice as high as the
    /// lowest point within 10 mm on either side, scored by their height relative to the scan's highest peak.
    /// A dynamic programme then picks the best set whose spacing is regular, near the profile's own period (its
    /// autocorrelation peak), so a disc-like gap inside a body (trabecular bone between a cement lump and an
    /// endplate, a cleft), 10–15 mm from the real discs, loses to them, and a faint disc in its place is kept.
    /// </summary>
    internal static List<int> FindDiscs(WorkGrid w, double[] d)
    {
        var n = d.Length;
        var peaks = Peaks(d, Math.Max(2, (int)Math.Round(10 / w.Step)));
        // Scores relative to this scan's clear discs (contrast varies with bone density and slice thickness).
        var top = peaks.Count == 0 ? 0 : peaks.Max(i => d[i]);
        var cands = peaks.Select(i => (Index: i, Score: Math.Min(1, d[i] / (0.8 * top)))).ToList();
        if (cands.Count == 0) return [];
        // Typical vertebral spacing from the profile's autocorrelation (20–45 mm).
        var g0 = Period(d, w.Step);
        var minGap = Math.Max(15 / w.Step, 0.6 * g0); var maxGap = 1.6 * g0;
        var m = cands.Count;
        var best = new double[m]; var prev = new int[m];
        for (var a = 0; a < m; a++)
        {
            best[a] = cands[a].Score; prev[a] = -1;
            for (var b = 0; b < a; b++)
            {
                var gap = cands[a].Index - cands[b].Index;
                if (gap < minGap) continue;
                // A longer gap means a missed disc: allowed, at a price.
                var dev = (gap - g0) / g0;
                var t = best[b] + cands[a].Score - (gap > maxGap ? 1 : 8 * dev * dev);
                if (t > best[a]) { best[a] = t; prev[a] = b; }
            }
        }
        var end = 0;
        for (var a = 1; a < m; a++) if (best[a] > best[end]) end = a;
        var picked = new List<int>();
        for (var a = end; a >= 0; a = prev[a]) picked.Add(cands[a].Index);
        picked.Reverse();
        return picked;
    }

    /// <summary>Peaks of <paramref name="d"/> (the first sample of a plateau) of at least <see cref="MinDisc"/> that stand at
    /// least twice as high as the lowest point within <paramref name="reach"/> samples on either side.</summary>
    private static List<int> Peaks(double[] d, int reach)
    {
        var n = d.Length;
        var peaks = new List<int>();
        for (var i = 1; i < n - 1; i++)
        {
            if (d[i] < MinDisc || d[i] < d[i - 1] || d[i] < d[i + 1]) continue;
            if (d[i] == d[i - 1] && i > 1 && d[i - 2] <= d[i]) continue;
            double left = double.MaxValue, right = double.MaxValue;
            for (var j = Math.Max(0, i - reach); j < i; j++) left = Math.Min(left, d[j]);
            for (var j = i + 1; j <= Math.Min(n - 1, i + reach); j++) right = Math.Min(right, d[j]);
            if (d[i] < 2 * left || d[i] < 2 * right) continue;
            peaks.Add(i);
        }
        return peaks;
    }

    /// <summary>The profile's period in samples: the lag of its autocorrelation peak between 20 and 45 mm (32 mm when the
    /// profile is too short to tell).</summary>
    private static double Period(double[] d, double step)
    {
        var n = d.Length;
        var avg = d.Average();
        double bestAc = double.MinValue; var g0 = 32 / step;
        for (var lag = (int)Math.Round(20 / step); lag <= (int)Math.Round(45 / step) && lag < n - 4; lag++)
        {
            double ac = 0;
            for (var i = 0; i + lag < n; i++) ac += (d[i] - avg) * (d[i + lag] - avg);
            ac /= n - lag;
            if (ac > bestAc) { bestAc = ac; g0 = lag; }
        }
        return g0;
    }

    /// <summary>
    /// A segment between two bounds that is at least 1.7 times the median segment (two bodies with the disc
    /// between them missed) is split at its most disc-like section in the middle half. The lowest segment is
    /// left alone: the sacrum is long by nature.
    /// </summary>
    internal static void SplitLongSegments(List<int> discs, VertebraLocator.End low, VertebraLocator.End high, double[] d)
    {
        for (var pass = 0; pass < 4; pass++)
        {
            var bounds = new List<int> { low.Index };
            bounds.AddRange(discs);
            bounds.Add(high.Index);
            if (bounds.Count < 4) return;
            var lengths = new List<int>();
            for (var k = 0; k + 1 < bounds.Count; k++) lengths.Add(bounds[k + 1] - bounds[k]);
            var sorted = lengths.OrderBy(v => v).ToList();
            var median = sorted[sorted.Count / 2];
            var split = -1;
            for (var k = 1; k < lengths.Count && split < 0; k++)
            {
                if (lengths[k] < 1.7 * median) continue;
                int a = bounds[k], b = bounds[k + 1], q = (b - a) / 4;
                var best = double.MinValue;
                for (var i = a + q; i <= b - q; i++)
                    if (d[i] > best) { best = d[i]; split = i; }
            }
            if (split < 0) return;
            discs.Add(split);
            discs.Sort();
        }
    }

    /// <summary>
    /// The plane of one disc, fitted to the disc itself: the column's tangent is a poor guide where the bodies
    /// are shifted or tilted against each other (scoliosis, the lumbosacral junction) or near the chain's ends.
    /// For each guess of the disc's normal (<paramref name="guesses"/>), lines parallel to it through a 2 mm grid
    /// within 16 mm of <paramref name="point"/> are sampled at full resolution; on each, the soft run nearest the
    /// point is bounded by the half-way crossings to the endplates on both sides: the crossings are points of the
    /// two endplate surfaces, their middle a point of the disc's mid-surface. A plane is fitted to the middles
    /// and a bowed plane (<see cref="SurfaceFit.Robust"/>) to each endplate's crossings; the guess whose fit
    /// keeps the most lines wins (the first to keep half the grid's lines ends the search) and is refined once
    /// along its own normal. Null without a usable fit.
    /// </summary>
    internal static Disc? DiscPlane(Volume<short> hu, VoxelMap map, Vec3 point, params Vec3[] guesses)
    {
        Disc? best = null;
        foreach (var g in guesses)
        {
            if (DiscFit(hu, map, point, g) is { } f && (best is null || f.Lines > best.Lines)) best = f;
            if (best?.Lines >= GoodDiscLines) break;
        }
        if (best is null) return null;
        if (DiscFit(hu, map, best.Mid.Point, best.Mid.Normal) is { } r && r.Lines >= best.Lines * 0.9) best = r;
        return best;
    }

    /// <summary>Half the lines of a disc fit's grid (about 200 within 16 mm at 2 mm): enough to trust a fit.</summary>
    private const int GoodDiscLines = 100;

    /// <summary>
    /// A disc: its mid-surface plane (normal superior) and the surfaces fitted to the endplates that face it,
    /// each positive inside its own body (null with too few lines); <see cref="Lines"/> counts the lines the
    /// mid-surface fit kept.
    /// </summary>
    internal sealed record Disc(Plane Mid, HeightSurface? EndplateBelow, HeightSurface? EndplateAbove, int Lines);

    /// <summary>Radius around the disc's point within which its lines are sampled and its surfaces fitted, mm.</summary>
    internal const double DiscFitRadiusMm = 16;

    private static Disc? DiscFit(Volume<short> hu, VoxelMap map, Vec3 point, Vec3 normal)
    {
        const double Radius = DiscFitRadiusMm, Grid = 2, Step = 0.5;
        var n0 = normal.Normalized();
        var extent = BodyGeometry.VoxelExtentAlong(hu.Geometry, n0);
        var coarse = extent > BodyGeometry.CoarseVoxelMm;
        // Thick voxels: the partial-volume model looks two voxels past each endplate.
        var reachMm = coarse ? Math.Max(14, 10 + 2 * extent) : 14;
        var voxel = (int)Math.Round(extent / Step);
        var e1 = BodyGeometry.Orthogonal(new Vec3(1, 0, 0), n0);
        var e2 = n0.Cross(e1);
        var m = (int)(reachMm / Step);
        var prof = new float[2 * m + 1];
        var mids = new List<(double U, double V, double H)>();
        var lows = new List<(double U, double V, double H)>();
        var highs = new List<(double U, double V, double H)>();
        var dh = map.Delta(n0 * Step);
        for (var v = -Radius; v <= Radius; v += Grid)
            for (var u = -Radius; u <= Radius; u += Grid)
            {
                if (u * u + v * v > Radius * Radius) continue;
                var q = map.ToVoxel(point + e1 * u + e2 * v - n0 * reachMm);
                // Cement reads as dense bone: a leak into the disc gives a wrong middle that the refit drops.
                for (var k = 0; k < prof.Length; k++, q += dh) prof[k] = Math.Clamp(Sampler.Trilinear(hu, q.X, q.Y, q.Z), -100f, 500f);
                if (AcrossDisc(prof, m, Step, coarse, voxel) is not { } x) continue;
                mids.Add((u, v, (x.Mid - m) * Step));
                if (!double.IsNaN(x.Low)) lows.Add((u, v, (x.Low - m) * Step));
                if (!double.IsNaN(x.High)) highs.Add((u, v, (x.High - m) * Step));
            }
        if (SurfaceFit.Robust(mids, dome: false) is not { } f) return null;
        // The endplates are concave: a plane bowed by a radial quadratic.
        return new Disc(new Plane(point + n0 * f.A, (n0 - e1 * f.B - e2 * f.C).Normalized()),
            Endplate(lows, -1), Endplate(highs, 1), f.N);

        HeightSurface? Endplate(List<(double U, double V, double H)> pts, double sign) =>
            SurfaceFit.Robust(pts, dome: true) is { } g ? new HeightSurface(point, e1, e2, n0, g, sign) : null;
    }

    /// <summary>
    /// One line across a disc (<paramref name="prof"/>, sampled every <paramref name="step"/> mm, the section's
    /// point at index <paramref name="m"/>): the soft sample nearest the point (within 4 mm), the endplates the
    /// first dense samples on either side of it (a gas cleft or osteoporotic bone beyond them is as soft as the
    /// disc) climbed to their peaks, the disc at most 20 mm long. Each endplate's disc-facing surface lies half
    /// way between its peak and the softest sample between them, or, where voxels are too thick along the line
    /// to resolve the endplate (<paramref name="coarse"/>), comes from its partial volumes
    /// (<see cref="CoarseSurface"/>, NaN where its model fails); the disc's middle is half way between the
    /// half-way crossings. Fractional sample indices; null when the line crosses no disc.
    /// </summary>
    internal static (double Mid, double Low, double High)? AcrossDisc(ReadOnlySpan<float> prof, int m, double step, bool coarse, int voxel)
    {
        const double MaxDisc = 20;
        var s0 = SoftStart(prof, m, step);
        if (s0 < 0) return null;
        int pa = s0, pb = s0;
        while (pa > 0 && prof[pa] < DenseHu) pa--;
        while (pb < prof.Length - 1 && prof[pb] < DenseHu) pb++;
        if (prof[pa] < DenseHu || prof[pb] < DenseHu || (pb - pa) * step > MaxDisc) return null;
        int denseA = pa, denseB = pb;
        while (pa > 0 && prof[pa - 1] > prof[pa]) pa--;
        while (pb < prof.Length - 1 && prof[pb + 1] > prof[pb]) pb++;
        var lo = pa;
        for (var k = pa; k <= pb; k++) if (prof[k] < prof[lo]) lo = k;
        var a = pa; var hb = (prof[lo] + prof[pa]) / 2;
        while (prof[a] >= hb) a++;
        var b = pb; var ha = (prof[lo] + prof[pb]) / 2;
        while (prof[b] >= ha) b--;
        if (!coarse) return ((a + b) / 2.0, a - 0.5, b + 0.5);
        var (low, high) = CoarseEndplates(prof, lo, denseA, denseB, voxel, step);
        return ((a + b) / 2.0, low, high);
    }

    /// <summary>The soft sample (below <see cref="DenseHu"/>) nearest the middle <paramref name="m"/> within 4 mm, −1 when none.</summary>
    private static int SoftStart(ReadOnlySpan<float> prof, int m, double step)
    {
        const double Start = 4;
        for (var d = 0; d <= (int)(Start / step); d++)
        {
            if (prof[m - d] < DenseHu) return m - d;
            if (prof[m + d] < DenseHu) return m + d;
        }
        return -1;
    }

    /// <summary>Coarse voxels: both endplate surfaces from the partial-volume model, whose peaks are the densest sample
    /// within a voxel past the first dense one (a climb can run on along bone as dense as the endplate); NaN where the
    /// model finds none.</summary>
    private static (double Low, double High) CoarseEndplates(ReadOnlySpan<float> prof, int lo, int denseA, int denseB, int voxel, double step)
    {
        int peakA = denseA, peakB = denseB;
        for (var k = denseA; k >= Math.Max(0, denseA - voxel); k--) if (prof[k] > prof[peakA]) peakA = k;
        for (var k = denseB; k <= Math.Min(prof.Length - 1, denseB + voxel); k++) if (prof[k] > prof[peakB]) peakB = k;
        return (CoarseSurface(prof, lo, peakA, -1, voxel, step) ?? double.NaN, CoarseSurface(prof, lo, peakB, 1, voxel, step) ?? double.NaN);
    }

    /// <summary>Profile level (clamped at 500 HU) above which a sample is cement, which the partial-volume model does not describe.</summary>
    private const float CementLevel = 450;

    /// <summary>
    /// Disc-facing surface of an endplate on a line profile sampled every <paramref name="step"/> mm, where the
    /// voxels (<paramref name="voxel"/> samples long along the line) are too thick to resolve it, as a fractional
    /// sample index: the endplate's peak is at <paramref name="peak"/>, the disc's softest sample at
    /// <paramref name="floor"/>, and its body lies toward <paramref name="dir"/>. Across the surface the profile
    /// is modelled as a step from the disc (D, the floor) to the body's own bone (B, the mean of the samples one
    /// to two voxels past the peak) plus a thin endplate layer of <see cref="BodyGeometry.ThinEndplateMm"/> just
    /// inside the surface, all blurred by the voxels. Blurring keeps the excess over D's area and first moment
    /// over a window from the floor to two voxels past the peak, and those two give the surface and the layer's
    /// contrast: with B = D (osteoporotic bone) the surface is the moment less half the layer, with no layer it
    /// is where a step of the excess's area would start. Null when the profile ends too soon, the window holds
    /// cement, or the surface falls outside the window.
    /// </summary>
    internal static double? CoarseSurface(ReadOnlySpan<float> prof, int floor, int peak, int dir, int voxel, double step)
    {
        var end = peak + dir * 2 * voxel;
        if (end < 0 || end >= prof.Length) return null;
        double d = prof[floor], bone = 0;
        for (var k = peak + dir * voxel; k != end + dir; k += dir) bone += prof[k];
        var beta = bone / (voxel + 1) - d;
        double m0 = 0, m1 = 0;
        for (var k = floor; k != end + dir; k += dir)
        {
            // Cement (the profile is clamped at 500 HU) is not part of the model.
            if (prof[k] >= CementLevel) return null;
            double y = (k - floor) * dir * step, e = (prof[k] - d) * step;
            m0 += e; m1 += e * y;
        }
        double yEnd = (end - floor) * dir * step + step / 2, t = BodyGeometry.ThinEndplateMm;
        // Area m0 = β(Y − s) + L and moment m1 = β(Y² − s²)/2 + L(s + t/2) for a surface at depth s and a layer of excess L.
        double qa = beta / 2, qb = m0 + beta * t / 2 - beta * yEnd, qc = beta * yEnd * yEnd / 2 + m0 * t / 2 - beta * yEnd * t / 2 - m1;
        var peakY = (peak - floor) * dir * step;
        double? best = null;
        if (Math.Abs(qa) < 1e-9) { if (Math.Abs(qb) > 1e-9) best = -qc / qb; }
        else
        {
            var disc = qb * qb - 4 * qa * qc;
            // No solution with a layer (blur moves the moment by up to half a voxel's worth): a plain step of the
            // excess's area, which blur keeps exactly.
            if (disc < 0) best = beta > 0 ? yEnd - m0 / beta : -qb / (2 * qa);
            else foreach (var sgn in (ReadOnlySpan<double>)[-1, 1])
            {
                var root = (-qb + sgn * Math.Sqrt(disc)) / (2 * qa);
                if (best is null || Math.Abs(root - peakY) < Math.Abs(best.Value - peakY)) best = root;
            }
        }
        if (best is not { } sMm || sMm < -step || sMm > yEnd) return null;
        return floor + dir * sMm / step;
    }
}

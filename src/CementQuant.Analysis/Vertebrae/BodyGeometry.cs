using System.Runtime.CompilerServices;

namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Frame, endplates and midsagittal plane of one vertebral body from its mask, the same way whether the
/// mask came from detection or from a supplied segmentation:
/// 1. centroid and volume from the mask;
/// 2. superior axis: start from a hint (the column's direction), sample the mask's upper and lower
///    boundary as height maps, fit a plane to each and take the mean of the two normals (twice);
/// 3. lateral axis: rotate about the superior axis and shift sideways to maximise the correlation
///    between the HU picture (body, canal, pedicles; cement neutralised) and its mirror image, so
///    axial rotation and scoliosis move the plane with the vertebra;
/// 4. endplate height maps in the final frame.
/// </summary>
internal static class BodyGeometry
{
    /// <summary>Endplate thickness assumed where voxels are too coarse to resolve it.</summary>
    internal const double ThinEndplateMm = 1;
    private const double Deg = Math.PI / 180;

    /// <param name="fittedBelow">The inferior endplate's surface fitted to its partial volumes (null where none was):
    /// reported instead of the mask's boundary where voxels are too thick along the axis to resolve the endplate.</param>
    /// <param name="fittedAbove">Likewise the superior endplate's.</param>
    /// <param name="midsagittalHint">The plane this body was measured with before (its mask since cut again):
    /// the symmetry search refines it instead of starting afresh.</param>
    public static BodyShape Measure(Volume<short> hu, RoiMask mask, Vec3 superiorHint, double gridStep, int cementHu,
        HeightSurface? fittedBelow = null, HeightSurface? fittedAbove = null, (Vec3 Normal, Vec3 Point)? midsagittalHint = null)
    {
        var g = hu.Geometry;
        var map = new VoxelMap(g);
        // Centroid, volume, and whether the mask reaches the edge of the scanned volume.
        double sx = 0, sy = 0, sz = 0; long n = 0; var touches = false;
        for (var z = 0; z < mask.SizeZ; z++)
            for (var y = 0; y < mask.SizeY; y++)
            {
                var row = (z * mask.SizeY + y) * mask.SizeX;
                for (var x = 0; x < mask.SizeX; x++)
                {
                    if (mask.Mask[row + x] == 0) continue;
                    int i = x + mask.X0, j = y + mask.Y0, k = z + mask.Z0;
                    sx += i; sy += j; sz += k; n++;
                    if (i == 0 || j == 0 || k == 0 || i == hu.SizeX - 1 || j == hu.SizeY - 1 || k == hu.SizeZ - 1) touches = true;
                }
            }
        if (n == 0) throw new ArgumentException("empty body mask", nameof(mask));
        var centroid = g.ToPatient(sx / n, sy / n, sz / n);
        var volumeMl = n * g.VoxelVolumeMm3 / 1000;

        var s = (superiorHint.Z < 0 ? -superiorHint : superiorHint).Normalized();
        var l = Orthogonal(new Vec3(1, 0, 0), s);
        var extent = LocalExtent(g, mask, centroid, l, s.Cross(l), s);
        var step = Math.Min(0.5, MinSpacing(g) / 2);
        for (var iter = 0; iter < 2; iter++)
        {
            var frame = Frame(centroid, l, s);
            var (sup, inf) = Endplates(hu, map, mask, frame, extent, gridStep, step, fittedBelow, fittedAbove);
            var ns = PlaneNormal(sup);
            var ni = PlaneNormal(inf);
            if (ns is null && ni is null) break;
            var local = ((ns ?? ni!.Value) + (ni ?? ns!.Value)).Normalized();
            s = (frame.Left * local.X + frame.Posterior * local.Y + frame.Superior * local.Z).Normalized();
            if (s.Z < 0) s = -s; // superior stays toward the head
            l = Orthogonal(l, s);
            extent = LocalExtent(g, mask, centroid, l, s.Cross(l), s);
        }

        var (lBest, offset, score) = Symmetry(hu, map, centroid, l, s, extent, cementHu, midsagittalHint);
        l = lBest.X < 0 ? -lBest : lBest;
        if (lBest.X < 0) offset = -offset;
        var final = Frame(centroid, l, s);
        extent = LocalExtent(g, mask, centroid, final.Left, final.Posterior, final.Superior);
        var (supF, infF) = Endplates(hu, map, mask, final, extent, gridStep, step, fittedBelow, fittedAbove);
        return new BodyShape(final, centroid, volumeMl, supF, infF, centroid + l * offset, l, score, touches);
    }

    private static LocalFrame Frame(Vec3 origin, Vec3 left, Vec3 superior)
    {
        var s = superior.Normalized();
        var l = Orthogonal(left, s);
        return new LocalFrame(origin, l, s.Cross(l), s);
    }

    /// <summary>Unit vector along v with its component along unit n removed.</summary>
    internal static Vec3 Orthogonal(Vec3 v, Vec3 n)
    {
        var r = v - n * v.Dot(n);
        if (r.Length < 1e-6) r = Math.Abs(n.X) < 0.9 ? new Vec3(1, 0, 0) - n * n.X : new Vec3(0, 1, 0) - n * n.Y;
        return r.Normalized();
    }

    /// <summary>Voxels longer than this along a direction cannot resolve a thin endplate across it.</summary>
    internal const double CoarseVoxelMm = 1.5;

    /// <summary>A voxel's extent along unit direction <paramref name="n"/>, mm.</summary>
    internal static double VoxelExtentAlong(ImageGeometry g, Vec3 n) =>
        Math.Abs(g.ColumnStep.Dot(n)) + Math.Abs(g.RowStep.Dot(n)) + Math.Abs(g.SliceStep.Dot(n));

    private static double MinSpacing(ImageGeometry g) => Math.Min(g.ColumnSpacing, Math.Min(g.RowSpacing, g.SliceSpacing));

    /// <summary>Bounding box of the mask's voxel centres in a frame (min and max of u, v, w), padded by a voxel.</summary>
    private static (double U0, double U1, double V0, double V1, double W0, double W1) LocalExtent(ImageGeometry g, RoiMask m, Vec3 o, Vec3 l, Vec3 p, Vec3 s)
    {
        double u0 = double.MaxValue, u1 = double.MinValue, v0 = double.MaxValue, v1 = double.MinValue, w0 = double.MaxValue, w1 = double.MinValue;
        var ci = g.ColumnStep; var cj = g.RowStep; var ck = g.SliceStep;
        for (var z = 0; z < m.SizeZ; z++)
            for (var y = 0; y < m.SizeY; y++)
            {
                var row = (z * m.SizeY + y) * m.SizeX;
                var d0 = g.ToPatient(m.X0, y + m.Y0, z + m.Z0) - o;
                for (var x = 0; x < m.SizeX; x++)
                {
                    if (m.Mask[row + x] == 0) continue;
                    var d = d0 + ci * x;
                    double u = d.Dot(l), v = d.Dot(p), w = d.Dot(s);
                    if (u < u0) u0 = u; if (u > u1) u1 = u;
                    if (v < v0) v0 = v; if (v > v1) v1 = v;
                    if (w < w0) w0 = w; if (w > w1) w1 = w;
                }
            }
        var pad = Math.Max(ci.Length, Math.Max(cj.Length, ck.Length));
        return (u0 - pad, u1 + pad, v0 - pad, v1 + pad, w0 - pad, w1 + pad);
    }

    /// <summary>
    /// Height maps of the mask's upper and lower boundary along the frame's superior axis: for each (u, v)
    /// grid point, march along w; the superior height is halfway between the topmost inside sample and the
    /// outside sample above it (the outer, disc-facing surface of the endplate), likewise below. Columns
    /// through the rim (shorter than half the median column) and columns whose boundary voxel lies on the
    /// edge of the scanned volume (cut by the field of view) are NaN.
    /// </summary>
    private static (EndplateSurface Sup, EndplateSurface Inf) Endplates(Volume<short> hu, VoxelMap map, RoiMask m, LocalFrame f,
        (double U0, double U1, double V0, double V1, double W0, double W1) e, double gridStep, double step,
        HeightSurface? fittedBelow, HeightSurface? fittedAbove)
    {
        var u0 = Math.Floor(e.U0 / gridStep) * gridStep; var v0 = Math.Floor(e.V0 / gridStep) * gridStep;
        var nu = (int)Math.Ceiling((e.U1 - u0) / gridStep) + 1; var nv = (int)Math.Ceiling((e.V1 - v0) / gridStep) + 1;
        var nw = (int)Math.Ceiling((e.W1 - e.W0) / step) + 1;
        var sup = new float[nu * nv]; var inf = new float[nu * nv];
        Array.Fill(sup, float.NaN); Array.Fill(inf, float.NaN);
        var dw = map.Delta(f.Superior * step);
        var extents = new List<float>();
        // A voxel coarser than 1.5 mm along the axis holds the thin endplate wherever it lies within it: the
        // outermost voxel's centre plus half a thin endplate (0.5 mm), not its face, is the expected surface.
        var g = hu.Geometry;
        var voxelExtent = VoxelExtentAlong(g, f.Superior);
        var coarse = voxelExtent > CoarseVoxelMm;
        for (var jv = 0; jv < nv; jv++)
            for (var iu = 0; iu < nu; iu++)
            {
                var start = map.ToVoxel(f.ToPatient(new Vec3(u0 + iu * gridStep, v0 + jv * gridStep, e.W0)));
                int first = -1, last = -1; bool edgeFirst = false, edgeLast = false;
                (int I, int J, int K) firstVoxel = default, lastVoxel = default;
                var q = start;
                for (var t = 0; t < nw; t++, q += dw)
                {
                    int i = (int)Math.Round(q.X), j = (int)Math.Round(q.Y), k = (int)Math.Round(q.Z);
                    if (!m.Contains(i, j, k)) continue;
                    var edge = i == 0 || j == 0 || k == 0 || i == hu.SizeX - 1 || j == hu.SizeY - 1 || k == hu.SizeZ - 1;
                    if (first < 0) { first = t; edgeFirst = edge; firstVoxel = (i, j, k); }
                    last = t; edgeLast = edge; lastVoxel = (i, j, k);
                }
                if (first < 0) continue;
                var idx = jv * nu + iu;
                var top = e.W0 + (last + 0.5) * step;
                var bottom = e.W0 + (first - 0.5) * step;
                if (coarse)
                {
                    var lastCentre = (g.ToPatient(lastVoxel.I, lastVoxel.J, lastVoxel.K) - f.Origin).Dot(f.Superior);
                    var firstCentre = (g.ToPatient(firstVoxel.I, firstVoxel.J, firstVoxel.K) - f.Origin).Dot(f.Superior);
                    top = Math.Min(top, lastCentre + ThinEndplateMm / 2);
                    bottom = Math.Max(bottom, firstCentre - ThinEndplateMm / 2);
                    // The fitted surface, where there is one, lies between the outermost voxel centre inside the
                    // body and the next one out.
                    double pu = u0 + iu * gridStep, pv = v0 + jv * gridStep;
                    if (fittedAbove is not null) top = Math.Clamp(Crossing(fittedAbove, f, pu, pv, lastCentre), lastCentre, lastCentre + voxelExtent);
                    if (fittedBelow is not null) bottom = Math.Clamp(Crossing(fittedBelow, f, pu, pv, firstCentre), firstCentre - voxelExtent, firstCentre);
                }
                sup[idx] = edgeLast ? float.NaN : (float)top;
                inf[idx] = edgeFirst ? float.NaN : (float)bottom;
                extents.Add((last - first + 1) * (float)step);
            }
        if (extents.Count > 0)
        {
            extents.Sort();
            var minExtent = 0.5f * extents[extents.Count / 2];
            for (var idx = 0; idx < sup.Length; idx++)
            {
                if (float.IsNaN(sup[idx]) && float.IsNaN(inf[idx])) continue;
                // Rim columns: judge by the column length where both ends are known.
                if (!float.IsNaN(sup[idx]) && !float.IsNaN(inf[idx]) && sup[idx] - inf[idx] < minExtent) { sup[idx] = float.NaN; inf[idx] = float.NaN; }
            }
        }
        return (new EndplateSurface(u0, v0, gridStep, nu, nv, sup), new EndplateSurface(u0, v0, gridStep, nu, nv, inf));
    }

    /// <summary>
    /// Height w at which the frame's superior line through (u, v) meets <paramref name="surface"/>, by Newton steps
    /// from <paramref name="w"/> (the surface is a gently bowed plane nearly across the line).
    /// </summary>
    private static double Crossing(HeightSurface surface, LocalFrame f, double u, double v, double w)
    {
        for (var i = 0; i < 3; i++)
        {
            var s0 = surface.Signed(f.ToPatient(new Vec3(u, v, w)));
            var s1 = surface.Signed(f.ToPatient(new Vec3(u, v, w + 1)));
            if (Math.Abs(s1 - s0) < 1e-6) break;
            w -= s0 / (s1 - s0);
        }
        return w;
    }

    /// <summary>Least-squares plane h = a + b·u + c·v through a height map; its unit normal (−b, −c, 1) in the frame, or null.</summary>
    private static Vec3? PlaneNormal(EndplateSurface s)
    {
        var pts = new List<(double U, double V, double H)>();
        for (var j = 0; j < s.NV; j++)
            for (var i = 0; i < s.NU; i++)
            {
                var h = s.Height[j * s.NU + i];
                if (!float.IsNaN(h)) pts.Add((s.U0 + i * s.Step, s.V0 + j * s.Step, h));
            }
        return SurfaceFit.Fit(pts, dome: false, null, 0, minPoints: 10) is { } f ? new Vec3(-f.B, -f.C, 1).Normalized() : null;
    }

    /// <summary>
    /// Midsagittal plane by mirror symmetry: candidates rotate the lateral axis about the superior axis
    /// (±20°) and shift the plane sideways (±8 mm); each is scored by the correlation of HU at mirrored
    /// points of a box around the body that reaches back over the canal. A coarse grid (2.5°, 2 mm, sampled
    /// every 2 mm), then around its best a finer one (1.25°, 1 mm, sampled every 1 mm) and around that one's
    /// best the final 0.5° and 0.5 mm steps: 34 fine candidates where a full 0.5° × 0.5 mm grid over the same
    /// range has 99. With <paramref name="previous"/> (the same body measured before, its mask cut again)
    /// the coarse grid is skipped and the finer ones centre on that plane.
    /// </summary>
    private static (Vec3 Left, double Offset, double Score) Symmetry(Volume<short> hu, VoxelMap map, Vec3 o, Vec3 l, Vec3 s,
        (double U0, double U1, double V0, double V1, double W0, double W1) e, int cementHu, (Vec3 Normal, Vec3 Point)? previous)
    {
        var halfU = Math.Max(-e.U0, e.U1) + 4;
        double v0 = e.V0 - 3, v1 = e.V1 + 18;
        double w0 = e.W0 * 0.6, w1 = e.W1 * 0.6;
        var best = (Theta: 0.0, D: 0.0, Score: double.MinValue);
        if (previous is { } pv)
        {
            l = Orthogonal(pv.Normal, s);
            best = (0, (pv.Point - o).Dot(l), double.MinValue);
        }
        else Search(-20, 20, 2.5, -8, 8, 2, 2.0);
        var (tc, dc) = (best.Theta, best.D);
        // Scores sampled every 2 mm and every 1 mm are not compared.
        best.Score = double.MinValue;
        Search(tc - 2.5, tc + 2.5, 1.25, dc - 2, dc + 2, 1, 1.0);
        (tc, dc) = (best.Theta, best.D);
        Search(tc - 0.5, tc + 0.5, 0.5, dc - 0.5, dc + 0.5, 0.5, 1.0);
        var lb = Rotate(l, s, best.Theta * Deg);
        return (lb, best.D, best.Score);

        // Candidates are scored in parallel (a body's fine search is most of the locator's time) and the best taken
        // in their grid order, so the result does not depend on the thread count.
        void Search(double t0, double t1, double dt, double d0, double d1, double dd, double sampleStep)
        {
            var candidates = new List<(double T, double D)>();
            for (var t = t0; t <= t1 + 1e-9; t += dt)
                for (var d = d0; d <= d1 + 1e-9; d += dd)
                    candidates.Add((t, d));
            var scores = new double[candidates.Count];
            Parallel.For(0, candidates.Count, i =>
            {
                var (t, d) = candidates[i];
                var lt = Rotate(l, s, t * Deg);
                scores[i] = Correlation(hu, map, o + lt * d, lt, s.Cross(lt), s, halfU, v0, v1, w0, w1, sampleStep, cementHu);
            });
            for (var i = 0; i < scores.Length; i++)
                if (scores[i] > best.Score) best = (candidates[i].T, candidates[i].D, scores[i]);
        }
    }

    private static Vec3 Rotate(Vec3 v, Vec3 axis, double angle)
    {
        // Rodrigues: v cos + (k × v) sin + k (k·v)(1 − cos).
        var c = Math.Cos(angle); var sn = Math.Sin(angle);
        return v * c + axis.Cross(v) * sn + axis * (axis.Dot(v) * (1 - c));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Correlation(Volume<short> hu, VoxelMap map, Vec3 o, Vec3 l, Vec3 p, Vec3 s,
        double halfU, double v0, double v1, double w0, double w1, double step, int cementHu)
    {
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0; long n = 0;
        var du = map.Delta(l * step);
        for (var w = w0; w <= w1; w += step * 2)
            for (var v = v0; v <= v1; v += step)
            {
                var c = map.ToVoxel(o + p * v + s * w);
                var a = c + du; var b = c - du;
                for (var u = step; u <= halfU; u += step, a += du, b -= du)
                {
                    double fa = Clip(Sampler.Trilinear(hu, a.X, a.Y, a.Z), cementHu);
                    double fb = Clip(Sampler.Trilinear(hu, b.X, b.Y, b.Z), cementHu);
                    sa += fa; sb += fb; saa += fa * fa; sbb += fb * fb; sab += fa * fb; n++;
                }
            }
        if (n < 10) return 0;
        var cov = sab - sa * sb / n;
        var va = saa - sa * sa / n; var vb = sbb - sb * sb / n;
        return va <= 0 || vb <= 0 ? 0 : cov / Math.Sqrt(va * vb);
    }

    /// <summary>Cement (and metal) would dominate the correlation with an asymmetric fill: read it as dense bone.</summary>
    private static double Clip(float h, int cementHu) => h >= cementHu ? 400 : Math.Clamp(h, -200, 600);
}

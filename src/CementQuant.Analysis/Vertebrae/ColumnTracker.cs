using System.Runtime.CompilerServices;

namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Finds the anterior column (vertebral bodies and discs) on the working grid: in every axial slice,
/// candidates are places whose surroundings look like a vertebral body (a block of bone-to-soft-tissue
/// density) with a spinal canal (a CSF-density hole) just posterior to it, near the patient's midline;
/// a dynamic programme then links one candidate per slice into the best vertically continuous chain.
/// Density alone never makes a vertebra: a hip prosthesis or a contrast-filled aorta has no canal behind it.
/// </summary>
internal static class ColumnTracker
{
    /// <summary>One chain point per working-grid slice from <paramref name="Z0"/> upward (grid units).</summary>
    internal sealed record Chain(int Z0, double[] X, double[] Y, double[] Score)
    {
        public int Length => X.Length;
        public int Z1 => Z0 + X.Length - 1;
    }

    private const int ClipLow = -100, ClipHigh = 350, AllCement = 150;
    private const double CanalOffsetMm = 22, CanalPull = 4, BodyCap = 200;

    public static Chain? Track(WorkGrid w, VertebraLocatorOptions o)
    {
        // Average the score over about 10 mm of height: discs and noise then no longer break the chain.
        var half = Math.Max(1, (int)Math.Round(4.0 / w.Step));
        var smooth = new Band[w.NZ];
        var parts = Math.Clamp(Environment.ProcessorCount, 1, w.NZ);
        Parallel.For(0, parts, part => SmoothRange(w, o, half, w.NZ * part / parts, w.NZ * (part + 1) / parts, smooth));
        return Link(w, smooth, o);
    }

    /// <summary>
    /// The z-smoothed score of slices [z0, z1): slice scores are made in order into a ring of 2·half + 1 slices and
    /// summed from it, and each smoothed slice keeps only the box where it can be a chain node, so the tracker holds a
    /// few slices of scores instead of two whole-grid copies.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SmoothRange(WorkGrid w, VertebraLocatorOptions o, int half, int z0, int z1, Band[] smooth)
    {
        int n = w.NX * w.NY, window = 2 * half + 1;
        var ring = new float[window][];
        for (var i = 0; i < window; i++) ring[i] = new float[n];
        var scratch = new ScoreScratch(w.NX, w.NY);
        var sum = new float[n];
        var next = Math.Max(0, z0 - half);
        for (var z = z0; z < z1; z++)
        {
            int lo = Math.Max(0, z - half), hi = Math.Min(w.NZ - 1, z + half);
            for (; next <= hi; next++) SliceScore(w, next, o, scratch, ring[next % window]);
            Array.Clear(sum);
            for (var zz = lo; zz <= hi; zz++)
            {
                var s = ring[zz % window];
                for (var i = 0; i < n; i++) sum[i] += Math.Max(s[i], -300);
            }
            var count = hi - lo + 1;
            for (var i = 0; i < n; i++) sum[i] /= count;
            smooth[z] = Band.Of(sum, w.NX, w.NY, NodeScore);
        }
    }

    /// <summary>Scores at or below this never become chain nodes.</summary>
    private const float NodeScore = -100;

    /// <summary>Work buffers of one slice score, reused from slice to slice.</summary>
    internal sealed class ScoreScratch(int nx, int ny)
    {
        public readonly int[] Sat = new int[(nx + 1) * (ny + 1)];
        public readonly int[] Cnt = new int[(nx + 1) * (ny + 1)];
        /// <summary>The canal term of each possible canal centre, NaN until first needed.</summary>
        public readonly double[] Canal = new double[nx * ny];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SliceScore(WorkGrid w, int z, VertebraLocatorOptions o, ScoreScratch scratch, float[] score)
    {
        int nx = w.NX, ny = w.NY;
        // Integral images of clipped HU and of the voxels counted (the patient mask gives the midline).
        // Cement is left out of both: box means are means of the tissue around it, so a lump in one half
        // or a leak into a disc neither pulls the column toward itself nor reads as bone.
        var sat = scratch.Sat;
        var cnt = scratch.Cnt;
        double sumX = 0; long nBody = 0;
        var data = w.Data; var cement = w.Cement;
        for (var y = 0; y < ny; y++)
        {
            int row = 0, rowCount = 0;
            var src = (z * ny + y) * nx;
            for (var x = 0; x < nx; x++)
            {
                int h = data[src + x];
                if (h > -300) { sumX += x; nBody++; }
                if (cement[src + x] == 0) { row += Math.Clamp(h, ClipLow, ClipHigh); rowCount++; }
                sat[(y + 1) * (nx + 1) + x + 1] = sat[y * (nx + 1) + x + 1] + row;
                cnt[(y + 1) * (nx + 1) + x + 1] = cnt[y * (nx + 1) + x + 1] + rowCount;
            }
        }
        Array.Fill(score, -300f);
        if (nBody < 100) return;
        var canal = scratch.Canal;
        Array.Fill(canal, double.NaN);
        var midX = sumX / nBody;
        var s = w.Step;
        var hb = Math.Max(1, (int)Math.Round(o.BodyCoreHalfMm / s));
        var hc = Math.Max(1, (int)Math.Round(4.0 / s));
        var hw = Math.Max(1, (int)Math.Round(3.0 / s));
        var wallX = (int)Math.Round(11 / s);
        var wallY = (int)Math.Round(13 / s);
        int[] offs = [(int)Math.Round(14 / s), (int)Math.Round(18 / s), (int)Math.Round(22 / s), (int)Math.Round(26 / s), (int)Math.Round(30 / s)];
        // A field cropped close behind the spine (a CTA cropped to the aorta) may hold the canal only at the nearer
        // offsets: each offset is tried where its canal and walls lie inside the slice.
        var reachBehind = wallY + hw;
        var maxOff = offs[0] + reachBehind;
        var lateral = (int)Math.Round(o.MaxMidlineOffsetMm / s);
        int xa = Math.Max(Math.Max(hb, wallX + hw), (int)(midX - lateral)), xb = Math.Min(nx - 1 - Math.Max(hb, wallX + hw), (int)(midX + lateral));
        for (var y = hb; y < ny - maxOff; y++)
        {
            for (var x = xa; x <= xb; x++)
            {
                var a = BoxMean(sat, cnt, nx, x - hb, y - hb, x + hb, y + hb, out var partial);
                if (a < 60) continue; // not dense enough for a body or a disc
                // Beside cement, the cortex is the only bone left in the box: it must not pull the point off the
                // body's middle, so a box with cement left out counts at most as an ordinary dense body.
                if (partial) a = Math.Min(a, BodyCap);
                // The canal: CSF-density just posterior, ideally walled by pedicles and the lamina. Beside cement
                // the rest of the score no longer says where the body's middle is: there, the usual distance in
                // front of the canal (the steadier landmark) does.
                var pull = partial ? CanalPull : 0;
                var best = double.MinValue;
                foreach (var off in offs)
                {
                    var yc = y + off;
                    if (yc + reachBehind >= ny) break;
                    // The canal term depends on the canal centre only: body points above one another share it.
                    ref var term = ref canal[yc * nx + x];
                    if (double.IsNaN(term))
                    {
                        var c = BoxMean(sat, cnt, nx, x - hc, yc - hc, x + hc, yc + hc);
                        var e = Wall(BoxMean(sat, cnt, nx, x - wallX - hw, yc - hw, x - wallX + hw, yc + hw))
                              + Wall(BoxMean(sat, cnt, nx, x + wallX - hw, yc - hw, x + wallX + hw, yc + hw))
                              + Wall(BoxMean(sat, cnt, nx, x - hw, yc + wallY - hw, x + hw, yc + wallY + hw));
                        term = 50 * e - 1.5 * Math.Abs(c - 20);
                    }
                    best = Math.Max(best, term - pull * Math.Abs(off * s - CanalOffsetMm));
                }
                var dm = (x - midX) * s / 25;
                score[y * nx + x] = (float)(a - 30 + best - 30 * dm * dm);
            }
        }
    }

    private static double Wall(double mean) => Math.Clamp((mean - 60) / 200, 0, 1);

    /// <summary>Mean of the non-cement voxels of a box; a box of cement only reads as dense bone.</summary>
    private static double BoxMean(int[] sat, int[] cnt, int nx, int x0, int y0, int x1, int y1) =>
        BoxMean(sat, cnt, nx, x0, y0, x1, y1, out _);

    private static double BoxMean(int[] sat, int[] cnt, int nx, int x0, int y0, int x1, int y1, out bool partial)
    {
        var w = nx + 1;
        long sum = (long)sat[(y1 + 1) * w + x1 + 1] - sat[y0 * w + x1 + 1] - sat[(y1 + 1) * w + x0] + sat[y0 * w + x0];
        long n = (long)cnt[(y1 + 1) * w + x1 + 1] - cnt[y0 * w + x1 + 1] - cnt[(y1 + 1) * w + x0] + cnt[y0 * w + x0];
        partial = n < (long)(x1 - x0 + 1) * (y1 - y0 + 1);
        return n == 0 ? AllCement : (double)sum / n;
    }

    /// <summary>
    /// Best-scoring vertically continuous chain by dynamic programming over every grid point of every
    /// slice: a point either starts a chain or continues the best one ending within reach in the slice
    /// below, paying for in-plane displacement. Only points with a plausible score take part.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Chain? Link(WorkGrid w, Band[] score, VertebraLocatorOptions o)
    {
        int nx = w.NX, ny = w.NY, nz = w.NZ, n = nx * ny;
        var reach = Math.Max(1, (int)Math.Floor(o.MaxChainStepMm / w.Step));
        var offsets = new List<(int Dx, int Dy, float Cost)>();
        for (var dy = -reach; dy <= reach; dy++)
            for (var dx = -reach; dx <= reach; dx++)
                if (dx * dx + dy * dy <= reach * reach) offsets.Add((dx, dy, (float)(4 * w.Step * Math.Sqrt(dx * dx + dy * dy))));
        var back = new sbyte[nz][]; // per slice, over its band
        var prev = new float[n];
        var cur = new float[n];
        Array.Fill(prev, float.NegativeInfinity);
        float bestTotal = 0; int bestZ = -1, bestP = -1;
        var bias = (float)o.ChainNodeBias;
        for (var z = 0; z < nz; z++)
        {
            var s = score[z];
            var bz = back[z] = new sbyte[s.Values.Length];
            Array.Fill(cur, float.NegativeInfinity);
            for (var y = s.Y0; y < s.Y0 + s.Height; y++)
                for (var x = s.X0; x < s.X0 + s.Width; x++)
                {
                    var p = y * nx + x;
                    var b = s.IndexOf(x, y);
                    if (s.Values[b] <= NodeScore) continue;
                    var node = s.Values[b] - bias;
                    float best = 0; var arg = -1;
                    for (var k = 0; k < offsets.Count; k++)
                    {
                        var (dx, dy, cost) = offsets[k];
                        int xx = x + dx, yy = y + dy;
                        if ((uint)xx >= (uint)nx || (uint)yy >= (uint)ny) continue;
                        var t = prev[yy * nx + xx] - cost;
                        if (t > best) { best = t; arg = k; }
                    }
                    cur[p] = node + best;
                    bz[b] = (sbyte)arg;
                    if (cur[p] > bestTotal) { bestTotal = cur[p]; bestZ = z; bestP = p; }
                }
            (prev, cur) = (cur, prev);
        }
        if (bestZ < 0) return null;
        var xs = new List<double>(); var ys = new List<double>(); var ss = new List<double>();
        int zz = bestZ, pp = bestP;
        while (true)
        {
            int x = pp % nx, y = pp / nx;
            var band = score[zz];
            xs.Add(x); ys.Add(y); ss.Add(band.Values[band.IndexOf(x, y)]);
            var k = back[zz][band.IndexOf(x, y)];
            if (k < 0 || zz == 0) break;
            pp = (y + offsets[k].Dy) * nx + x + offsets[k].Dx;
            zz--;
        }
        xs.Reverse(); ys.Reverse(); ss.Reverse();
        var z0 = bestZ - xs.Count + 1;
        // Trim weak tails (a chain may wander a few slices into soft tissue before its score runs out).
        int a = 0, e = xs.Count - 1;
        while (a < e && ss[a] < o.ChainNodeBias) a++;
        while (e > a && ss[e] < o.ChainNodeBias) e--;
        var len = e - a + 1;
        if (len * w.Step < o.MinChainLengthMm) return null;
        return new Chain(z0 + a, [.. xs.GetRange(a, len)], [.. ys.GetRange(a, len)], [.. ss.GetRange(a, len)]);
    }

    /// <summary>
    /// The part of a score slice that can hold chain nodes: the bounding box of the values above a floor, row-major
    /// (<see cref="IndexOf"/>); everything outside is at or below the floor.
    /// </summary>
    internal sealed record Band(int X0, int Y0, int Width, int Height, float[] Values)
    {
        public int IndexOf(int x, int y) => (y - Y0) * Width + (x - X0);

        public static Band Of(float[] slice, int nx, int ny, float floor)
        {
            int x0 = nx, x1 = -1, y0 = ny, y1 = -1;
            for (var y = 0; y < ny; y++)
                for (var x = 0; x < nx; x++)
                {
                    if (slice[y * nx + x] <= floor) continue;
                    x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                }
            if (x1 < 0) return new Band(0, 0, 0, 0, []);
            int w = x1 - x0 + 1, h = y1 - y0 + 1;
            var values = new float[w * h];
            for (var y = 0; y < h; y++) slice.AsSpan((y0 + y) * nx + x0, w).CopyTo(values.AsSpan(y * w));
            return new Band(x0, y0, w, h, values);
        }
    }
}

namespace CementQuant.Phantom;

/// <summary>
/// The rays of a radiograph: line integrals of μ through the model (<see cref="Integrate"/>), cast either at every
/// pixel or adaptively (<see cref="LineIntegrals"/>).
/// </summary>
internal static class RadiographRays
{
    /// <summary>Integration step through soft tissue away from bone and skin, mm.</summary>
    private const double SoftStepMm = 2.0;
    /// <summary>Largest cell of the adaptive grid, mm: rays are cast at its corners and centre first.</summary>
    private const double CoarseCellMm = 1.6;
    /// <summary>A square cell whose centre ray departs from its corners' mean by more than this line integral
    /// (8 grey levels at the default gain, well under the quantum noise) is split.</summary>
    private const double CurvatureLimit = 0.02;

    /// <summary>
    /// Line integrals of μ for every pixel, row-major. Not <paramref name="adaptive"/>: a ray per pixel. Adaptive: rays
    /// are cast at the corners and centres of <see cref="CoarseCellMm"/> cells; a cell is halved across a direction in
    /// which its corner rays cross different tissues (their signatures differ), and in both directions where its
    /// centre ray differs from the corners in signature or departs from their mean by more than
    /// <see cref="CurvatureLimit"/>, down to single pixels; the pixels of cells that stay whole are interpolated
    /// bilinearly from the corners. Every ray cast is the pixel's own ray, so edges stay as sharp as per-pixel rays;
    /// interpolation only smooths sub-millimetre texture and soft-tissue gradients inside cells of one tissue sequence.
    /// </summary>
    internal static double[] LineIntegrals(SpineModel model, RadiographOptions opt, RadiographProjection g, bool adaptive)
    {
        int w = g.Width, h = g.Height;
        var result = new double[w * h];
        var b = 1;
        if (adaptive) while (b * 2 * opt.PixelSpacing <= CoarseCellMm + 1e-9) b *= 2;
        if (b == 1)
        {
            Parallel.For(0, h, row =>
            {
                for (var col = 0; col < w; col++) result[row * w + col] = Integrate(model, opt, g, col, row, out _);
            });
            return result;
        }
        // An extended grid of (gw × gh) pixels whose corners fall on multiples of b.
        var gw = (w - 1 + b - 1) / b * b + 1; var gh = (h - 1 + b - 1) / b * b + 1;
        var value = new double[gw * gh];
        var sig = new ulong[gw * gh];
        var exact = new bool[gw * gh];
        void Cast(List<int> nodes) =>
            Parallel.For(0, (nodes.Count + 63) / 64, chunk =>
            {
                for (var k = chunk * 64; k < Math.Min(nodes.Count, chunk * 64 + 64); k++)
                {
                    var i = nodes[k];
                    value[i] = Integrate(model, opt, g, i % gw, i / gw, out sig[i]);
                    exact[i] = true;
                }
            });
        var first = new List<int>();
        for (var y = 0; y < gh; y += b) for (var x = 0; x < gw; x += b) first.Add(y * gw + x);
        Cast(first);
        var cells = new List<Cell>();
        for (var y = 0; y + b < gh; y += b) for (var x = 0; x + b < gw; x += b) cells.Add(new Cell(x, y, b, b));
        while (cells.Count > 0)
        {
            var centres = new List<int>();
            foreach (var c in cells)
                if (c.W == c.H && c.W > 1 && !exact[c.Centre(gw)]) centres.Add(c.Centre(gw));
            Cast(centres);
            var (next, nodes) = Refine(cells, gw, value, sig, exact);
            Cast([.. nodes]);
            cells = next;
        }
        for (var y = 0; y < h; y++) Array.Copy(value, y * gw, result, y * w, w);
        return result;
    }

    /// <summary>One refinement pass: cells whose corners (or centre) disagree are split in the direction(s) they disagree
    /// in, the others interpolated; returns the next cells and the new nodes to cast.</summary>
    private static (List<Cell> Next, HashSet<int> Nodes) Refine(List<Cell> cells, int gw, double[] value, ulong[] sig, bool[] exact)
    {
        var next = new List<Cell>(cells.Count * 2);
        var nodes = new HashSet<int>();
        foreach (var c in cells)
        {
            var (splitX, splitY) = SplitOf(c, gw, value, sig);
            if (!splitX && !splitY) { Interpolate(value, exact, gw, c); continue; }
            int hw = splitX ? c.W / 2 : c.W, hh = splitY ? c.H / 2 : c.H;
            for (var y = c.Y; y < c.Y + c.H; y += hh)
                for (var x = c.X; x < c.X + c.W; x += hw)
                {
                    next.Add(new Cell(x, y, hw, hh));
                    foreach (var n in (ReadOnlySpan<int>)[y * gw + x + hw, (y + hh) * gw + x, (y + hh) * gw + x + hw])
                        if (!exact[n]) nodes.Add(n);
                }
        }
        return (next, nodes);
    }

    /// <summary>Whether a cell splits across x and across y: its corners' signatures differ along that direction, or
    /// (square cells) its centre differs from the corners in signature or by more than <see cref="CurvatureLimit"/>.</summary>
    private static (bool X, bool Y) SplitOf(Cell c, int gw, double[] value, ulong[] sig)
    {
        int tl = c.Y * gw + c.X, tr = tl + c.W, bl = tl + c.H * gw, br = bl + c.W;
        var splitX = c.W > 1 && (sig[tl] != sig[tr] || sig[bl] != sig[br]);
        var splitY = c.H > 1 && (sig[tl] != sig[bl] || sig[tr] != sig[br]);
        if (!splitX && !splitY && c.W == c.H && c.W > 1)
        {
            var m = c.Centre(gw);
            splitX = splitY = sig[m] != sig[tl]
                || Math.Abs(value[m] - (value[tl] + value[tr] + value[bl] + value[br]) / 4) > CurvatureLimit;
        }
        return (splitX, splitY);
    }

    /// <summary>A cell of the adaptive grid: top-left pixel and size, both powers of two.</summary>
    private readonly record struct Cell(int X, int Y, int W, int H)
    {
        public int Centre(int gw) => (Y + H / 2) * gw + X + W / 2;
    }

    /// <summary>Bilinear interpolation over a whole cell from its corners (pixels cast exactly are kept).</summary>
    private static void Interpolate(double[] value, bool[] exact, int gw, Cell c)
    {
        var tl = c.Y * gw + c.X;
        double v00 = value[tl], v10 = value[tl + c.W], v01 = value[tl + c.H * gw], v11 = value[tl + c.H * gw + c.W];
        for (var j = 0; j <= c.H; j++)
        {
            var fy = j / (double)c.H;
            var row = tl + j * gw;
            for (var i = 0; i <= c.W; i++)
            {
                if (exact[row + i]) continue;
                var fx = i / (double)c.W;
                value[row + i] = (v00 * (1 - fx) + v10 * fx) * (1 - fy) + (v01 * (1 - fx) + v11 * fx) * fy;
            }
        }
    }

    /// <summary>The line integral of μ along the ray of (fractional) pixel (col, row) by the midpoint rule: steps of
    /// <see cref="RadiographOptions.StepMm"/> through the spine's box, of <see cref="SoftStepMm"/> elsewhere and through
    /// stretches of the box that hold only soft tissue (<see cref="SpineModel.DetailIntervals"/>). The signature is a
    /// hash of the sequence of tissues crossed (all soft tissue as one class, shells with their run length in octaves).</summary>
    internal static double Integrate(SpineModel model, RadiographOptions opt, RadiographProjection g, double col, double row, out ulong signature)
    {
        var p0 = g.RayBase(col, row);
        var bone = t_intervals ??= new List<(double Enter, double Exit)>(64);
        model.DetailIntervals(p0, g.Ray, SoftStepMm, bone);
        double sum = 0;
        var x = g.RayStart;
        ulong hash = 14695981039346656037UL;
        int last = -1, run = 0, k = 0;
        while (x < g.RayEnd)
        {
            var step = x >= g.FineStart && x < g.FineEnd ? opt.StepMm : SoftStepMm;
            while (k < bone.Count && bone[k].Exit < x + step / 2) k++;
            var inBone = k < bone.Count && bone[k].Enter <= x + step / 2;
            // Soft tissue only: whole soft steps where the next bone interval is further than one.
            if (!inBone && step < SoftStepMm && (k >= bone.Count || bone[k].Enter > x + SoftStepMm) && x + SoftStepMm <= g.FineEnd) step = SoftStepMm;
            var p = p0 + g.Ray * (x + step / 2);
            var s = inBone ? model.Sample(p) : model.SampleSoftTissue(p);
            sum += Mu(s, opt) * step;
            var code = s.Material <= Material.Vessel ? 0 : (int)s.Material << 8 | s.Body | (s.CementOwner + 1) << 16;
            if (code != last)
            {
                hash = (hash ^ (uint)last ^ (uint)Shell(last, run) << 24) * 1099511628211UL;
                last = code; run = 0;
            }
            run++;
            x += step;
        }
        signature = (hash ^ (uint)last ^ (uint)Shell(last, run) << 24) * 1099511628211UL;
        return sum;
    }

    [ThreadStatic] private static List<(double Enter, double Exit)>? t_intervals;

    /// <summary>For a thin shell (cortex, endplate) its run of samples in octaves, so that rays sliding along a shell
    /// (whose path in it grows fast) do not look alike; 0 for other tissues.</summary>
    private static int Shell(int code, int run) =>
        (code >> 8 & 0xFF) is (int)Material.Cortex or (int)Material.Endplate or (int)Material.PosteriorCortex
            ? 1 + System.Numerics.BitOperations.Log2((uint)run) : 0;

    internal static double Mu(PointSample s, RadiographOptions opt)
    {
        if (s.Material == Material.Cement) return opt.MuWater * (1 + opt.CementContrastFactor * s.Hu / 1000);
        if (s.Material is Material.Cortex or Material.Endplate or Material.Trabecular or Material.PosteriorCortex or Material.PosteriorTrabecular)
            return opt.MuWater * Math.Max(0, 1 + opt.BoneContrastFactor * s.Hu / 1000.0);
        return opt.MuWater * Math.Max(0, 1 + s.Hu / 1000.0);
    }
}

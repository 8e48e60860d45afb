namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Labels the bodies <see cref="VertebraLocator"/> found: the lowest is S1 when it is the sacrum and labels count up from
/// it; otherwise from the last rib-bearing vertebra (T12); otherwise V1, V2, ... from the top.
/// </summary>
internal static class SpineLabeler
{
    /// <summary>
    /// The lowest slab is the sacrum when no disc was found below a long segment (S1 to S2 are fused) or
    /// when the bone around its middle spreads far sideways (alae, sacroiliac joints, ilia), also when the
    /// field of view cuts it (a scan ending in S1).
    /// </summary>
    internal const double SacrumWidthMm = 120;

    internal static bool IsSacrum(WorkGrid w, VertebraLocator.Slab slab, BodyShape shape)
    {
        if (!slab.ChainEndBelow) return false;
        if (!slab.OpenBelow && slab.LengthMm >= 45) return true;
        return SpreadsLikeSacrum(w, shape, 10);
    }

    /// <summary>
    /// A slab above the lowest one that is still sacrum: a remnant disc between S1 and S2 (common in adults) splits the
    /// sacrum into two slabs, and S1 is the upper one. Its bone spreads sideways into the alae within 5 mm of its
    /// centroid's level (L5's transverse processes reach about 100 mm across, short of <see cref="SacrumWidthMm"/>).
    /// </summary>
    internal static bool IsUpperSacralSegment(WorkGrid w, BodyShape shape) => SpreadsLikeSacrum(w, shape, 5);

    /// <summary>The bone 2D-connected to the body spreads at least <see cref="SacrumWidthMm"/> across at some level within
    /// <paramref name="reachMm"/> of its centroid.</summary>
    private static bool SpreadsLikeSacrum(WorkGrid w, BodyShape shape, double reachMm)
    {
        var width = 0.0;
        for (var dz = -reachMm; dz <= reachMm; dz += w.Step) width = Math.Max(width, BoneWidthMm(w, shape.Centroid + new Vec3(0, 0, dz)));
        // A field cropped to the spine can be narrower than the alae: bone across all of it is wide enough.
        return width >= Math.Min(SacrumWidthMm, (w.NX - 2) * w.Step);
    }

    /// <summary>Left-right extent of the bone (≥ 200 HU) 2D-connected to a point's axial slice, on the working grid.</summary>
    internal static double BoneWidthMm(WorkGrid w, Vec3 p)
    {
        var g = w.ToGrid(p);
        int z = (int)Math.Round(g.X * 0 + g.Z), sx = (int)Math.Round(g.X), sy = (int)Math.Round(g.Y);
        if ((uint)z >= (uint)w.NZ) return 0;
        int nx = w.NX, ny = w.NY;
        var seen = new byte[nx * ny];
        var stack = new Stack<int>();
        // Seed: the nearest dense voxel within 10 mm.
        var r = (int)Math.Round(10 / w.Step);
        var seed = -1; var bestD = int.MaxValue;
        for (var y = Math.Max(0, sy - r); y <= Math.Min(ny - 1, sy + r); y++)
            for (var x = Math.Max(0, sx - r); x <= Math.Min(nx - 1, sx + r); x++)
            {
                var d = (x - sx) * (x - sx) + (y - sy) * (y - sy);
                if (w.At(x, y, z) >= 200 && d < bestD) { bestD = d; seed = y * nx + x; }
            }
        if (seed < 0) return 0;
        int minX = int.MaxValue, maxX = int.MinValue;
        seen[seed] = 1; stack.Push(seed);
        while (stack.Count > 0)
        {
            var q = stack.Pop();
            int x = q % nx, y = q / nx;
            minX = Math.Min(minX, x); maxX = Math.Max(maxX, x);
            for (var dy = -1; dy <= 1; dy++)
                for (var dx = -1; dx <= 1; dx++)
                {
                    int xx = x + dx, yy = y + dy;
                    if ((uint)xx >= (uint)nx || (uint)yy >= (uint)ny) continue;
                    var k = yy * nx + xx;
                    if (seen[k] != 0 || w.At(xx, yy, z) < 200) continue;
                    seen[k] = 1; stack.Push(k);
                }
        }
        return (maxX - minX + 1) * w.Step;
    }

    private static readonly string[] Names = BuildNames();

    private static string[] BuildNames()
    {
        var names = new List<string>();
        for (var i = 1; i <= 7; i++) names.Add($"C{i}");
        for (var i = 1; i <= 12; i++) names.Add($"T{i}");
        for (var i = 1; i <= 6; i++) names.Add($"L{i}");
        return [.. names];
    }

    /// <summary>Name of the vertebra <paramref name="above"/> levels above the sacrum (1 = lowest lumbar).</summary>
    internal static string NameAboveSacrum(int above, int lumbar)
    {
        if (above <= lumbar) return $"L{lumbar - above + 1}";
        var t = 12 - (above - lumbar) + 1;
        if (t >= 1) return $"T{t}";
        var c = 7 + t;
        return c >= 1 ? $"C{c}" : $"V?{above}";
    }

    /// <summary>Labels superior first: counted up from S1 (<paramref name="sacrumIndex"/>), else from the last rib-bearing
    /// body when <paramref name="countable"/> (no rejected candidate lies between the bodies), else V1, V2, ...</summary>
    internal static List<string> Label(WorkGrid w, List<(VertebraLocator.Slab Slab, BodyShape Shape)> bodies, int sacrumIndex, VertebraLocatorOptions o,
        bool countable, out string source)
    {
        var labels = new List<string>(bodies.Count);
        if (sacrumIndex >= 0)
        {
            source = "counted";
            for (var i = 0; i < bodies.Count; i++)
                labels.Add(i == sacrumIndex ? "S1" : NameAboveSacrum(sacrumIndex - i, o.LumbarVertebrae));
            return labels;
        }
        // Last rib-bearing vertebra with a rib-free one below it: that one is T12.
        var ribs = bodies.Select(b => countable && HasRibs(w, b.Shape)).ToList();
        var t12 = -1;
        for (var i = 0; i + 1 < bodies.Count; i++)
            if (ribs[i] && !ribs[i + 1] && !bodies[i + 1].Slab.OpenBelow) { t12 = i; }
        if (t12 >= 0)
        {
            source = "counted";
            // T12 is 1 + lumbar levels above the sacrum.
            for (var i = 0; i < bodies.Count; i++)
            {
                var above = o.LumbarVertebrae + 1 - (i - t12);
                labels.Add(above >= 1 ? NameAboveSacrum(above, o.LumbarVertebrae) : $"V{i + 1}");
            }
            return labels;
        }
        source = "index";
        for (var i = 0; i < bodies.Count; i++) labels.Add($"V{i + 1}");
        return labels;
    }

    /// <summary>
    /// Rib evidence at a body: bone (≥ 200 HU) 58–110 mm lateral of the body on both sides, level with the
    /// body and not anterior to it, in at least a third of the body's axial slices. Lumbar transverse
    /// processes reach about 40–55 mm from the midline (L3's are the longest), so the band starts past them.
    /// </summary>
    internal const double RibInnerMm = 58;

    internal static bool HasRibs(WorkGrid w, BodyShape shape)
    {
        var c = w.ToGrid(shape.Centroid);
        var halfH = 8 / w.Step;
        int z0 = (int)Math.Round(c.Z - halfH), z1 = (int)Math.Round(c.Z + halfH);
        int slices = 0, withRibs = 0;
        int inner = (int)Math.Round(RibInnerMm / w.Step), outer = (int)Math.Round(110 / w.Step), back = (int)Math.Round(60 / w.Step);
        var cx = (int)Math.Round(c.X); var cy = (int)Math.Round(c.Y);
        for (var z = Math.Max(0, z0); z <= Math.Min(w.NZ - 1, z1); z++)
        {
            slices++;
            bool left = false, right = false;
            for (var y = cy; y <= cy + back && !(left && right); y++)
                for (var d = inner; d <= outer; d++)
                {
                    if (w.At(cx + d, y, z) >= 200) left = true;
                    if (w.At(cx - d, y, z) >= 200) right = true;
                }
            if (left && right) withRibs++;
        }
        return slices > 0 && withRibs * 3 >= slices;
    }
}

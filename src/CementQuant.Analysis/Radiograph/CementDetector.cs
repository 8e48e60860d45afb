namespace CementQuant.Analysis.Radiograph;

/// <summary>
/// Cement as the most radiopaque wide structure. G: the image smoothed (σ 0.4 mm); background: a 40 mm grey
/// opening at 1 mm (removes everything narrower than a vertebra's cement); residual R = G − background.
/// Wide residual Rw: R opened with a 4 mm disc (removes thin bone edges and the cortex). Bone scale B: the 90th
/// percentile of Rw. Seeds: Rw &gt; SeedContrast·B; cement: R &gt; max(EdgeContrast·B, 0.2·seed level) connected to
/// a seed, small holes closed, thin attachments opened off; fainter regions near seeded cement are kept as leaks, but
/// a group of such regions without a seed is not a cemented vertebra. Bright thin long straight components (screws,
/// rods, wires) are metal: painted out like cement but not measured.
/// </summary>
internal static class CementDetector
{
    public static CementResult Detect(CanonicalImage c, RadiographAnalysisOptions o, Action<string>? trace)
    {
        int w = c.Width, h = c.Height, n = w * h;
        var s = (c.Sx + c.Sy) / 2;
        var notes = new List<string>();
        var r = Residual(c, s);
        var rw = Cv.Open(r, w, h, 4.0 / s);
        var (bone, max) = BoneScale(rw, trace);
        var scene = new Scene(c, o, r, rw, bone, o.SeedContrast * bone, s, trace);
        var seeds = Seeds(scene);
        var painted = (float[])r.Clone();
        if (!seeds.Any(v => v != 0))
        {
            trace?.Invoke("no seeds");
            return new CementResult([], r, painted, new byte[n], bone, max / bone, false, notes);
        }
        // Grow from the seeds; when metal turns up among the components, grow again from the other seeds so the metal's
        // brightness does not set the cement's thresholds.
        var metalParts = new List<Comp>();
        var (comps, local, level) = Grow(scene, seeds, metalParts);
        if (metalParts.Count > 0)
        {
            foreach (var m in metalParts) foreach (var i in m.Pixels) seeds[i] = 0;
            if (seeds.Any(v => v != 0)) (comps, local, level) = Grow(scene, seeds, metalParts);
            else comps = [];
            notes.Add("METAL: bright thin straight objects (screws, rods, wires) excluded from cement");
        }

        var groups = GroupComponents(comps, c, trace);
        comps = [.. groups.SelectMany(gr => gr)];
        var inner = PaintOut(scene, comps.Concat(metalParts), painted);
        var result = groups.Select(gr => ToCementGroup(gr, trace)).ToList();
        var contrast = new float[n];
        for (var i = 0; i < n; i++) contrast[i] = r[i] - local[i];
        return new CementResult(result, r, painted, inner, bone, max / bone, metalParts.Count > 0, notes) { Contrast = contrast, Level = level };
    }

    /// <summary>The image-wide quantities every step of the detection reads.</summary>
    private sealed record Scene(CanonicalImage Image, RadiographAnalysisOptions Options, float[] R, float[] Rw, double Bone, double SeedT, double S,
        Action<string>? Trace)
    {
        public int W => Image.Width;
        public int H => Image.Height;
        public int N => Image.Width * Image.Height;
    }

    /// <summary>Residual R = G − background: G smoothed (σ 0.4 mm), background a 40 mm grey opening at about 1 mm.</summary>
    private static float[] Residual(CanonicalImage c, double s)
    {
        int w = c.Width, h = c.Height, n = w * h;
        var g = Cv.Blur(c.Data, w, h, 0.4 / s);
        var sw = Math.Max(8, (int)Math.Round(w * c.Sx)); var sh = Math.Max(8, (int)Math.Round(h * c.Sy));
        var small = Cv.Resize(g, w, h, sw, sh);
        var bgSmall = Cv.Blur(Cv.Open(small, sw, sh, 41), sw, sh, 4);
        var bg = Cv.Resize(bgSmall, sw, sh, w, h);
        var r = new float[n];
        for (var i = 0; i < n; i++) r[i] = g[i] - bg[i];
        return r;
    }

    /// <summary>Bone scale: the 90th percentile of the wide residual (the 95th lands in the cement where several levels are
    /// filled), never below a tenth of the 99.9th (where bone covers little of the image the percentile is noise).</summary>
    private static (double Bone, double Max) BoneScale(float[] rw, Action<string>? trace)
    {
        var p90 = Cv.Percentile(rw, 0.90);
        var p999 = Cv.Percentile(rw, 0.999);
        var max = rw.Max();
        var bone = Math.Max(p90, p999 / 10);
        if (!(bone > 0)) bone = Math.Max(1e-6, max / 100);
        trace?.Invoke($"bone p90={RadiographAnalyzer.F(p90)} p99.9={RadiographAnalyzer.F(p999)} max={RadiographAnalyzer.F(max)} B={RadiographAnalyzer.F(bone)} max/B={RadiographAnalyzer.F(max / bone)}");
        return (bone, max);
    }

    /// <summary>Seeds: the wide residual above the seed threshold, in components of at least half the minimum cement area.</summary>
    private static byte[] Seeds(Scene sc)
    {
        int w = sc.W, h = sc.H, n = sc.N;
        var seeds = new byte[n];
        for (var i = 0; i < n; i++) if (sc.Rw[i] > sc.SeedT) seeds[i] = 1;
        var (seedLabels, seedCount) = Cv.Components(seeds, w, h);
        var minSeedPx = Math.Max(4, 0.5 * sc.Options.MinCementAreaMm2 / (sc.Image.Sx * sc.Image.Sy));
        var seedArea = new int[seedCount];
        for (var i = 0; i < n; i++) seedArea[seedLabels[i]]++;
        for (var i = 0; i < n; i++) if (seedLabels[i] == 0 || seedArea[seedLabels[i]] < minSeedPx) seeds[i] = 0;
        return seeds;
    }

    private static (List<Comp> Comps, float[] Local, double Level) Grow(Scene sc, byte[] seeds, List<Comp> metalParts)
    {
        int w = sc.W, h = sc.H, n = sc.N;
        var (r, rw, s, o, c) = (sc.R, sc.Rw, sc.S, sc.Options, sc.Image);
        var seedLevels = new List<float>();
        for (var i = 0; i < n; i++) if (seeds[i] != 0) seedLevels.Add(r[i]);
        var seedLevel = Cv.Percentile([.. seedLevels], 0.5);
        var local = LocalBackground(sc, seedLevel);
        var seedContrast = new List<float>();
        for (var i = 0; i < n; i++) if (seeds[i] != 0) seedContrast.Add(r[i] - local[i]);
        var level = Cv.Percentile([.. seedContrast], 0.5);
        var edgeT = Math.Max(o.EdgeContrast * sc.Bone, 0.3 * level);
        sc.Trace?.Invoke($"seedT={RadiographAnalyzer.F(sc.SeedT)} seedLevel={RadiographAnalyzer.F(seedLevel)} local level={RadiographAnalyzer.F(level)} edgeT={RadiographAnalyzer.F(edgeT)}");

        // Growth needs wide support too (the wide residual above half the edge threshold), so a thin bright ring of bone
        // touching the cement (a spinous process seen end on) is not taken in.
        var grow = new byte[n];
        for (var i = 0; i < n; i++) if (r[i] - local[i] > edgeT && rw[i] - local[i] > 0.5 * edgeT) grow[i] = 1;
        var (labels, count) = Cv.Components(grow, w, h);
        var keep = new bool[count];
        for (var i = 0; i < n; i++) if (seeds[i] != 0 && labels[i] > 0) keep[labels[i]] = true;
        // Fainter cement near seeded cement (a leak thinner than the fill): grown regions with no seed whose wide
        // contrast reaches SatelliteLevel of the seeds' and that lie within 40 mm of a seeded region.
        KeepSatellites(keep, labels, count, rw, local, level, w, h, c.Sx, c.Sy, o.MinCementAreaMm2);
        var mask = new byte[n];
        for (var i = 0; i < n; i++) if (keep[labels[i]] && labels[i] > 0) mask[i] = 1;
        // Close small holes, then open with a 2 mm disc: thin bright bone touching the cement (a spinous process seen
        // end on, a cortex line) is cut off; wide cement keeps its outline.
        mask = Cv.Close(mask, w, h, 1.0 / s);
        mask = Cv.OpenMask(mask, w, h, 2.0 / s);
        return (FinalComponents(sc, mask, seeds, seedLevel, metalParts), local, level);
    }

    /// <summary>Local background under and around the cement: the residual outside a generous high-threshold mask, spread
    /// inward by normalised convolution (σ 2.5 mm). Cement must exceed it by 30 % of the seeds' own contrast, so bright bone
    /// touching the cement (a spinous process, an endplate) is not swallowed. Where the exclusion is wide the normalised
    /// convolution has no support: the background level 0 is used there.</summary>
    private static float[] LocalBackground(Scene sc, double seedLevel)
    {
        int w = sc.W, h = sc.H, n = sc.N;
        var r = sc.R;
        var high = new byte[n];
        for (var i = 0; i < n; i++) if (r[i] > 0.3 * seedLevel) high[i] = 1;
        var excluded = Cv.Dilate(high, w, h, 3.0 / sc.S);
        var num = new float[n]; var den = new float[n];
        for (var i = 0; i < n; i++) if (excluded[i] == 0) { num[i] = r[i]; den[i] = 1; }
        num = Cv.Blur(num, w, h, 2.5 / sc.S); den = Cv.Blur(den, w, h, 2.5 / sc.S);
        var local = new float[n];
        for (var i = 0; i < n; i++) local[i] = den[i] > 1e-3f ? num[i] / den[i] : 0f;
        return local;
    }

    /// <summary>Components of the final mask: small ones dropped, metal-like ones moved to <paramref name="metalParts"/>.</summary>
    private static List<Comp> FinalComponents(Scene sc, byte[] mask, byte[] seeds, double seedLevel, List<Comp> metalParts)
    {
        int w = sc.W, h = sc.H, n = sc.N;
        var c = sc.Image;
        var (cl, cc) = Cv.Components(mask, w, h);
        var comps = new List<Comp>();
        var lists = new List<int>[cc];
        for (var k = 0; k < cc; k++) lists[k] = [];
        for (var i = 0; i < n; i++) if (cl[i] > 0) lists[cl[i]].Add(i);
        for (var k = 1; k < cc; k++)
        {
            var px = lists[k];
            if (px.Count * c.Sx * c.Sy < sc.Options.MinCementAreaMm2) continue;
            var comp = Comp.Of(px, w, sc.R, c.Sx, c.Sy) with { Seeded = px.Any(i => seeds[i] != 0) };
            if (comp.LooksLikeMetal(seedLevel))
            {
                sc.Trace?.Invoke($"metal-like component dropped at ({comp.Cx:0},{comp.Cy:0}) width {RadiographAnalyzer.F(comp.MinorMm)} mm, elongation {RadiographAnalyzer.F(comp.Elongation)}");
                if (!metalParts.Any(m => m.Pixels.Contains(px[0]))) metalParts.Add(comp);
                continue;
            }
            comps.Add(comp);
        }
        return comps;
    }

    /// <summary>Components grouped by overlapping rows (bipedicular columns are two blobs of one vertebra), and a smaller one
    /// within 6 mm of a group's largest (a leak into the disc above or below its source) with that group. Satellites alone
    /// make no cemented vertebra: fainter cement counts only beside a seeded fill. A faint bright region on its own is bone
    /// (at 1 mm pixels the noise lifts a pedicle seen end on over the satellite level).</summary>
    private static List<List<Comp>> GroupComponents(List<Comp> comps, CanonicalImage c, Action<string>? trace)
    {
        comps.Sort((a, b) => b.Pixels.Count.CompareTo(a.Pixels.Count));
        var groups = new List<List<Comp>>();
        foreach (var comp in comps)
        {
            var home = groups.FirstOrDefault(gr =>
            {
                var m = gr[0];
                var overlap = Math.Min(m.Y1, comp.Y1) - Math.Max(m.Y0, comp.Y0);
                return overlap >= 0.3 * Math.Min(m.Y1 - m.Y0, comp.Y1 - comp.Y0) && Math.Abs(comp.Cx - m.Cx) * c.Sx < 60;
            }) ?? groups.FirstOrDefault(gr =>
            {
                var m = gr[0];
                var gapX = Math.Max(0, Math.Max(m.X0 - comp.X1, comp.X0 - m.X1)) * c.Sx;
                var gapY = Math.Max(0, Math.Max(m.Y0 - comp.Y1, comp.Y0 - m.Y1)) * c.Sy;
                return 2 * comp.Pixels.Count < m.Pixels.Count && double.Hypot(gapX, gapY) <= 6;
            });
            if (home is null) groups.Add([comp]); else home.Add(comp);
        }
        foreach (var gr in groups.Where(gr => !gr.Any(x => x.Seeded)))
            trace?.Invoke($"group without a seed at ({gr[0].Cx:0},{gr[0].Cy:0}) dropped");
        groups.RemoveAll(gr => !gr.Any(x => x.Seeded));
        return groups;
    }

    /// <summary>Paints the cement (and metal) out of the residual: each component (dilated 1.5 mm) gets the median of a ring
    /// around it. Returns the painted-out mask.</summary>
    private static byte[] PaintOut(Scene sc, IEnumerable<Comp> parts, float[] painted)
    {
        int w = sc.W, h = sc.H, n = sc.N;
        var all = new byte[n];
        foreach (var comp in parts) foreach (var i in comp.Pixels) all[i] = 1;
        var inner = Cv.Dilate(all, w, h, 3.0 / sc.S);
        var outer = Cv.Dilate(all, w, h, 8.0 / sc.S);
        var ring = new List<float>();
        for (var i = 0; i < n; i++) if (outer[i] != 0 && inner[i] == 0) ring.Add(sc.R[i]);
        var fill = ring.Count > 0 ? (float)Cv.Percentile([.. ring], 0.5) : 0f;
        for (var i = 0; i < n; i++) if (inner[i] != 0) painted[i] = fill;
        return inner;
    }

    /// <summary>A group as a cement group: in-body columns are the components of similar size to the largest one (small ones
    /// may be leaks).</summary>
    private static CementGroup ToCementGroup(List<Comp> gr, Action<string>? trace)
    {
        var main = gr[0];
        var core = gr.Where(x => x.Pixels.Count >= 0.25 * main.Pixels.Count).ToList();
        trace?.Invoke($"group x {main.X0}-{main.X1} y {main.Y0}-{main.Y1} comps {gr.Count} px {gr.Sum(x => x.Pixels.Count)}");
        return new CementGroup([.. gr.SelectMany(x => x.Pixels)], gr.Min(x => x.X0), gr.Max(x => x.X1), gr.Min(x => x.Y0), gr.Max(x => x.Y1),
            core.Min(x => x.X0), core.Max(x => x.X1), core.Min(x => x.Y0), core.Max(x => x.Y1));
    }

    /// <summary>Wide contrast (of the seeds' median) a grown region without a seed needs to count as cement near seeded cement.</summary>
    private const double SatelliteLevel = 0.45;

    private static void KeepSatellites(bool[] keep, int[] labels, int count, float[] rw, float[] local, double level, int w, int h, double sx, double sy, double minAreaMm2)
    {
        var peak = new double[count]; var area = new int[count];
        int[] x0 = new int[count], x1 = new int[count], y0 = new int[count], y1 = new int[count];
        Array.Fill(x0, int.MaxValue); Array.Fill(y0, int.MaxValue); Array.Fill(x1, int.MinValue); Array.Fill(y1, int.MinValue);
        for (var i = 0; i < labels.Length; i++)
        {
            var l = labels[i];
            if (l == 0) continue;
            area[l]++; peak[l] = Math.Max(peak[l], rw[i] - local[i]);
            int x = i % w, y = i / w;
            x0[l] = Math.Min(x0[l], x); x1[l] = Math.Max(x1[l], x); y0[l] = Math.Min(y0[l], y); y1[l] = Math.Max(y1[l], y);
        }
        var seeded = Enumerable.Range(1, count - 1).Where(l => keep[l]).ToList();
        for (var l = 1; l < count; l++)
        {
            if (keep[l] || peak[l] < SatelliteLevel * level || area[l] * sx * sy < minAreaMm2) continue;
            keep[l] = seeded.Any(k =>
            {
                var dx = Math.Max(0, Math.Max(x0[k] - x1[l], x0[l] - x1[k])) * sx;
                var dy = Math.Max(0, Math.Max(y0[k] - y1[l], y0[l] - y1[k])) * sy;
                return dx * dx + dy * dy <= 40 * 40;
            });
        }
    }

    private sealed record Comp(List<int> Pixels, int X0, int X1, int Y0, int Y1, double Cx, double Cy, double MinorMm, double Elongation, double Level)
    {
        public static Comp Of(List<int> px, int w, float[] r, double sx, double sy)
        {
            int x0 = int.MaxValue, x1 = int.MinValue, y0 = int.MaxValue, y1 = int.MinValue;
            double mx = 0, my = 0;
            var levels = new float[px.Count];
            for (var k = 0; k < px.Count; k++)
            {
                int x = px[k] % w, y = px[k] / w;
                x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                mx += x * sx; my += y * sy; levels[k] = r[px[k]];
            }
            mx /= px.Count; my /= px.Count;
            double cxx = 0, cyy = 0, cxy = 0;
            foreach (var i in px)
            {
                var dx = i % w * sx - mx; var dy = i / w * sy - my;
                cxx += dx * dx; cyy += dy * dy; cxy += dx * dy;
            }
            cxx /= px.Count; cyy /= px.Count; cxy /= px.Count;
            var tr = cxx + cyy; var det = cxx * cyy - cxy * cxy;
            var disc = Math.Sqrt(Math.Max(0, tr * tr / 4 - det));
            var l1 = tr / 2 + disc; var l2 = Math.Max(1e-9, tr / 2 - disc);
            // Width of a uniform bar with that second moment: sqrt(12·λ).
            return new Comp(px, x0, x1, y0, y1, mx / sx, my / sy, Math.Sqrt(12 * l2), Math.Sqrt(l1 / l2), Cv.Percentile(levels, 0.9))
            {
                Straightness = px.Count * sx * sy / (Math.Sqrt(12 * l1) * Math.Sqrt(12 * l2)),
            };
        }

        /// <summary>A screw, rod or wire: thin (under 9 mm), long (over 3.5 times as long as wide) and either much brighter than
        /// the typical cement seed or at least as bright and straight (filling the bar of its second moments; a leak along a
        /// vein curves).</summary>
        public bool LooksLikeMetal(double seedLevel) =>
            Elongation > 3.5 && MinorMm < 9 && (Level > 2.5 * seedLevel || (Level >= seedLevel && Straightness > 0.8));

        /// <summary>Area over that of the bar with the same second moments (1 for a straight bar).</summary>
        public double Straightness { get; init; }

        /// <summary>Holds a seed, not only cement grown without one (<see cref="KeepSatellites"/>).</summary>
        public bool Seeded { get; init; }
    }
}

namespace CementQuant.Analysis.Cement;

/// <summary>
/// Decides, before anything is measured, whether a vertebral body holds cement at all. Real bone is not cement:
/// cortex, sclerotic fracture margins, osteophytes and calcified discs lie on the body's surface; contrast-filled
/// vessels and the aorta lie outside it and enter the body mask only at its edge; real bone above the threshold is a
/// graded density (the volume called dense moves with the threshold). Cement is PMMA with barium or zirconia: a
/// plateau of 1500–3500 HU, far above the body's own bone distribution, with a sharp edge and a compact core deep
/// inside the body. A candidate that has dense voxels but misses these properties is <see cref="CementVerdict.NotAssessable"/>:
/// the stage says it cannot tell rather than reporting a clinical finding.
/// </summary>
public static class CementPresence
{
    /// <summary>The core must lie this far inside the body (beyond cortex and endplates, about 1–2 mm thick).</summary>
    public const double CoreDepthMm = 2.5;

    /// <summary>Robust standard deviations of the body's own bone that the cement core must exceed.</summary>
    public const double BoneSigmas = 8;

    /// <summary>Smallest deep core that counts as cement (a 5 mm bead: 0.065 mL).</summary>
    public const double MinCoreMl = 0.05;

    /// <summary>
    /// Share of the candidate that the deep core must make up: cement is mostly plateau, while dense bone or contrast
    /// at a body's edge leaves most of its above-threshold voxels shallow or below the presence level.
    /// </summary>
    public const double MinCoreFraction = 0.3;

    /// <summary>QC note: dense voxels in the body that the stage cannot call cement or not; no cement reported.</summary>
    public const string NotAssessableQc = QcCodes.CementNotAssessable;

    /// <summary>
    /// Decide for one body. <paramref name="values"/> HU of the region; <paramref name="body"/> 1 for this body;
    /// <paramref name="candidate"/> the in-body region indices the threshold called cement; <paramref name="seedHu"/> the
    /// level of certain cement; <paramref name="thresholdHu"/> the threshold that made the candidate.
    /// </summary>
    internal static CementPresenceResult Decide(short[] values, byte[] body, VoxelRegion r, ImageGeometry g,
        IReadOnlyList<int> candidate, double seedHu, double thresholdHu, double minComponentMl)
    {
        var voxelMl = g.VoxelVolumeMm3 / 1000.0;
        if (candidate.Count == 0 || candidate.Count * voxelMl < minComponentMl) return new(CementVerdict.None, seedHu, 0, 1, "no candidate");

        // The body's own bone: every body voxel that is not a candidate; median and MAD-based sigma.
        var isCandidate = new bool[values.Length];
        foreach (var i in candidate) isCandidate[i] = true;
        var bone = new List<short>();
        for (var i = 0; i < values.Length; i++)
            if (body[i] == 1 && !isCandidate[i]) bone.Add(values[i]);
        double median = 100, sigma = 100;
        if (bone.Count > 10)
        {
            var a = bone.ToArray();
            Array.Sort(a);
            median = a[a.Length / 2];
            var dev = a.Select(v => Math.Abs(v - median)).ToArray();
            Array.Sort(dev);
            sigma = Math.Max(30, 1.4826 * dev[dev.Length / 2]);
        }
        var presenceHu = Math.Min(3000, Math.Max(seedHu, median + BoneSigmas * sigma));

        // Depth inside the body along each index axis, in mm (a cross-shaped erosion; enough at these depths).
        var depth = AxisDepthMm(body, r, g);
        long core = 0;
        foreach (var i in candidate)
            if (values[i] >= presenceHu && depth[i] >= CoreDepthMm) core++;
        var coreMl = core * voxelMl;

        var unstable = GradedEdge(values, body, r, candidate, isCandidate, thresholdHu);
        var reasons = new List<string>();
        if (coreMl < MinCoreMl) reasons.Add($"no compact core ≥ {presenceHu:0} HU deeper than {CoreDepthMm} mm ({coreMl:0.000} mL)");
        var coreFraction = coreMl / (candidate.Count * voxelMl);
        if (coreFraction < MinCoreFraction) reasons.Add($"only {coreFraction:P0} of the candidate is deep plateau (≥ {MinCoreFraction:P0} expected)");
        if (unstable) reasons.Add($"graded density: the candidate grows or shrinks by more than {EdgeFraction:P0} with the threshold ±{EdgeHu} HU");
        if (reasons.Count == 0)
        {
            var confidence = Math.Clamp(coreMl / (candidate.Count * voxelMl), 0, 1);
            return new(CementVerdict.Present, presenceHu, coreMl, Math.Round(0.5 + 0.5 * confidence, 2), $"core {coreMl:0.00} mL ≥ {presenceHu:0} HU");
        }
        return new(CementVerdict.NotAssessable, presenceHu, coreMl, 0, string.Join("; ", reasons));
    }

    /// <summary>Threshold step and allowed relative volume change of a sharp cement edge.</summary>
    public const double EdgeHu = 150;
    public const double EdgeFraction = 0.25;

    /// <summary>
    /// Cement has a sharp edge: lowering the threshold by <see cref="EdgeHu"/> adds only its partial-volume rim, raising
    /// it removes only that rim. Graded density (contrast, bone) grows or shrinks far more. Only in-body voxels next to the
    /// candidate count as growth, so unrelated dense bone elsewhere in the body does not matter.
    /// </summary>
    private static bool GradedEdge(short[] values, byte[] body, VoxelRegion r, IReadOnlyList<int> candidate, bool[] isCandidate, double t)
    {
        long grow = 0, shrink = 0;
        var seen = new bool[values.Length];
        foreach (var i in candidate)
        {
            if (values[i] < t + EdgeHu) shrink++;
            var (x, y, z) = r.Voxel(i);
            for (var dz = -1; dz <= 1; dz++)
                for (var dy = -1; dy <= 1; dy++)
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        if (!r.Contains(x + dx, y + dy, z + dz)) continue;
                        var j = r.Index(x + dx, y + dy, z + dz);
                        if (seen[j] || isCandidate[j] || body[j] != 1) continue;
                        seen[j] = true;
                        if (values[j] >= t - EdgeHu) grow++;
                    }
        }
        return grow > EdgeFraction * candidate.Count || shrink > EdgeFraction * candidate.Count;
    }

    /// <summary>
    /// Per region voxel, the smallest distance (mm) to a non-body voxel along the three index axes (0 outside the
    /// body). The region's edge counts as outside.
    /// </summary>
    internal static float[] AxisDepthMm(byte[] body, VoxelRegion r, ImageGeometry g)
    {
        var n = body.Length;
        var depth = new float[n];
        for (var i = 0; i < n; i++) depth[i] = body[i] == 1 ? float.MaxValue : 0;
        // Lines along x: start = line index (over y,z) * SizeX; along y: start = z*SizeX*SizeY + x; along z: start = y*SizeX + x.
        Lines(depth, body, r.SizeX, r.SizeY * r.SizeZ, line => line * r.SizeX, 1, g.ColumnSpacing);
        Lines(depth, body, r.SizeY, r.SizeX * r.SizeZ, line => (line / r.SizeX) * r.SizeX * r.SizeY + line % r.SizeX, r.SizeX, g.RowSpacing);
        Lines(depth, body, r.SizeZ, r.SizeX * r.SizeY, line => line, r.SizeX * r.SizeY, g.SliceSpacing);
        return depth;
    }

    private static void Lines(float[] depth, byte[] body, int length, int count, Func<int, int> start, int stride, double spacing)
    {
        var run = new int[length];
        for (var line = 0; line < count; line++)
        {
            var s = start(line);
            var k = 0;
            for (var t = 0; t < length; t++) { k = body[s + t * stride] == 1 ? k + 1 : 0; run[t] = k; }
            k = 0;
            for (var t = length - 1; t >= 0; t--)
            {
                var i = s + t * stride;
                k = body[i] == 1 ? k + 1 : 0;
                if (k == 0) continue;
                var d = (float)((Math.Min(run[t], k) - 0.5) * spacing);
                if (d < depth[i]) depth[i] = d;
            }
        }
    }
}

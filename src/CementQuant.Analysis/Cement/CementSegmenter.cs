using CementQuant.Kernels;

namespace CementQuant.Analysis.Cement;

/// <summary>
/// The cement segmentation stage: per vertebral body, a threshold (automatic: half-way between the body's trabecular
/// background and the cement plateau, where partial volume puts the boundary), cement as the voxels above it connected
/// to certain-cement seeds, split into in-body cement and leaks; the gas cleft; and the QC notes of segmentation
/// (low ROI confidence, streaks, saturation, an unstable threshold).
/// </summary>
internal sealed class CementSegmenter(CementOptions options)
{
    private readonly CementOptions _o = options;

    public CementSegmentation Segment(Volume<short> hu, IReadOnlyList<VertebraRoi> rois, int index)
    {
        var roi = rois[index];
        var g = hu.Geometry;
        var region = VoxelRegion.Around(roi.Body, g, hu.SizeX, hu.SizeY, hu.SizeZ, _o.LeakMarginMm);
        var n = region.Count;

        // Region copies: HU, this body (1), other bodies (2).
        var values = new short[n];
        var body = new byte[n];
        for (var z = 0; z < region.SizeZ; z++)
            for (var y = 0; y < region.SizeY; y++)
                hu.Row(y + region.Y0, z + region.Z0).Slice(region.X0, region.SizeX).CopyTo(values.AsSpan(((z * region.SizeY) + y) * region.SizeX, region.SizeX));
        foreach (var other in rois)
            Paint(other.Body, region, body, ReferenceEquals(other, roi) ? (byte)1 : (byte)2);

        var voxelMl = g.VoxelVolumeMm3 / 1000.0;
        var minVoxels = Math.Max(1, (int)Math.Ceiling(_o.MinComponentMl / voxelMl));
        var qc = new List<string>(roi.Qc);
        if (roi.Confidence < _o.MinRoiConfidence && !qc.Contains(QcCodes.LowRoiConfidence)) qc.Add(QcCodes.LowRoiConfidence);

        // Threshold.
        var threshold = ChooseThreshold(values, body);
        var cement = new byte[n]; // 1 in this body, 2 leak (outside every body)
        var inBody = new List<int>();
        var leaks = new List<int>();
        if (threshold is { } t)
            Segment(values, body, region, g, t, minVoxels, cement, inBody, leaks, IsNearest);
        // Real bone, contrast and streaks are not cement: without a sure finding nothing is measured and no leak is kept.
        var presence = CementPresence.Decide(values, body, region, g, inBody, Math.Max(threshold ?? 0, _o.SeedHu), threshold ?? 0, _o.MinComponentMl);
        if (presence.Verdict != CementVerdict.Present)
        {
            if (presence.Verdict == CementVerdict.NotAssessable) qc.Add(QcCodes.CementNotAssessable);
            inBody.Clear(); leaks.Clear(); Array.Clear(cement);
        }

        // Free-floating cement (touching no body) belongs to the vertebra whose centroid is nearest.
        bool IsNearest(Vec3 p)
        {
            var mine = (p - roi.Centroid).Length;
            foreach (var other in rois)
                if (!ReferenceEquals(other, roi) && !other.IsSacrum && (p - other.Centroid).Length < mine) return false;
            return true;
        }

        var cleftMl = CleftVolume(values, body, region, minVoxels, voxelMl, qc);
        var hasCement = inBody.Count * voxelMl >= _o.MinComponentMl;
        if (hasCement)
        {
            var saturated = 0;
            foreach (var i in inBody)
                if (values[i] >= _o.SaturatedHu) saturated++;
            if (saturated > _o.SaturatedFraction * inBody.Count) qc.Add(QcCodes.Saturated);
            if (threshold is { } th && _o.ThresholdHu is null && Unstable(values, body, th, inBody.Count)) qc.Add(QcCodes.ThresholdUnstable);
        }
        return new CementSegmentation(roi, region, values, body, cement, inBody, leaks, threshold, minVoxels, voxelMl, cleftMl, hasCement, qc);
    }

    private double? ChooseThreshold(short[] values, byte[] body)
    {
        if (_o.ThresholdHu is { } fixedT) return fixedT;
        // Cement plateau: the median of certain-cement voxels in the region; background: the body's trabecular
        // bone (−100 < HU < 400, below SeedHu ≥ 500 by construction). Medians from histograms of the int16 values.
        var seedFrom = LowestAtOrAbove(_o.SeedHu);
        var seeds = new long[short.MaxValue - seedFrom + 1];
        if (VoxelKernels.Histogram(values, [], seeds, seedFrom) == 0) return null;
        var thisBody = new byte[body.Length];
        for (var i = 0; i < body.Length; i++) thisBody[i] = body[i] == 1 ? (byte)1 : (byte)0;
        var background = new long[399 - -99 + 1];
        var b = VoxelKernels.Histogram(values, thisBody, background, -99) > 0 ? Median(background, -99) : 100;
        var plateau = Median(seeds, seedFrom);
        return Math.Round(Math.Clamp((b + plateau) / 2, _o.MinAutoThresholdHu, plateau));
    }

    /// <summary>The smallest int16 value v with v ≥ t (clamped to the int16 range).</summary>
    private static short LowestAtOrAbove(double t) => (short)Math.Clamp(Math.Ceiling(t), short.MinValue, short.MaxValue);

    private void Segment(short[] values, byte[] body, VoxelRegion r, ImageGeometry g, double t, int minVoxels, byte[] cement, List<int> inBody, List<int> leaks, Func<Vec3, bool> isNearest)
    {
        var n = values.Length;
        var mask = new byte[n];
        if (t <= short.MaxValue) VoxelKernels.Threshold(values, mask, LowestAtOrAbove(t));
        var labels = new int[n];
        var count = ConnectedComponents.Label(mask, labels, r.SizeX, r.SizeY, r.SizeZ, Connectivity.TwentySix);
        var seedHu = Math.Max(t, _o.SeedHu);
        var seeded = new bool[count + 1];
        var sizes = new int[count + 1];
        var touchesThisBody = new bool[count + 1];
        var touchesAnyBody = new bool[count + 1];
        var sums = new (double X, double Y, double Z)[count + 1];
        for (var i = 0; i < n; i++)
        {
            var l = labels[i];
            if (l == 0) continue;
            sizes[l]++;
            if (values[i] >= seedHu) seeded[l] = true;
            if (body[i] == 1) touchesThisBody[l] = true;
            if (body[i] != 0) touchesAnyBody[l] = true;
            var (x, y, z) = r.Voxel(i);
            sums[l] = (sums[l].X + x, sums[l].Y + y, sums[l].Z + z);
        }
        var mine = new bool[count + 1];
        for (var l = 1; l <= count; l++)
            mine[l] = touchesThisBody[l] || (!touchesAnyBody[l] && sizes[l] > 0 && isNearest(g.ToPatient(sums[l].X / sizes[l], sums[l].Y / sizes[l], sums[l].Z / sizes[l])));
        var leakCandidates = new byte[n];
        for (var i = 0; i < n; i++)
        {
            var l = labels[i];
            if (l == 0 || !seeded[l] || sizes[l] < minVoxels) continue;
            if (body[i] == 1) { cement[i] = 1; inBody.Add(i); }
            // Outside every body: a leak of this vertebra when its component reaches into this body's cement,
            // or touches no body at all and this vertebra is the nearest.
            else if (body[i] == 0 && mine[l]) leakCandidates[i] = 1;
        }
        // A leak must reach beyond the one-voxel shell around the body: cement that only spills into the
        // shell is the partial-volume edge of in-body cement at the body surface, not a leak.
        var leakLabels = new int[n];
        var leakCount = ConnectedComponents.Label(leakCandidates, leakLabels, r.SizeX, r.SizeY, r.SizeZ, Connectivity.TwentySix);
        var beyondShell = new bool[leakCount + 1];
        for (var i = 0; i < n; i++)
            if (leakLabels[i] != 0 && !beyondShell[leakLabels[i]] && !NextToBody(body, r, i)) beyondShell[leakLabels[i]] = true;
        for (var i = 0; i < n; i++)
            if (leakLabels[i] != 0 && beyondShell[leakLabels[i]]) { cement[i] = 2; leaks.Add(i); }
    }

    private static bool NextToBody(byte[] body, VoxelRegion r, int i)
    {
        var (x, y, z) = r.Voxel(i);
        for (var dz = -1; dz <= 1; dz++)
            for (var dy = -1; dy <= 1; dy++)
                for (var dx = -1; dx <= 1; dx++)
                    if (r.Contains(x + dx, y + dy, z + dz) && body[r.Index(x + dx, y + dy, z + dz)] == 1) return true;
        return false;
    }

    /// <summary>
    /// Gas cleft: cavities of voxels below <see cref="CementOptions.CleftHu"/> inside the body, measured like the
    /// cement at the half-way level between the cavity's core and the trabecular background so that partial
    /// volume does not inflate it. Scattered dark voxels that form no cavity are streaks (QC note), not cleft.
    /// </summary>
    private double CleftVolume(short[] values, byte[] body, VoxelRegion r, int minVoxels, double voxelMl, List<string> qc)
    {
        var n = values.Length;
        var gas = new byte[n];
        long bodyVoxels = 0, gasVoxels = 0;
        var background = new List<short>();
        for (var i = 0; i < n; i++)
        {
            if (body[i] != 1) continue;
            bodyVoxels++;
            if (values[i] < _o.CleftHu) { gas[i] = 1; gasVoxels++; }
            else if (values[i] is > -100 and < 400) background.Add(values[i]);
        }
        if (gasVoxels == 0) return 0;
        var labels = new int[n];
        var count = ConnectedComponents.Label(gas, labels, r.SizeX, r.SizeY, r.SizeZ, Connectivity.TwentySix);
        var sizes = ConnectedComponents.Sizes(labels, count);
        // A cavity holds gas: some of its voxels are well below the streak and noise range (hysteresis from a core).
        var hasCore = new bool[count + 1];
        for (var i = 0; i < n; i++)
            if (labels[i] != 0 && values[i] <= _o.CleftCoreHu) hasCore[labels[i]] = true;
        var core = new List<short>();
        long inCavities = 0;
        for (var i = 0; i < n; i++)
        {
            var l = labels[i];
            if (l == 0 || sizes[l] < minVoxels || !hasCore[l]) continue;
            core.Add(values[i]);
            inCavities++;
        }
        // Scattered dark voxels that form no cavity: beam-hardening streaks from the cement (or heavy noise).
        if (gasVoxels - inCavities > _o.StreakFraction * bodyVoxels) qc.Add(QcCodes.StreakArtifact);
        if (core.Count == 0) return 0;
        var level = Math.Min(_o.CleftHu, (Median(core) + (background.Count > 0 ? Median(background) : 100)) / 2);
        long cleft = 0;
        for (var i = 0; i < n; i++)
        {
            var l = labels[i];
            if (l != 0 && sizes[l] >= minVoxels && hasCore[l] && values[i] < level) cleft++;
        }
        return cleft * voxelMl;
    }

    private bool Unstable(short[] values, byte[] body, double t, int count)
    {
        long lo = 0, hi = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (body[i] != 1) continue;
            if (values[i] >= t - _o.InstabilityStepHu) lo++;
            if (values[i] >= t + _o.InstabilityStepHu) hi++;
        }
        return count > 0 && (Math.Abs(lo - count) > _o.InstabilityFraction * count || Math.Abs(count - hi) > _o.InstabilityFraction * count);
    }

    private static void Paint(RoiMask roi, VoxelRegion r, byte[] target, byte value)
    {
        for (var z = Math.Max(roi.Z0, r.Z0); z < Math.Min(roi.Z0 + roi.SizeZ, r.Z0 + r.SizeZ); z++)
            for (var y = Math.Max(roi.Y0, r.Y0); y < Math.Min(roi.Y0 + roi.SizeY, r.Y0 + r.SizeY); y++)
                for (var x = Math.Max(roi.X0, r.X0); x < Math.Min(roi.X0 + roi.SizeX, r.X0 + r.SizeX); x++)
                {
                    if (roi.Mask[roi.Index(x, y, z)] == 0) continue;
                    var i = r.Index(x, y, z);
                    if (value == 1 || target[i] == 0) target[i] = value;
                }
    }

    private static double Median(List<short> v)
    {
        var a = v.ToArray();
        Array.Sort(a);
        return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2.0;
    }

    /// <summary>Median of the values counted in a histogram whose first bin is <paramref name="min"/> (as <see cref="Median(List{short})"/> on them).</summary>
    private static double Median(long[] counts, short min)
    {
        var total = counts.Sum();
        long KthSmallest(long k) // 0-based
        {
            for (var b = 0; b < counts.Length; b++)
            {
                if (k < counts[b]) return min + b;
                k -= counts[b];
            }
            throw new ArgumentOutOfRangeException(nameof(k));
        }
        return total % 2 == 1 ? KthSmallest(total / 2) : (KthSmallest(total / 2 - 1) + KthSmallest(total / 2)) / 2.0;
    }
}

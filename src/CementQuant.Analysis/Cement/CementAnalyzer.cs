using CementQuant.Analysis.Flags;
using CementQuant.Kernels;

namespace CementQuant.Analysis.Cement;

/// <summary>
/// The cement stage: per vertebral body, a threshold (automatic: half-way between the body's trabecular
/// background and the cement plateau, where partial volume puts the boundary), cement as the voxels above
/// it connected to certain-cement seeds, split into in-body cement and leaks, then every METRICS.md column
/// measured in the vertebra's own frame, and the flags raised.
/// </summary>
public sealed class CementAnalyzer(CementOptions options, FlagOptions? flags = null)
{
    private readonly CementOptions _o = options ?? throw new ArgumentNullException(nameof(options));
    private readonly FlagOptions _flags = flags ?? FlagOptions.Default;

    public IReadOnlyList<VertebraCement> Analyze(Volume<short> hu, IReadOnlyList<VertebraRoi> rois)
    {
        var results = new VertebraCement[rois.Count];
        // Vertebrae are independent: one per worker, each on its own cropped region.
        Parallel.For(0, rois.Count, i => results[i] = AnalyzeOne(hu, rois, i));
        return [.. results.Where(r => r is not null)];
    }

    private VertebraCement AnalyzeOne(Volume<short> hu, IReadOnlyList<VertebraRoi> rois, int index)
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

        // Free-floating cement (touching no body) belongs to the vertebra whose centroid is nearest.
        bool IsNearest(Vec3 p)
        {
            var mine = (p - roi.Centroid).Length;
            foreach (var other in rois)
                if (!ReferenceEquals(other, roi) && !other.IsSacrum && (p - other.Centroid).Length < mine) return false;
            return true;
        }

        var frame = roi.Frame;
        var bodyMl = roi.VolumeMl;
        var cleftMl = CleftVolume(values, body, region, minVoxels, voxelMl, qc);
        var hasCement = inBody.Count * voxelMl >= _o.MinComponentMl;

        if (!hasCement)
        {
            var noCement = Finish(new VertebraMetrics
            {
                Vertebra = roi.Label,
                LabelSource = roi.LabelSource,
                Center = roi.Centroid,
                BodyVolumeMl = bodyMl,
                CementVolumeMl = 0,
                FillPct = 0,
                Npec = false,
                NpecType = NpecTypes.None,
                Pattern = CementPatterns.None,
                CleftVolumeMl = cleftMl,
                LeakageVolumeMl = leaks.Count * voxelMl,
                LeakSites = leaks.Count > 0 ? LeakSites(leaks, region, roi, g, minVoxels) : [],
                ThresholdHu = threshold,
                Qc = qc,
            });
            return new VertebraCement(noCement, [], ToVolumeIndices(leaks, region, hu));
        }

        // Per in-body voxel: local coordinates and partial left fraction about the midsagittal plane.
        var nrm = roi.MidsagittalNormal;
        var wN = Extent(g, nrm);
        var wS = Extent(g, frame.Superior);
        double left = 0, right = 0;
        double gapSup = double.PositiveInfinity, gapInf = double.PositiveInfinity;
        double gapSupL = double.PositiveInfinity, gapSupR = double.PositiveInfinity, gapInfL = double.PositiveInfinity, gapInfR = double.PositiveInfinity;
        double reachLeft = 0, reachRight = 0;
        var supCells = new HashSet<int>(); var infCells = new HashSet<int>();
        var saturated = 0;
        var sup = roi.Superior; var inf = roi.Inferior;
        var footprint = 0.5 * Math.Max(Extent(g, frame.Left), Extent(g, frame.Posterior));
        // Sub-voxel cement boundary toward an endplate: along the index axis closest to the cranio-caudal
        // axis, where the HU profile crosses the threshold between the last cement voxel and the next one.
        var (ax, ay, az, axisStepMm) = CranialAxis(g, frame.Superior);
        double Boundary(int i, int direction, double w)
        {
            var (x, y, z) = region.Voxel(i);
            int nx = x + direction * ax, ny = y + direction * ay, nz = z + direction * az;
            if (!region.Contains(nx, ny, nz) || threshold is not { } th) return w + direction * wS / 2;
            var j = region.Index(nx, ny, nz);
            if (cement[j] != 0) return w + direction * axisStepMm;
            var f = Math.Clamp((values[i] - th) / Math.Max(1.0, values[i] - values[j]), 0, 1);
            return w + direction * f * axisStepMm;
        }
        foreach (var i in inBody)
        {
            var (x, y, z) = region.Voxel(i);
            var p = g.ToPatient(x, y, z);
            var d = (p - roi.MidsagittalPoint).Dot(nrm);
            var fl = Math.Clamp(0.5 + d / wN, 0, 1);
            left += fl; right += 1 - fl;
            reachLeft = Math.Max(reachLeft, d + wN / 2);
            reachRight = Math.Max(reachRight, -d + wN / 2);
            if (values[i] >= _o.SaturatedHu) saturated++;
            var l = frame.ToLocal(p);
            var hs = sup.HeightAt(l.X, l.Y);
            if (!double.IsNaN(hs))
            {
                var gap = hs - Boundary(i, +1, l.Z);
                gapSup = Math.Min(gapSup, gap);
                if (d > 0) gapSupL = Math.Min(gapSupL, gap); else gapSupR = Math.Min(gapSupR, gap);
                if (gap <= _o.ContactToleranceMm) MarkCells(sup, l.X, l.Y, footprint, supCells);
            }
            var hi = inf.HeightAt(l.X, l.Y);
            if (!double.IsNaN(hi))
            {
                var gap = Boundary(i, -1, l.Z) - hi;
                gapInf = Math.Min(gapInf, gap);
                if (d > 0) gapInfL = Math.Min(gapInfL, gap); else gapInfR = Math.Min(gapInfR, gap);
                if (gap <= _o.ContactToleranceMm) MarkCells(inf, l.X, l.Y, footprint, infCells);
            }
        }
        var total = inBody.Count;
        var leftMl = left * voxelMl; var rightMl = right * voxelMl; var cementMl = total * voxelMl;
        var tol = _o.ContactToleranceMm;
        bool supContact = gapSup <= tol, infContact = gapInf <= tol;
        var npec = !(supContact && infContact);
        var minorLeft = leftMl < rightMl;
        var reach = Math.Max(0, minorLeft ? reachLeft : reachRight);
        var halfLeft = HalfWidth(body, region, g, roi, +1, wN);
        var halfRight = HalfWidth(body, region, g, roi, -1, wN);

        // Shape of the in-body cement.
        var (components, largest) = Components(cement, region, 1, minVoxels);
        var area = ShapeMeasures.SurfaceArea(cement, region, g, 1);
        double? sphericity = null, solidity = null;
        if (largest.Count > 0)
        {
            var largestMask = new byte[n];
            foreach (var (x, y, z) in largest) largestMask[region.Index(x, y, z)] = 1;
            var v = largest.Count * g.VoxelVolumeMm3;
            var a = ShapeMeasures.SurfaceArea(largestMask, region, g, 1);
            sphericity = Math.Min(1, Math.Cbrt(Math.PI) * Math.Pow(6 * v, 2.0 / 3.0) / a);
            solidity = Math.Min(1, largest.Count / (ShapeMeasures.HullVolume(largest, g) / g.VoxelVolumeMm3));
        }
        var pattern = solidity >= _o.MassLikeMinSolidity && sphericity >= _o.MassLikeMinSphericity ? CementPatterns.MassLike
            : solidity < _o.TrabecularMaxSolidity || sphericity < _o.TrabecularMaxSphericity ? CementPatterns.Trabecular : CementPatterns.Mixed;

        if (saturated > _o.SaturatedFraction * total) qc.Add(QcCodes.Saturated);
        if (threshold is { } th && _o.ThresholdHu is null && Unstable(values, body, th, total)) qc.Add(QcCodes.ThresholdUnstable);

        var metrics = Finish(new VertebraMetrics
        {
            Vertebra = roi.Label,
            LabelSource = roi.LabelSource,
            Center = roi.Centroid,
            BodyVolumeMl = bodyMl,
            CementVolumeMl = cementMl,
            FillPct = 100 * cementMl / bodyMl,
            CementLeftMl = leftMl,
            CementRightMl = rightMl,
            LeftFraction = leftMl / cementMl,
            AsymmetryIndex = Math.Abs(leftMl - rightMl) / cementMl,
            LargerSideFillPct = 100 * Math.Max(leftMl, rightMl) / bodyMl,
            CrossesMidline = reach >= _o.CrossesMidlineMm,
            ContralateralReachMm = reach,
            LeftReachPct = halfLeft > 0 ? Math.Clamp(100 * Math.Max(0, reachLeft) / halfLeft, 0, 100) : null,
            RightReachPct = halfRight > 0 ? Math.Clamp(100 * Math.Max(0, reachRight) / halfRight, 0, 100) : null,
            SuperiorContact = supContact,
            InferiorContact = infContact,
            SuperiorGapMm = double.IsFinite(gapSup) ? Math.Max(0, gapSup) : null,
            InferiorGapMm = double.IsFinite(gapInf) ? Math.Max(0, gapInf) : null,
            SuperiorContactPct = Percent(supCells.Count, sup),
            InferiorContactPct = Percent(infCells.Count, inf),
            SuperiorContactLeft = gapSupL <= tol,
            SuperiorContactRight = gapSupR <= tol,
            InferiorContactLeft = gapInfL <= tol,
            InferiorContactRight = gapInfR <= tol,
            BridgingLeft = Bridging(cement, region, g, roi, +1, minVoxels, wN, wS),
            BridgingRight = Bridging(cement, region, g, roi, -1, minVoxels, wN, wS),
            Npec = npec,
            NpecType = !npec ? NpecTypes.None : supContact ? NpecTypes.SuperiorOnly : infContact ? NpecTypes.InferiorOnly : NpecTypes.Neither,
            Components = components,
            Sphericity = sphericity,
            Solidity = solidity,
            SurfaceToVolumeMm1 = area / (total * g.VoxelVolumeMm3),
            Pattern = pattern,
            CleftVolumeMl = cleftMl,
            LeakageVolumeMl = leaks.Count * voxelMl,
            LeakSites = leaks.Count > 0 ? LeakSites(leaks, region, roi, g, minVoxels) : [],
            ThresholdHu = threshold,
            Qc = qc,
        });
        return new VertebraCement(metrics, ToVolumeIndices(inBody, region, hu), ToVolumeIndices(leaks, region, hu));
    }

    /// <summary>Raises the flags of the METRICS.md table from the measured columns (<see cref="VertebraFlags"/>).</summary>
    private VertebraMetrics Finish(VertebraMetrics m) => VertebraFlags.Raise(m, _flags);

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

    /// <summary>Distance from the plane to the body's farthest voxel edge on one side (+1 left, −1 right).</summary>
    private static double HalfWidth(byte[] body, VoxelRegion r, ImageGeometry g, VertebraRoi roi, int side, double wN)
    {
        var max = 0.0;
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != 1) continue;
            var (x, y, z) = r.Voxel(i);
            var d = side * (g.ToPatient(x, y, z) - roi.MidsagittalPoint).Dot(roi.MidsagittalNormal);
            max = Math.Max(max, d + wN / 2);
        }
        return max;
    }

    /// <summary>A pillar: one connected component of this half's cement touching both endplates.</summary>
    private bool Bridging(byte[] cement, VoxelRegion r, ImageGeometry g, VertebraRoi roi, int side, int minVoxels, double wN, double wS)
    {
        var half = new byte[cement.Length];
        for (var i = 0; i < cement.Length; i++)
        {
            if (cement[i] != 1) continue;
            var (x, y, z) = r.Voxel(i);
            if (side * (g.ToPatient(x, y, z) - roi.MidsagittalPoint).Dot(roi.MidsagittalNormal) > 0) half[i] = 1;
        }
        var labels = new int[cement.Length];
        var count = ConnectedComponents.Label(half, labels, r.SizeX, r.SizeY, r.SizeZ, Connectivity.TwentySix);
        if (count == 0) return false;
        var sizes = ConnectedComponents.Sizes(labels, count);
        var sup = new bool[count + 1]; var inf = new bool[count + 1];
        var tol = _o.ContactToleranceMm;
        for (var i = 0; i < cement.Length; i++)
        {
            var l = labels[i];
            if (l == 0) continue;
            var (x, y, z) = r.Voxel(i);
            var p = roi.Frame.ToLocal(g.ToPatient(x, y, z));
            var hs = roi.Superior.HeightAt(p.X, p.Y);
            var hi = roi.Inferior.HeightAt(p.X, p.Y);
            if (!double.IsNaN(hs) && hs - (p.Z + wS / 2) <= tol) sup[l] = true;
            if (!double.IsNaN(hi) && (p.Z - wS / 2) - hi <= tol) inf[l] = true;
        }
        for (var l = 1; l <= count; l++) if (sizes[l] >= minVoxels && sup[l] && inf[l]) return true;
        return false;
    }

    private static (int Count, List<(int X, int Y, int Z)> Largest) Components(byte[] cement, VoxelRegion r, byte value, int minVoxels)
    {
        var mask = new byte[cement.Length];
        for (var i = 0; i < cement.Length; i++) mask[i] = cement[i] == value ? (byte)1 : (byte)0;
        var labels = new int[cement.Length];
        var count = ConnectedComponents.Label(mask, labels, r.SizeX, r.SizeY, r.SizeZ, Connectivity.TwentySix);
        var sizes = ConnectedComponents.Sizes(labels, count);
        var kept = 0; var best = 0;
        for (var l = 1; l <= count; l++)
        {
            if (sizes[l] < minVoxels) continue;
            kept++;
            if (best == 0 || sizes[l] > sizes[best]) best = l;
        }
        var largest = new List<(int, int, int)>();
        if (best > 0)
            for (var i = 0; i < labels.Length; i++) if (labels[i] == best) largest.Add(r.Voxel(i));
        return (kept, largest);
    }

    /// <summary>Leak sites of this vertebra's leak components, classified in its local frame by majority of voxels.</summary>
    private static List<string> LeakSites(List<int> leaks, VoxelRegion r, VertebraRoi roi, ImageGeometry g, int minVoxels)
    {
        var mask = new byte[r.Count];
        foreach (var i in leaks) mask[i] = 1;
        var labels = new int[r.Count];
        var count = ConnectedComponents.Label(mask, labels, r.SizeX, r.SizeY, r.SizeZ, Connectivity.TwentySix);
        var votes = new Dictionary<string, int>[count + 1];
        var points = new List<Vec3>[count + 1];
        for (var l = 1; l <= count; l++) { votes[l] = []; points[l] = []; }
        // Posterior wall of the body: its largest posterior coordinate near the midline.
        var posteriorWall = double.NegativeInfinity;
        for (var i = 0; i < roi.Body.Mask.Length; i++)
        {
            if (roi.Body.Mask[i] == 0) continue;
            var x = roi.Body.X0 + i % roi.Body.SizeX; var rest = i / roi.Body.SizeX;
            var y = roi.Body.Y0 + rest % roi.Body.SizeY; var z = roi.Body.Z0 + rest / roi.Body.SizeY;
            var p = roi.Frame.ToLocal(g.ToPatient(x, y, z));
            if (Math.Abs(p.X) < 10) posteriorWall = Math.Max(posteriorWall, p.Y);
        }
        foreach (var i in leaks)
        {
            var l = labels[i];
            var (x, y, z) = r.Voxel(i);
            var p = roi.Frame.ToLocal(g.ToPatient(x, y, z));
            points[l].Add(p);
            var hs = roi.Superior.HeightAt(p.X, p.Y);
            var hi = roi.Inferior.HeightAt(p.X, p.Y);
            string site;
            if (!double.IsNaN(hs) && p.Z > hs) site = "intradiscal_superior";
            else if (!double.IsNaN(hi) && p.Z < hi) site = "intradiscal_inferior";
            else if (p.Y > posteriorWall) site = Math.Abs(p.X) < 9 ? "spinal_canal" : "foraminal";
            else site = "paravertebral";
            votes[l][site] = votes[l].GetValueOrDefault(site) + 1;
        }
        var sites = new SortedSet<string>(StringComparer.Ordinal);
        for (var l = 1; l <= count; l++)
        {
            if (points[l].Count == 0) continue;
            var site = votes[l].OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
            if (site == "paravertebral" && IsTubular(points[l])) site = "venous";
            sites.Add(site);
        }
        return [.. sites];
    }

    /// <summary>A thin elongated component (a cement-filled vein): principal extent at least 4× its thickness.</summary>
    private static bool IsTubular(List<Vec3> pts)
    {
        if (pts.Count < 4) return false;
        var c = new Vec3(pts.Average(p => p.X), pts.Average(p => p.Y), pts.Average(p => p.Z));
        var m = new double[3, 3];
        foreach (var p in pts)
        {
            var d = p - c;
            double[] v = [d.X, d.Y, d.Z];
            for (var a = 0; a < 3; a++) for (var b = 0; b < 3; b++) m[a, b] += v[a] * v[b];
        }
        var evd = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(m).Evd();
        var ev = evd.EigenValues.Select(e => Math.Max(e.Real, 0)).OrderDescending().ToArray();
        return ev[1] > 0 ? Math.Sqrt(ev[0] / ev[1]) >= 4 : ev[0] > 0;
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

    private static void MarkCells(EndplateSurface s, double u, double v, double radius, HashSet<int> cells)
    {
        var i0 = (int)Math.Floor((u - radius - s.U0) / s.Step); var i1 = (int)Math.Ceiling((u + radius - s.U0) / s.Step);
        var j0 = (int)Math.Floor((v - radius - s.V0) / s.Step); var j1 = (int)Math.Ceiling((v + radius - s.V0) / s.Step);
        for (var j = Math.Max(0, j0); j <= Math.Min(s.NV - 1, j1); j++)
            for (var i = Math.Max(0, i0); i <= Math.Min(s.NU - 1, i1); i++)
            {
                var cu = s.U0 + i * s.Step; var cv = s.V0 + j * s.Step;
                if (Math.Abs(cu - u) <= radius && Math.Abs(cv - v) <= radius && !float.IsNaN(s.Height[j * s.NU + i])) cells.Add(j * s.NU + i);
            }
    }

    private static double Percent(int cells, EndplateSurface s)
    {
        var total = s.Height.Count(h => !float.IsNaN(h));
        return total == 0 ? 0 : 100.0 * cells / total;
    }

    /// <summary>
    /// The grid axis most aligned with <paramref name="superior"/> as a unit index step toward superior, and
    /// the length of that step projected on the superior axis.
    /// </summary>
    private static (int Dx, int Dy, int Dz, double StepMm) CranialAxis(ImageGeometry g, Vec3 superior)
    {
        var cx = g.ColumnStep.Dot(superior); var cy = g.RowStep.Dot(superior); var cz = g.SliceStep.Dot(superior);
        if (Math.Abs(cz) >= Math.Abs(cx) && Math.Abs(cz) >= Math.Abs(cy)) return (0, 0, Math.Sign(cz), Math.Abs(cz));
        if (Math.Abs(cy) >= Math.Abs(cx)) return (0, Math.Sign(cy), 0, Math.Abs(cy));
        return (Math.Sign(cx), 0, 0, Math.Abs(cx));
    }

    /// <summary>Extent (mm) of one voxel projected on a unit direction.</summary>
    private static double Extent(ImageGeometry g, Vec3 n) =>
        Math.Abs(g.ColumnStep.Dot(n)) + Math.Abs(g.RowStep.Dot(n)) + Math.Abs(g.SliceStep.Dot(n));

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

    private static long[] ToVolumeIndices(List<int> indices, VoxelRegion r, Volume<short> hu)
    {
        var result = new long[indices.Count];
        for (var k = 0; k < indices.Count; k++)
        {
            var (x, y, z) = r.Voxel(indices[k]);
            result[k] = hu.IndexOf(x, y, z);
        }
        return result;
    }

}

using CementQuant.Analysis.Cement;
using CementQuant.Kernels;

namespace CementQuant.Analysis.Metrics;

/// <summary>
/// The measurement stage: every cement column of shared/spec/METRICS.md (volumes, left/right about the vertebra's
/// midsagittal plane, endplate gaps and contact, bridging, shape and pattern, leak sites) from a body's segmented
/// cement, in the vertebra's own frame. No flags (<c>Flags.VertebraFlags</c> raises them from these columns).
/// </summary>
internal sealed class CementMeasurer(CementOptions options)
{
    private readonly CementOptions _o = options;

    public VertebraMetrics Measure(CementSegmentation s, ImageGeometry g)
    {
        var (roi, region, values, body, cement, inBody, leaks, threshold, minVoxels, voxelMl, cleftMl, hasCement, qc) = s;
        var frame = roi.Frame;
        var bodyMl = roi.VolumeMl;

        if (!hasCement)
        {
            return new VertebraMetrics
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
            };
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

        var (components, area, sphericity, solidity, pattern) = Shape(cement, region, g, minVoxels);

        return new VertebraMetrics
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
        };
    }

    /// <summary>Shape of the in-body cement: components, surface area (mm²), and the largest component's sphericity and
    /// solidity, which decide the pattern.</summary>
    private (int Components, double AreaMm2, double? Sphericity, double? Solidity, string Pattern) Shape(byte[] cement, VoxelRegion region,
        ImageGeometry g, int minVoxels)
    {
        var (components, largest) = Components(cement, region, 1, minVoxels);
        var area = ShapeMeasures.SurfaceArea(cement, region, g, 1);
        double? sphericity = null, solidity = null;
        if (largest.Count > 0)
        {
            var largestMask = new byte[region.Count];
            foreach (var (x, y, z) in largest) largestMask[region.Index(x, y, z)] = 1;
            var v = largest.Count * g.VoxelVolumeMm3;
            var a = ShapeMeasures.SurfaceArea(largestMask, region, g, 1);
            sphericity = Math.Min(1, Math.Cbrt(Math.PI) * Math.Pow(6 * v, 2.0 / 3.0) / a);
            solidity = Math.Min(1, largest.Count / (ShapeMeasures.HullVolume(largest, g) / g.VoxelVolumeMm3));
        }
        var pattern = solidity >= _o.MassLikeMinSolidity && sphericity >= _o.MassLikeMinSphericity ? CementPatterns.MassLike
            : solidity < _o.TrabecularMaxSolidity || sphericity < _o.TrabecularMaxSphericity ? CementPatterns.Trabecular : CementPatterns.Mixed;
        return (components, area, sphericity, solidity, pattern);
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
}

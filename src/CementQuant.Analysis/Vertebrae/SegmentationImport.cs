namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Builds <see cref="VertebraRoi"/>s from a supplied label map instead of detecting them (the CLI's
/// <c>--segmentation</c>): each known vertebra label, intersected with the body class of an optional body/disc
/// map to drop the posterior elements, resampled by nearest neighbour in patient space onto the CT grid.
/// Frames, endplates and midsagittal planes are then computed from the mask exactly as for detected bodies.
/// </summary>
public static class SegmentationImport
{
    public static VertebraLocatorResult Import(Volume<short> hu, Volume<short> labels, Volume<short>? bodyMap, SegmentationImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(hu);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        var qc = new List<string>();
        var boxes = LabelBoxes(labels, options);
        var ctMap = new VoxelMap(hu.Geometry);
        var labMap = new VoxelMap(labels.Geometry);
        var bodyVoxMap = bodyMap is null ? default : new VoxelMap(bodyMap.Geometry);
        var rois = new List<(string Name, int Id, RoiMask Mask, bool Touches)>();
        foreach (var (id, b) in boxes.OrderBy(kv => kv.Key))
        {
            if (CtBox(hu, labels, ctMap, b) is not { } roi) continue;
            var (i0, j0, k0) = (roi.X0, roi.Y0, roi.Z0);
            var (i1, j1, k1) = (i0 + roi.SizeX - 1, j0 + roi.SizeY - 1, k0 + roi.SizeZ - 1);
            long count = 0; var touches = false;
            for (var k = k0; k <= k1; k++)
                for (var j = j0; j <= j1; j++)
                    for (var i = i0; i <= i1; i++)
                    {
                        var p = hu.Geometry.ToPatient(i, j, k);
                        if (Sample(labels, labMap, p, out var onEdge) != id) continue;
                        if (bodyMap is not null && Sample(bodyMap, bodyVoxMap, p, out _) != options.BodyClass) continue;
                        roi.Mask[roi.Index(i, j, k)] = 1;
                        count++;
                        if (onEdge) touches = true;
                    }
            if (count == 0) continue;
            rois.Add((options.Classes[id], id, roi, touches));
        }

        var found = new List<(string Name, RoiMask Mask, BodyShape Shape, bool Touches)>();
        foreach (var (name, _, mask, touches) in rois)
        {
            var shape = BodyGeometry.Measure(hu, mask, new Vec3(0, 0, 1), options.EndplateGridStepMm, options.CementHu);
            found.Add((name, mask, shape, touches));
        }
        found.Sort((a, b) => b.Shape.Centroid.Z.CompareTo(a.Shape.Centroid.Z));
        var result = new List<VertebraRoi>(found.Count);
        for (var i = 0; i < found.Count; i++)
        {
            var (name, mask, shape, touches) = found[i];
            var partial = touches || shape.TouchesFov;
            result.Add(shape.ToRoi(i + 1, name == "sacrum" ? "S1" : name, "segmentation", mask, partial ? 0.5 : 1, partial ? [VertebraQc.PartialFov] : [], name is "S1" or "sacrum"));
        }
        return result.Count == 0
            ? new VertebraLocatorResult(result, [VertebraQc.UnknownSegmentationLabel])
            : new VertebraLocatorResult(result, qc);
    }

    /// <summary>Per known label: its bounding box in the label grid.</summary>
    private static Dictionary<int, (int I0, int J0, int K0, int I1, int J1, int K1)> LabelBoxes(Volume<short> labels, SegmentationImportOptions options)
    {
        var boxes = new Dictionary<int, (int I0, int J0, int K0, int I1, int J1, int K1)>();
        for (var k = 0; k < labels.SizeZ; k++)
            for (var j = 0; j < labels.SizeY; j++)
            {
                var row = labels.IndexOf(0, j, k);
                for (var i = 0; i < labels.SizeX; i++)
                {
                    int l = labels.Data[row + i];
                    if (l == 0 || !options.Classes.ContainsKey(l)) continue;
                    boxes[l] = boxes.TryGetValue(l, out var b)
                        ? (Math.Min(b.I0, i), Math.Min(b.J0, j), Math.Min(b.K0, k), Math.Max(b.I1, i), Math.Max(b.J1, j), Math.Max(b.K1, k))
                        : (i, j, k, i, j, k);
                }
            }
        return boxes;
    }

    /// <summary>An empty mask on the CT voxel box covering a label's box (corners mapped through patient space, plus a
    /// voxel); null when it misses the CT.</summary>
    private static RoiMask? CtBox(Volume<short> hu, Volume<short> labels, VoxelMap ctMap, (int I0, int J0, int K0, int I1, int J1, int K1) b)
    {
        int i0 = int.MaxValue, j0 = int.MaxValue, k0 = int.MaxValue, i1 = int.MinValue, j1 = int.MinValue, k1 = int.MinValue;
        for (var c = 0; c < 8; c++)
        {
            var p = labels.Geometry.ToPatient((c & 1) == 0 ? b.I0 - 0.5 : b.I1 + 0.5, (c & 2) == 0 ? b.J0 - 0.5 : b.J1 + 0.5, (c & 4) == 0 ? b.K0 - 0.5 : b.K1 + 0.5);
            var q = ctMap.ToVoxel(p);
            i0 = Math.Min(i0, (int)Math.Floor(q.X)); i1 = Math.Max(i1, (int)Math.Ceiling(q.X));
            j0 = Math.Min(j0, (int)Math.Floor(q.Y)); j1 = Math.Max(j1, (int)Math.Ceiling(q.Y));
            k0 = Math.Min(k0, (int)Math.Floor(q.Z)); k1 = Math.Max(k1, (int)Math.Ceiling(q.Z));
        }
        i0 = Math.Max(0, i0); j0 = Math.Max(0, j0); k0 = Math.Max(0, k0);
        i1 = Math.Min(hu.SizeX - 1, i1); j1 = Math.Min(hu.SizeY - 1, j1); k1 = Math.Min(hu.SizeZ - 1, k1);
        return i1 < i0 || j1 < j0 || k1 < k0 ? null : new RoiMask(i0, j0, k0, i1 - i0 + 1, j1 - j0 + 1, k1 - k0 + 1);
    }

    /// <summary>Nearest-neighbour label at a patient point (0 outside); onEdge when that voxel is on the map's border.</summary>
    private static int Sample(Volume<short> v, VoxelMap map, Vec3 p, out bool onEdge)
    {
        var q = map.ToVoxel(p);
        int i = (int)Math.Round(q.X), j = (int)Math.Round(q.Y), k = (int)Math.Round(q.Z);
        onEdge = false;
        if ((uint)i >= (uint)v.SizeX || (uint)j >= (uint)v.SizeY || (uint)k >= (uint)v.SizeZ) return 0;
        onEdge = i == 0 || j == 0 || k == 0 || i == v.SizeX - 1 || j == v.SizeY - 1 || k == v.SizeZ - 1;
        return v.Data[v.IndexOf(i, j, k)];
    }
}

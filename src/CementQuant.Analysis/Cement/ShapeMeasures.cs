namespace CementQuant.Analysis.Cement;

/// <summary>Surface area and convex hull volume of a voxel set, for sphericity, solidity and surface/volume.</summary>
internal static class ShapeMeasures
{
    /// <summary>
    /// Surface area in mm² from the faces between a set voxel and an unset 6-neighbour, times 2/3: the mean
    /// over orientations of the ratio between a smooth surface's area and its staircase's (an unbiased
    /// estimate for smooth surfaces; a sphere of radius 10 voxels comes out within a few %).
    /// </summary>
    public static double SurfaceArea(byte[] mask, VoxelRegion r, ImageGeometry g, byte value)
    {
        var ax = g.RowStep.Cross(g.SliceStep).Length;   // face normal to the column axis
        var ay = g.ColumnStep.Cross(g.SliceStep).Length;
        var az = g.ColumnStep.Cross(g.RowStep).Length;
        long fx = 0, fy = 0, fz = 0;
        int sx = r.SizeX, sy = r.SizeY, sz = r.SizeZ;
        for (var z = 0; z < sz; z++)
            for (var y = 0; y < sy; y++)
            {
                var row = (z * sy + y) * sx;
                for (var x = 0; x < sx; x++)
                {
                    if (mask[row + x] != value) continue;
                    if (x == 0 || mask[row + x - 1] != value) fx++;
                    if (x == sx - 1 || mask[row + x + 1] != value) fx++;
                    if (y == 0 || mask[row - sx + x] != value) fy++;
                    if (y == sy - 1 || mask[row + sx + x] != value) fy++;
                    if (z == 0 || mask[row - sx * sy + x] != value) fz++;
                    if (z == sz - 1 || mask[row + sx * sy + x] != value) fz++;
                }
            }
        return (fx * ax + fy * ay + fz * az) * 2.0 / 3.0;
    }

    private static readonly Vec3[] Directions = FibonacciSphere(128);

    /// <summary>
    /// Convex hull volume (mm³) of the voxels: grid voxels whose centres lie inside the intersection of
    /// 128 supporting half-spaces of the set's voxel centres (an outer approximation of their convex hull
    /// that converges on it), counted like the set itself so a convex set has solidity ≈ 1.
    /// </summary>
    public static double HullVolume(List<(int X, int Y, int Z)> voxels, ImageGeometry g)
    {
        if (voxels.Count == 0) return 0;
        var support = new double[Directions.Length];
        Array.Fill(support, double.NegativeInfinity);
        int x0 = int.MaxValue, y0 = int.MaxValue, z0 = int.MaxValue, x1 = int.MinValue, y1 = int.MinValue, z1 = int.MinValue;
        foreach (var (x, y, z) in voxels)
        {
            x0 = Math.Min(x0, x); y0 = Math.Min(y0, y); z0 = Math.Min(z0, z);
            x1 = Math.Max(x1, x); y1 = Math.Max(y1, y); z1 = Math.Max(z1, z);
            var p = g.ToPatient(x, y, z);
            for (var d = 0; d < Directions.Length; d++) support[d] = Math.Max(support[d], p.Dot(Directions[d]));
        }
        long inside = 0;
        for (var z = z0; z <= z1; z++)
            for (var y = y0; y <= y1; y++)
                for (var x = x0; x <= x1; x++)
                {
                    var p = g.ToPatient(x, y, z);
                    var ok = true;
                    // A voxel counts when its centre lies within the hull of the voxel centres (support planes);
                    // the set voxels themselves always do, so solidity ≤ 1 by construction.
                    for (var d = 0; d < Directions.Length && ok; d++) ok = p.Dot(Directions[d]) <= support[d] + 1e-6;
                    if (ok) inside++;
                }
        return inside * g.VoxelVolumeMm3;
    }

    private static Vec3[] FibonacciSphere(int n)
    {
        var result = new Vec3[n];
        var golden = Math.PI * (3 - Math.Sqrt(5));
        for (var i = 0; i < n; i++)
        {
            var y = 1 - 2 * (i + 0.5) / n;
            var r = Math.Sqrt(1 - y * y);
            result[i] = new Vec3(Math.Cos(golden * i) * r, y, Math.Sin(golden * i) * r);
        }
        return result;
    }
}

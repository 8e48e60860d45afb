namespace CementQuant.Analysis.Cement;

/// <summary>A box of a volume's voxels (start inclusive, size) with index helpers; x fastest.</summary>
internal readonly record struct VoxelRegion(int X0, int Y0, int Z0, int SizeX, int SizeY, int SizeZ)
{
    public int Count => SizeX * SizeY * SizeZ;

    public int Index(int x, int y, int z) => ((z - Z0) * SizeY + (y - Y0)) * SizeX + (x - X0);

    public (int X, int Y, int Z) Voxel(int index)
    {
        var x = index % SizeX; var r = index / SizeX;
        return (X0 + x, Y0 + r % SizeY, Z0 + r / SizeY);
    }

    public bool Contains(int x, int y, int z) => (uint)(x - X0) < (uint)SizeX && (uint)(y - Y0) < (uint)SizeY && (uint)(z - Z0) < (uint)SizeZ;

    /// <summary>The ROI's box grown by <paramref name="marginMm"/> along each index axis, clipped to the volume.</summary>
    public static VoxelRegion Around(RoiMask roi, ImageGeometry g, int nx, int ny, int nz, double marginMm)
    {
        var mx = (int)Math.Ceiling(marginMm / g.ColumnSpacing);
        var my = (int)Math.Ceiling(marginMm / g.RowSpacing);
        var mz = (int)Math.Ceiling(marginMm / Math.Max(1e-6, Math.Abs(g.SliceStep.Dot(g.SliceNormal))));
        var x0 = Math.Max(0, roi.X0 - mx); var y0 = Math.Max(0, roi.Y0 - my); var z0 = Math.Max(0, roi.Z0 - mz);
        var x1 = Math.Min(nx, roi.X0 + roi.SizeX + mx); var y1 = Math.Min(ny, roi.Y0 + roi.SizeY + my); var z1 = Math.Min(nz, roi.Z0 + roi.SizeZ + mz);
        return new VoxelRegion(x0, y0, z0, x1 - x0, y1 - y0, z1 - z0);
    }
}

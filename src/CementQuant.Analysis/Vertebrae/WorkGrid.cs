namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// The HU volume resampled (trilinear) onto a coarse grid aligned with the patient axes: x = left,
/// y = posterior, z = superior, every axis ascending. Detection runs here, so it sees the same picture
/// whatever the storage order (mirrored, feet first, prone) of the series.
/// </summary>
internal sealed class WorkGrid
{
    private WorkGrid(int nx, int ny, int nz, double step, Vec3 origin)
    {
        NX = nx; NY = ny; NZ = nz; Step = step; Origin = origin;
        Data = new short[checked(nx * ny * nz)];
    }

    public int NX { get; }
    public int NY { get; }
    public int NZ { get; }
    public double Step { get; }
    /// <summary>LPS position of voxel (0, 0, 0).</summary>
    public Vec3 Origin { get; }
    public short[] Data { get; }

    public int Index(int x, int y, int z) => (z * NY + y) * NX + x;
    public Vec3 ToPatient(double x, double y, double z) => Origin + new Vec3(x, y, z) * Step;
    public Vec3 ToGrid(Vec3 p) => (p - Origin) / Step;

    public short At(int x, int y, int z) =>
        (uint)x < (uint)NX && (uint)y < (uint)NY && (uint)z < (uint)NZ ? Data[Index(x, y, z)] : Sampler.Air;

    public short Nearest(Vec3 p)
    {
        var g = ToGrid(p);
        return At((int)Math.Round(g.X), (int)Math.Round(g.Y), (int)Math.Round(g.Z));
    }

    public static WorkGrid Build(Volume<short> hu, double step)
    {
        var g = hu.Geometry;
        double minX = double.MaxValue, minY = double.MaxValue, minZ = double.MaxValue;
        double maxX = double.MinValue, maxY = double.MinValue, maxZ = double.MinValue;
        for (var c = 0; c < 8; c++)
        {
            var p = g.ToPatient((c & 1) == 0 ? 0 : hu.SizeX - 1, (c & 2) == 0 ? 0 : hu.SizeY - 1, (c & 4) == 0 ? 0 : hu.SizeZ - 1);
            minX = Math.Min(minX, p.X); minY = Math.Min(minY, p.Y); minZ = Math.Min(minZ, p.Z);
            maxX = Math.Max(maxX, p.X); maxY = Math.Max(maxY, p.Y); maxZ = Math.Max(maxZ, p.Z);
        }
        var nx = Math.Max(1, (int)Math.Floor((maxX - minX) / step) + 1);
        var ny = Math.Max(1, (int)Math.Floor((maxY - minY) / step) + 1);
        var nz = Math.Max(1, (int)Math.Floor((maxZ - minZ) / step) + 1);
        var w = new WorkGrid(nx, ny, nz, step, new Vec3(minX, minY, minZ));
        var map = new VoxelMap(g);
        var dx = map.Delta(new Vec3(step, 0, 0));
        Parallel.For(0, nz, z => w.FillSlice(hu, map, dx, z));
        return w;
    }

    private void FillSlice(Volume<short> hu, VoxelMap map, Vec3 dx, int z)
    {
        for (var y = 0; y < NY; y++)
        {
            var v = map.ToVoxel(ToPatient(0, y, z));
            var row = (z * NY + y) * NX;
            for (var x = 0; x < NX; x++)
            {
                Data[row + x] = (short)Math.Round(Sampler.Trilinear(hu, v.X, v.Y, v.Z));
                v += dx;
            }
        }
    }
}

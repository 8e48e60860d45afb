namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// The HU volume resampled (trilinear) onto a coarse grid aligned with the patient axes: x = left,
/// y = posterior, z = superior, every axis ascending. Detection runs here, so it sees the same picture
/// whatever the storage order (mirrored, feet first, prone) of the series. <see cref="Cement"/> marks
/// cement (and metal) with a halo of its blur, so detection can look past it: a cement lump
/// must neither pull the column toward itself nor fill a disc gap.
/// </summary>
internal sealed class WorkGrid
{
    private WorkGrid(int nx, int ny, int nz, double step, Vec3 origin)
    {
        NX = nx; NY = ny; NZ = nz; Step = step; Origin = origin;
        Data = new short[checked(nx * ny * nz)];
        Cement = new byte[Data.Length];
    }

    public int NX { get; }
    public int NY { get; }
    public int NZ { get; }
    public double Step { get; }
    /// <summary>LPS position of voxel (0, 0, 0).</summary>
    public Vec3 Origin { get; }
    public short[] Data { get; }
    /// <summary>1 at working voxels of cement lumps and their halo, else 0 (see <see cref="MarkCement"/>).</summary>
    public byte[] Cement { get; }

    public bool IsCement(Vec3 p)
    {
        var g = ToGrid(p);
        int x = (int)Math.Round(g.X), y = (int)Math.Round(g.Y), z = (int)Math.Round(g.Z);
        return (uint)x < (uint)NX && (uint)y < (uint)NY && (uint)z < (uint)NZ && Cement[Index(x, y, z)] != 0;
    }

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

    public static WorkGrid Build(Volume<short> hu, double step, int cementHu = int.MaxValue)
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
        if (cementHu <= short.MaxValue) w.MarkCement((short)cementHu);
        return w;
    }

    /// <summary>
    /// Cement: the cores of lumps at or above the threshold (a voxel whose six face neighbours are all above it
    /// too), grown by two voxels to take back the lump's rim and the blur around it. Thin dense shells (the
    /// cortex of the pelvis or of the femur, which can pass 1200 HU) have no core and stay bone.
    /// </summary>
    private void MarkCement(short cementHu)
    {
        var core = new List<int>();
        int sxy = NX * NY;
        for (var z = 1; z < NZ - 1; z++)
            for (var y = 1; y < NY - 1; y++)
                for (var x = 1; x < NX - 1; x++)
                {
                    var i = Index(x, y, z);
                    if (Data[i] >= cementHu && Data[i - 1] >= cementHu && Data[i + 1] >= cementHu && Data[i - NX] >= cementHu
                        && Data[i + NX] >= cementHu && Data[i - sxy] >= cementHu && Data[i + sxy] >= cementHu) core.Add(i);
                }
        foreach (var i in core)
        {
            int x = i % NX, y = i / NX % NY, z = i / sxy;
            for (var dz = Math.Max(0, z - 2); dz <= Math.Min(NZ - 1, z + 2); dz++)
                for (var dy = Math.Max(0, y - 2); dy <= Math.Min(NY - 1, y + 2); dy++)
                    for (var dx = Math.Max(0, x - 2); dx <= Math.Min(NX - 1, x + 2); dx++)
                        Cement[Index(dx, dy, dz)] = 1;
        }
    }

    private void FillSlice(Volume<short> hu, VoxelMap map, Vec3 dx, int z)
    {
        for (var y = 0; y < NY; y++)
        {
            var v = map.ToVoxel(ToPatient(0, y, z));
            var row = Data.AsSpan((z * NY + y) * NX, NX);
            if (dx.Y == 0 && dx.Z == 0)
            {
                // Grid rows run along the volume's rows (any axial series, mirrored or not): one row sampler.
                Sampler.TrilinearAlongI(hu, v.X, dx.X, v.Y, v.Z, row);
                continue;
            }
            for (var x = 0; x < NX; x++)
            {
                row[x] = (short)Math.Round(Sampler.Trilinear(hu, v.X, v.Y, v.Z));
                v += dx;
            }
        }
    }
}

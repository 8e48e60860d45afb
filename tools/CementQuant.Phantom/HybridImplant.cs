namespace CementQuant.Phantom;

/// <summary>One ellipsoid of cement in a vertebra's own frame: centre (left, posterior, superior) and semi-axes, mm.</summary>
public sealed record CementBlob(Vec3 Center, Vec3 SemiAxes);

/// <summary>A cement fill to implant into a real body: its blobs, plateau HU (1500–3500) and texture amplitude.</summary>
public sealed record HybridFill(string Name, IReadOnlyList<CementBlob> Blobs, double CementHu, double TextureHu = 150, int Seed = 1)
{
    public double CementHu { get; init; } = CementHu is >= 1000 and <= 4000 ? CementHu : throw new ArgumentOutOfRangeException(nameof(CementHu), CementHu, "expected 1000..4000 HU");
}

/// <summary>Exact truth of an implanted fill: partial-volume cement volume and its share on the patient's left of the given plane.</summary>
public sealed record HybridTruth(double VolumeMl, double LeftMl)
{
    public double LeftFraction => VolumeMl > 0 ? LeftMl / VolumeMl : 0;
}

/// <summary>
/// Hybrid cases: cement implanted into a real CT host with exact truth. Each voxel's cement fraction f comes from
/// 4×4×4 sub-samples (partial volume); its value becomes host + f·(cement − host), so the host's own noise, texture and
/// anatomy stay under and around the cement, and the cement carries a deterministic texture of ±<see cref="HybridFill.TextureHu"/>.
/// Truth volume is Σ f · voxel volume; the left share is counted per sub-sample against the given midsagittal plane.
/// </summary>
public static class HybridImplant
{
    private const int Sub = 4;

    public static (Volume<short> Ct, HybridTruth Truth) Implant(Volume<short> host, CementQuant.LocalFrame frame, Vec3 midPoint, Vec3 midNormal, HybridFill fill)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(fill);
        var g = host.Geometry;
        var data = (short[])host.Data.Clone();
        var voxelMl = g.VoxelVolumeMm3 / 1000.0;
        double volume = 0, left = 0;
        // Voxels touched by any blob: the index box of the blob's bounding sphere.
        var touched = new HashSet<long>();
        foreach (var b in fill.Blobs)
        {
            var r = Math.Max(b.SemiAxes.X, Math.Max(b.SemiAxes.Y, b.SemiAxes.Z));
            var c = g.ToVoxel(frame.ToPatient(b.Center));
            int rx = (int)Math.Ceiling(r / g.ColumnSpacing) + 1, ry = (int)Math.Ceiling(r / g.RowSpacing) + 1, rz = (int)Math.Ceiling(r / g.SliceSpacing) + 1;
            for (var z = Math.Max(0, (int)c.K - rz); z <= Math.Min(host.SizeZ - 1, (int)c.K + rz); z++)
                for (var y = Math.Max(0, (int)c.J - ry); y <= Math.Min(host.SizeY - 1, (int)c.J + ry); y++)
                    for (var x = Math.Max(0, (int)c.I - rx); x <= Math.Min(host.SizeX - 1, (int)c.I + rx); x++)
                        touched.Add(host.IndexOf(x, y, z));
        }
        foreach (var idx in touched)
        {
            int x = (int)(idx % host.SizeX), y = (int)(idx / host.SizeX % host.SizeY), z = (int)(idx / ((long)host.SizeX * host.SizeY));
            int inside = 0, insideLeft = 0;
            for (var sk = 0; sk < Sub; sk++)
                for (var sj = 0; sj < Sub; sj++)
                    for (var si = 0; si < Sub; si++)
                    {
                        var p = g.ToPatient(x - 0.5 + (si + 0.5) / Sub, y - 0.5 + (sj + 0.5) / Sub, z - 0.5 + (sk + 0.5) / Sub);
                        var l = frame.ToLocal(p);
                        if (!InAny(fill.Blobs, l)) continue;
                        inside++;
                        if ((p - midPoint).Dot(midNormal) > 0) insideLeft++;
                    }
            if (inside == 0) continue;
            var f = inside / (double)(Sub * Sub * Sub);
            volume += f * voxelMl;
            left += insideLeft / (double)(Sub * Sub * Sub) * voxelMl;
            var cement = fill.CementHu + fill.TextureHu * (2 * Hash(x, y, z, fill.Seed) - 1);
            data[idx] = (short)Math.Clamp(Math.Round(data[idx] + f * (cement - data[idx])), -1024, 3071);
        }
        return (new Volume<short>(host.SizeX, host.SizeY, host.SizeZ, g, data), new HybridTruth(volume, left));
    }

    private static bool InAny(IReadOnlyList<CementBlob> blobs, Vec3 l)
    {
        foreach (var b in blobs)
        {
            var d = l - b.Center;
            var q = d.X * d.X / (b.SemiAxes.X * b.SemiAxes.X) + d.Y * d.Y / (b.SemiAxes.Y * b.SemiAxes.Y) + d.Z * d.Z / (b.SemiAxes.Z * b.SemiAxes.Z);
            if (q <= 1) return true;
        }
        return false;
    }

    /// <summary>Deterministic value in [0, 1) per voxel and seed.</summary>
    private static double Hash(int x, int y, int z, int seed)
    {
        var h = (uint)(x * 73856093) ^ (uint)(y * 19349663) ^ (uint)(z * 83492791) ^ (uint)(seed * 2654435761u);
        h ^= h >> 13; h *= 0x5bd1e995; h ^= h >> 15;
        return (h & 0xFFFFFF) / (double)0x1000000;
    }

    /// <summary>
    /// The standard hybrid fills for one body of height <paramref name="heightMm"/>: unilateral left and right masses,
    /// a bipedicular pair and a large central fill, at cement plateaus spanning 1500–3500 HU.
    /// </summary>
    public static IReadOnlyList<HybridFill> StandardFills(double heightMm)
    {
        var h = Math.Clamp(heightMm / 2 - 4, 3, 9);
        return
        [
            new("unilateral-left", [new CementBlob(new Vec3(7, 0, 0), new Vec3(6, 8, h))], 2200),
            new("unilateral-right", [new CementBlob(new Vec3(-7, 2, 0), new Vec3(6, 7, h))], 3400, Seed: 2),
            new("bipedicular", [new CementBlob(new Vec3(8, 1, 0), new Vec3(5, 7, h)), new CementBlob(new Vec3(-8, 1, 0), new Vec3(5, 7, h))], 2800, Seed: 3),
            new("central-mass", [new CementBlob(new Vec3(1, 0, 0), new Vec3(9, 9, h))], 1700, Seed: 4),
        ];
    }
}

namespace CementQuant.Phantom;

/// <summary>
/// Deterministic smooth 3D value noise in [−1, 1] on a unit lattice (hash of the lattice corner, smoothstep
/// trilinear interpolation). Evaluated in patient millimetres so that textures are fixed in patient space:
/// every acquisition geometry sees the same trabeculae. No allocation, thread safe.
/// </summary>
internal static class ValueNoise
{
    public static double Sample(double x, double y, double z, uint seed)
    {
        var fx = Math.Floor(x); var fy = Math.Floor(y); var fz = Math.Floor(z);
        var ix = (int)fx; var iy = (int)fy; var iz = (int)fz;
        var tx = Smooth(x - fx); var ty = Smooth(y - fy); var tz = Smooth(z - fz);
        var c000 = Corner(ix, iy, iz, seed); var c100 = Corner(ix + 1, iy, iz, seed);
        var c010 = Corner(ix, iy + 1, iz, seed); var c110 = Corner(ix + 1, iy + 1, iz, seed);
        var c001 = Corner(ix, iy, iz + 1, seed); var c101 = Corner(ix + 1, iy, iz + 1, seed);
        var c011 = Corner(ix, iy + 1, iz + 1, seed); var c111 = Corner(ix + 1, iy + 1, iz + 1, seed);
        var x00 = c000 + (c100 - c000) * tx; var x10 = c010 + (c110 - c010) * tx;
        var x01 = c001 + (c101 - c001) * tx; var x11 = c011 + (c111 - c011) * tx;
        var y0 = x00 + (x10 - x00) * ty; var y1 = x01 + (x11 - x01) * ty;
        return y0 + (y1 - y0) * tz;
    }

    private static double Smooth(double t) => t * t * (3 - 2 * t);

    private static double Corner(int x, int y, int z, uint seed)
    {
        var h = Hash((uint)x * 0x8DA6B343u ^ (uint)y * 0xD8163841u ^ (uint)z * 0xCB1AB31Fu ^ seed * 0x9E3779B9u);
        return h * (2.0 / uint.MaxValue) - 1.0;
    }

    /// <summary>A 32-bit integer finaliser (lowbias32), good avalanche for lattice hashing.</summary>
    internal static uint Hash(uint x)
    {
        x ^= x >> 16; x *= 0x7FEB352Du;
        x ^= x >> 15; x *= 0x846CA68Bu;
        x ^= x >> 16;
        return x;
    }
}

using CementQuant.Kernels;

namespace CementQuant.Kernels.Tests;

/// <summary>The separable EDT against brute force (nearest background voxel by exhaustive search) with anisotropic spacing.</summary>
public class DistanceTransformTests
{
    public static TheoryData<int, int, int, double, int> Masks()
    {
        var data = new TheoryData<int, int, int, double, int>();
        var seed = 300;
        foreach (var (x, y, z) in new[] { (1, 1, 1), (9, 1, 1), (1, 7, 1), (1, 1, 8), (8, 7, 6), (13, 5, 9), (20, 20, 3) })
            foreach (var density in new[] { 0.5, 0.9, 0.99 })
                data.Add(x, y, z, density, seed++);
        return data;
    }

    [Theory]
    [MemberData(nameof(Masks))]
    public void SquaredDistances_RandomMasks_EqualBruteForce(int sx, int sy, int sz, double density, int seed)
    {
        var mask = KernelTestData.Mask(sx * sy * sz, density, seed, maxValue: 3);
        foreach (var (dx, dy, dz) in new[] { (1.0, 1.0, 1.0), (0.7, 0.7, 2.5), (1.9, 0.3, 1.1) })
        {
            var d = new float[mask.Length];
            DistanceTransform.SquaredDistances(mask, d, sx, sy, sz, dx, dy, dz);
            var expected = BruteForce(mask, sx, sy, sz, dx, dy, dz);
            for (var i = 0; i < d.Length; i++)
            {
                if (double.IsPositiveInfinity(expected[i])) Assert.True(float.IsPositiveInfinity(d[i]), $"voxel {i}: {d[i]}, expected +∞");
                else Assert.True(Math.Abs(d[i] - expected[i]) <= 1e-5 * Math.Max(1, expected[i]), $"voxel {i}: {d[i]}, expected {expected[i]} (spacing {dx}, {dy}, {dz})");
            }
        }
    }

    [Fact]
    public void SquaredDistances_IsotropicUnitGrid_IsExactInteger()
    {
        // A 7×7×7 solid block with background only at one corner: distance² = x² + y² + z² from that corner.
        var mask = Enumerable.Repeat((byte)1, 343).ToArray();
        mask[0] = 0;
        var d = new float[343];
        DistanceTransform.SquaredDistances(mask, d, 7, 7, 7, 1, 1, 1);
        Assert.Equal(6 * 6 * 3, d[342]);
        Assert.Equal(0, d[0]);
        Assert.Equal(1 + 4, d[(0 * 7 + 2) * 7 + 1]);
    }

    [Fact]
    public void SquaredDistances_NoBackground_IsInfinite()
    {
        var d = new float[8];
        DistanceTransform.SquaredDistances(Enumerable.Repeat((byte)1, 8).ToArray(), d, 2, 2, 2, 1, 1, 1);
        Assert.All(d, v => Assert.True(float.IsPositiveInfinity(v)));
    }

    private static double[] BruteForce(byte[] m, int sx, int sy, int sz, double dx, double dy, double dz)
    {
        var result = new double[m.Length];
        for (var i = 0; i < m.Length; i++)
        {
            if (m[i] == 0) continue;
            int x = i % sx, y = i / sx % sy, z = i / (sx * sy);
            var best = double.PositiveInfinity;
            for (var j = 0; j < m.Length; j++)
            {
                if (m[j] != 0) continue;
                double ex = (j % sx - x) * dx, ey = (j / sx % sy - y) * dy, ez = (j / (sx * sy) - z) * dz;
                best = Math.Min(best, ex * ex + ey * ey + ez * ez);
            }
            result[i] = best;
        }
        return result;
    }
}

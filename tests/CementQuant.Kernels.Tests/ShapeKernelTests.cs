using CementQuant.Kernels;

namespace CementQuant.Kernels.Tests;

/// <summary>Face counts and the hull estimate against their scalar references and known shapes.</summary>
public class ShapeKernelTests
{
    [Theory]
    [MemberData(nameof(KernelTestData.Lengths), MemberType = typeof(KernelTestData))]
    public void CountFaces_EveryRowLength_EqualsScalarAndNaive(int length)
    {
        if (length == 0) return;
        var labels = KernelTestData.Mask(length * 3 * 4, 0.6, 70 + length, maxValue: 2);
        foreach (var value in new byte[] { 1, 2, 0 })
        {
            var fast = ShapeKernels.CountFaces(labels, length, 3, 4, value);
            Assert.Equal(ShapeKernels.CountFacesScalar(labels, length, 3, 4, value), fast);
            Assert.Equal(NaiveFaces(labels, length, 3, 4, value), fast);
        }
    }

    [Fact]
    public void CountFaces_KnownShapes()
    {
        Assert.Equal(new FaceCounts(2, 2, 2), ShapeKernels.CountFaces([1], 1, 1, 1, 1));
        var cube = Enumerable.Repeat((byte)1, 8).ToArray();
        Assert.Equal(new FaceCounts(8, 8, 8), ShapeKernels.CountFaces(cube, 2, 2, 2, 1));
        // Set voxels next to another label still expose a face.
        Assert.Equal(new FaceCounts(2, 2, 2), ShapeKernels.CountFaces([1, 2], 2, 1, 1, 1));
        Assert.Equal(8 * 2.0 / 3.0, new FaceCounts(2, 2, 2).Area(1, 1, 2), 12);
    }

    private static FaceCounts NaiveFaces(byte[] m, int sx, int sy, int sz, byte value)
    {
        long fx = 0, fy = 0, fz = 0;
        bool Set(int x, int y, int z) => x >= 0 && y >= 0 && z >= 0 && x < sx && y < sy && z < sz && m[(z * sy + y) * sx + x] == value;
        for (var z = 0; z < sz; z++)
            for (var y = 0; y < sy; y++)
                for (var x = 0; x < sx; x++)
                {
                    if (!Set(x, y, z)) continue;
                    fx += (Set(x - 1, y, z) ? 0 : 1) + (Set(x + 1, y, z) ? 0 : 1);
                    fy += (Set(x, y - 1, z) ? 0 : 1) + (Set(x, y + 1, z) ? 0 : 1);
                    fz += (Set(x, y, z - 1) ? 0 : 1) + (Set(x, y, z + 1) ? 0 : 1);
                }
        return new FaceCounts(fx, fy, fz);
    }

    private static double[] Fibonacci(int n)
    {
        var d = new double[3 * n];
        var golden = Math.PI * (3 - Math.Sqrt(5));
        for (var i = 0; i < n; i++)
        {
            var y = 1 - 2 * (i + 0.5) / n;
            var r = Math.Sqrt(1 - y * y);
            d[3 * i] = Math.Cos(golden * i) * r; d[3 * i + 1] = y; d[3 * i + 2] = Math.Sin(golden * i) * r;
        }
        return d;
    }

    public static TheoryData<int> Seeds() => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void HullVoxelCount_RandomSetsAndObliqueGrids_EqualsScalar(int seed)
    {
        var rng = new Random(seed);
        // Blob of random voxels around a centre, on a grid with anisotropic, rotated and (odd seeds) sheared steps.
        var points = new List<(int, int, int)>();
        int cx = rng.Next(-50, 300), cy = rng.Next(-50, 300), cz = rng.Next(0, 200);
        for (var k = 0; k < 40 + seed * 10; k++) points.Add((cx + rng.Next(-8, 9), cy + rng.Next(-6, 7), cz + rng.Next(-5, 6)));
        var a = rng.NextDouble();
        double[] affine = [rng.Next(-250, 250) + 0.3, rng.Next(-250, 250) + 0.7, rng.Next(-900, 900) + 0.5,
            0.7 * Math.Cos(a), 0.7 * Math.Sin(a), 0,
            -0.7 * Math.Sin(a), 0.7 * Math.Cos(a), seed % 2 == 1 ? 0.1 : 0,
            0, seed % 2 == 1 ? 0.2 : 0, 1.25];
        var directions = Fibonacci(128);
        var slow = ShapeKernels.HullVoxelCountScalar([.. points], affine, directions);
        Assert.Equal(slow, ShapeKernels.HullVoxelCount([.. points], affine, directions));
        Assert.True(slow >= points.Distinct().Count());
    }

    [Fact]
    public void HullVoxelCount_FullBox_IsTheBox()
    {
        var points = new List<(int, int, int)>();
        for (var z = 0; z < 4; z++) for (var y = 0; y < 5; y++) for (var x = 0; x < 6; x++) points.Add((x + 10, y + 20, z + 30));
        double[] affine = [-100, 50, 7, 0.8, 0, 0, 0, 0.8, 0, 0, 0, 2];
        Assert.Equal(120, ShapeKernels.HullVoxelCount([.. points], affine, Fibonacci(64)));
        // Two opposite corners only: the hull is the segment between them, and the count is the voxels on it.
        Assert.Equal(ShapeKernels.HullVoxelCountScalar([(0, 0, 0), (5, 5, 5)], affine, Fibonacci(64)), ShapeKernels.HullVoxelCount([(0, 0, 0), (5, 5, 5)], affine, Fibonacci(64)));
    }
}

using CementQuant.Kernels;

namespace CementQuant.Kernels.Tests;

/// <summary>Threshold, histogram, masked sums and the plane split: vector paths equal their scalar references at every length.</summary>
public class VoxelKernelTests
{
    [Theory]
    [MemberData(nameof(KernelTestData.Lengths), MemberType = typeof(KernelTestData))]
    public void Threshold_EveryLength_EqualsScalar(int length)
    {
        var values = KernelTestData.Shorts(length, 10 + length);
        foreach (var (lo, hi) in new (short, short)[] { (200, short.MaxValue), (short.MinValue, short.MaxValue), (-1024, -1024), (0, -1), (-500, 1500), (short.MaxValue, short.MaxValue) })
        {
            var simd = Enumerable.Repeat((byte)9, length).ToArray();
            var scalar = new byte[length];
            var n = VoxelKernels.Threshold(values, simd, lo, hi);
            Assert.Equal(VoxelKernels.ThresholdScalar(values, scalar, lo, hi), n);
            Assert.Equal(scalar, simd);
            Assert.Equal(values.Count(v => v >= lo && v <= hi), n);
        }
    }

    [Theory]
    [MemberData(nameof(KernelTestData.Lengths), MemberType = typeof(KernelTestData))]
    public void Histogram_EveryLength_EqualsScalar(int length)
    {
        var values = KernelTestData.Shorts(length, 20 + length, -1100, 3100);
        var mask = KernelTestData.Mask(length, 0.5, 30 + length, maxValue: 2);
        foreach (var (min, bins) in new (short, int)[] { (-1024, 4096), (short.MinValue, 65536), (0, 1), (3000, 200) })
            foreach (var m in new[] { [], mask })
            {
                var fast = new long[bins];
                var slow = new long[bins];
                fast[0] = slow[0] = 5; // counts are added to
                var n = VoxelKernels.Histogram(values, m, fast, min);
                Assert.Equal(VoxelKernels.HistogramScalar(values, m, slow, min), n);
                Assert.Equal(slow, fast);
            }
    }

    [Theory]
    [MemberData(nameof(KernelTestData.Lengths), MemberType = typeof(KernelTestData))]
    public void MaskedSum_EveryLength_EqualsScalar(int length)
    {
        var values = KernelTestData.Shorts(length, 40 + length);
        var mask = KernelTestData.Mask(length, 0.6, 50 + length, maxValue: 255);
        Assert.Equal(VoxelKernels.MaskedSumScalar(mask, values), VoxelKernels.MaskedSum(mask, values));
        Assert.Equal(VoxelKernels.MaskedSumScalar(mask, []), VoxelKernels.MaskedSum(mask, []));
    }

    [Fact]
    public void MaskedSum_ExtremeValuesOverManySteps_DoesNotOverflow()
    {
        // 3 M voxels of ±32767: int32 lanes would overflow without the periodic flush.
        const int n = 3_000_001;
        var mask = Enumerable.Repeat((byte)1, n).ToArray();
        foreach (var v in new short[] { short.MaxValue, short.MinValue })
        {
            var values = Enumerable.Repeat(v, n).ToArray();
            Assert.Equal(new SideSums(n, (long)n * v), VoxelKernels.MaskedSum(mask, values));
        }
    }

    public static TheoryData<int, int, int, int> Boxes()
    {
        var data = new TheoryData<int, int, int, int>();
        var seed = 0;
        foreach (var (x, y, z) in new[] { (1, 1, 1), (5, 4, 3), (64, 3, 2), (129, 5, 2), (31, 17, 9) }) data.Add(x, y, z, seed++);
        return data;
    }

    [Theory]
    [MemberData(nameof(Boxes))]
    public void SplitByPlane_RandomAndExactPlanes_EqualsScalar(int sx, int sy, int sz, int seed)
    {
        var rng = new Random(seed);
        var mask = KernelTestData.Mask(sx * sy * sz, 0.7, seed, maxValue: 2);
        var values = KernelTestData.Shorts(mask.Length, seed + 1);
        // Random planes, and integer planes through voxel centres (d = 0 exactly on some voxels), in both directions.
        var planes = new List<(double, double, double, double)> { (1, 0, 0, -sx / 2), (-1, 0, 0, sx / 2), (0, 1, 0, -sy / 2), (0, 0, 0, 0), (2, -1, 1, -3) };
        for (var k = 0; k < 6; k++) planes.Add((rng.NextDouble() * 2 - 1, rng.NextDouble() * 2 - 1, rng.NextDouble() * 2 - 1, rng.NextDouble() * sx - sx / 2.0));
        foreach (var (nx, ny, nz, off) in planes)
        {
            var expected = VoxelKernels.SplitByPlaneScalar(mask, values, sx, sy, sz, nx, ny, nz, off);
            Assert.Equal(expected, VoxelKernels.SplitByPlane(mask, values, sx, sy, sz, nx, ny, nz, off));
            var all = expected.Positive + expected.Negative + expected.OnPlane;
            Assert.Equal(VoxelKernels.MaskedSumScalar(mask, values), all);
        }
    }

    [Fact]
    public void SplitByPlane_KnownPlane_CountsEachSide()
    {
        // 4 × 1 × 1 row, all set, values 1..4; plane x = 1.5 (normal +x): x = 2, 3 positive.
        var r = VoxelKernels.SplitByPlane([1, 1, 1, 1], [1, 2, 3, 4], 4, 1, 1, 1, 0, 0, -1.5);
        Assert.Equal(new PlaneSums(new SideSums(2, 7), new SideSums(2, 3), default), r);
        // Plane x = 1 exactly: voxel 1 is on it.
        r = VoxelKernels.SplitByPlane([1, 1, 1, 1], [1, 2, 3, 4], 4, 1, 1, 1, 0, 0, -1);
        Assert.Equal(new PlaneSums(new SideSums(2, 7), new SideSums(1, 1), new SideSums(1, 2)), r);
    }
}

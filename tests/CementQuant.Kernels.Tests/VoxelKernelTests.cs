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
}

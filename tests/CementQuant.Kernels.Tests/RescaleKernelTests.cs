using System.Runtime.Intrinsics;
using CementQuant.Kernels;

namespace CementQuant.Kernels.Tests;

/// <summary>The vectorised rescale equals its scalar reference exactly, at every length around the vector widths.</summary>
public class RescaleKernelTests
{
    /// <summary>Lengths 0 .. 4 × the widest vector + 1, so every remainder path runs.</summary>
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        var max = 4 * Math.Max(Vector512<ushort>.Count, 16) + 1;
        for (var n = 0; n <= max; n++) data.Add(n);
        return data;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void RescaleToHu_EveryLength_EqualsScalar(int length)
    {
        var rng = new Random(1234 + length);
        var src = new ushort[length];
        for (var i = 0; i < length; i++) src[i] = (ushort)rng.Next(0, 65536);
        foreach (var (bits, signed, intercept) in new[] { (16, true, 0), (16, false, -1024), (12, false, -1024), (12, true, -1000), (16, true, 40000), (10, false, 7), (16, false, -40000) })
        {
            var simd = new short[length];
            var scalar = new short[length];
            VoxelKernels.RescaleToHu(src, simd, bits, signed, intercept);
            VoxelKernels.RescaleToHuScalar(src, scalar, bits, signed, intercept);
            Assert.Equal(scalar, simd);
        }
    }

    [Fact]
    public void RescaleToHuScalar_KnownValues_SignExtendsMasksAndSaturates()
    {
        ushort[] src = [0x0FFF, 0xF800, 0x8000, 0x7FFF, 0x0000];
        var hu = new short[5];
        VoxelKernels.RescaleToHuScalar(src, hu, 12, signed: true, intercept: 0);
        Assert.Equal(new short[] { -1, -2048, 0, -1, 0 }, hu); // 0x0FFF is −1 in 12-bit two's complement; bits above 12 ignored
        VoxelKernels.RescaleToHuScalar(src, hu, 12, signed: false, intercept: -1024);
        Assert.Equal(new short[] { 3071, 1024, -1024, 3071, -1024 }, hu); // 0xF800 keeps 0x800 = 2048
        VoxelKernels.RescaleToHuScalar(src, hu, 16, signed: false, intercept: 0);
        Assert.Equal(new short[] { 4095, 32767, 32767, 32767, 0 }, hu); // saturates at int16
    }

    [Fact]
    public void RescaleToHu_FractionalSlope_RoundsHalfAwayFromZero()
    {
        ushort[] src = [1, 3, 0xFFFF];
        var hu = new short[3];
        VoxelKernels.RescaleToHu(src, hu, 16, signed: true, slope: 0.5, intercept: 0);
        Assert.Equal(new short[] { 1, 2, -1 }, hu); // 0.5→1, 1.5→2, −0.5→−1
    }
}

using System.Runtime.Intrinsics;

namespace CementQuant.Kernels.Tests;

/// <summary>Inputs shared by the kernel tests: lengths around the vector widths and seeded random data.</summary>
public static class KernelTestData
{
    /// <summary>
    /// Lengths 0 … 4 × the widest byte vector + 1 (Vector512: 64 bytes), so every vector path, every
    /// remainder and the pure scalar case run whatever the machine's widest vector is.
    /// </summary>
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (var n = 0; n <= 4 * Vector512<byte>.Count + 1; n++) data.Add(n);
        return data;
    }

    /// <summary>Random mask: each voxel is foreground with probability <paramref name="density"/>, foreground values 1..maxValue.</summary>
    public static byte[] Mask(int length, double density, int seed, int maxValue = 1)
    {
        var rng = new Random(seed);
        var m = new byte[length];
        for (var i = 0; i < length; i++) m[i] = rng.NextDouble() < density ? (byte)rng.Next(1, maxValue + 1) : (byte)0;
        return m;
    }

    public static short[] Shorts(int length, int seed, int min = short.MinValue, int max = short.MaxValue)
    {
        var rng = new Random(seed);
        var v = new short[length];
        for (var i = 0; i < length; i++) v[i] = (short)rng.Next(min, max + 1);
        return v;
    }
}

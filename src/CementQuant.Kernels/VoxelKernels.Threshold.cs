using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CementQuant.Kernels;

public static partial class VoxelKernels
{
    /// <summary>
    /// mask[i] = 1 where lo ≤ values[i] ≤ hi, else 0; returns the number of voxels set. One pass: compare,
    /// narrow to bytes, count and store.
    /// </summary>
    public static long Threshold(ReadOnlySpan<short> values, Span<byte> mask, short lo, short hi = short.MaxValue)
    {
        if (mask.Length < values.Length) throw new ArgumentException("mask shorter than values", nameof(mask));
        var i = 0;
        long count = 0;
        // Lanes: each step reads two int16 vectors (W.Bytes values), compares each against [lo, hi] (all-ones
        // int16 lanes where inside), narrows the pair to one byte vector, counts its true lanes and stores 0/1.
        if (Simd512.IsAccelerated && values.Length >= Vector512<byte>.Count)
            i = ThresholdVectors<Simd512, Vector512<byte>, Vector512<short>, Vector512<int>>(values, mask, lo, hi, ref count);
        else if (Simd256.IsAccelerated && values.Length >= Vector256<byte>.Count)
            i = ThresholdVectors<Simd256, Vector256<byte>, Vector256<short>, Vector256<int>>(values, mask, lo, hi, ref count);
        else if (Simd128.IsAccelerated && values.Length >= Vector128<byte>.Count)
            i = ThresholdVectors<Simd128, Vector128<byte>, Vector128<short>, Vector128<int>>(values, mask, lo, hi, ref count);
        return count + ThresholdScalar(values[i..], mask[i..], lo, hi);
    }

    /// <summary>Scalar reference of <see cref="Threshold"/>.</summary>
    public static long ThresholdScalar(ReadOnlySpan<short> values, Span<byte> mask, short lo, short hi = short.MaxValue)
    {
        if (mask.Length < values.Length) throw new ArgumentException("mask shorter than values", nameof(mask));
        long count = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var inside = values[i] >= lo && values[i] <= hi;
            mask[i] = inside ? (byte)1 : (byte)0;
            if (inside) count++;
        }
        return count;
    }

    private static int ThresholdVectors<W, TB, TS, TI>(ReadOnlySpan<short> values, Span<byte> mask, short lo, short hi, ref long count)
        where W : ISimd<TB, TS, TI> where TB : struct where TS : struct where TI : struct
    {
        ref var src = ref MemoryMarshal.GetReference(values);
        ref var dst = ref MemoryMarshal.GetReference(mask);
        var vlo = W.SplatS(lo);
        var vhi = W.SplatS(hi);
        var half = W.Bytes / 2;
        var i = 0;
        long n = 0;
        for (; i <= values.Length - W.Bytes; i += W.Bytes)
        {
            var a = W.InRangeS(W.LoadS(ref src, (nuint)i), vlo, vhi);
            var b = W.InRangeS(W.LoadS(ref src, (nuint)(i + half)), vlo, vhi);
            var m = W.NarrowS(a, b); // 0xFF / 0x00 per voxel
            n += W.CountTrue(m);
            W.Store(W.ToBit(m), ref dst, (nuint)i);
        }
        count += n;
        return i;
    }
}

using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CementQuant.Kernels;

/// <summary>
/// Maximum intensity projections of an sx × sy × sz int16 volume (x fastest) along one axis. Along z the
/// result is sx × sy (index y·sx + x), along y it is sx × sz (z·sx + x), along x it is sy × sz (z·sy + y).
/// Along y and z whole rows are maxed into the result a vector at a time; along x each row is reduced.
/// </summary>
public static class Projections
{
    public static void Max(ReadOnlySpan<short> volume, Span<short> projection, int sx, int sy, int sz, int axis) => Run(volume, projection, sx, sy, sz, axis, vectors: true);

    /// <summary>Scalar reference of <see cref="Max"/>.</summary>
    public static void MaxScalar(ReadOnlySpan<short> volume, Span<short> projection, int sx, int sy, int sz, int axis) => Run(volume, projection, sx, sy, sz, axis, vectors: false);

    private static void Run(ReadOnlySpan<short> volume, Span<short> projection, int sx, int sy, int sz, int axis, bool vectors)
    {
        if (volume.Length != (long)sx * sy * sz) throw new ArgumentException($"volume holds {volume.Length} voxels, expected {sx}×{sy}×{sz}", nameof(volume));
        var size = axis switch
        {
            0 => (long)sy * sz,
            1 => (long)sx * sz,
            2 => (long)sx * sy,
            _ => throw new ArgumentOutOfRangeException(nameof(axis), "axis is 0 (x), 1 (y) or 2 (z)"),
        };
        if (projection.Length != size) throw new ArgumentException($"projection holds {projection.Length} pixels, expected {size}", nameof(projection));
        if (projection.IsEmpty) return;
        if (volume.IsEmpty) { projection.Fill(short.MinValue); return; }
        switch (axis)
        {
            case 2:
                volume[..projection.Length].CopyTo(projection);
                for (var z = 1; z < sz; z++) MaxInto(volume.Slice(z * projection.Length, projection.Length), projection, vectors);
                break;
            case 1:
                for (var z = 0; z < sz; z++)
                {
                    var dst = projection.Slice(z * sx, sx);
                    volume.Slice(z * sy * sx, sx).CopyTo(dst);
                    for (var y = 1; y < sy; y++) MaxInto(volume.Slice((z * sy + y) * sx, sx), dst, vectors);
                }
                break;
            default:
                for (var r = 0; r < projection.Length; r++) projection[r] = RowMax(volume.Slice(r * sx, sx), vectors);
                break;
        }
    }

    /// <summary>dst[i] = max(dst[i], src[i]).</summary>
    private static void MaxInto(ReadOnlySpan<short> src, Span<short> dst, bool vectors)
    {
        var i = 0;
        if (vectors)
        {
            if (Simd512.IsAccelerated && src.Length >= Vector512<short>.Count)
                i = MaxIntoVectors<Simd512, Vector512<byte>, Vector512<short>, Vector512<int>>(src, dst);
            else if (Simd256.IsAccelerated && src.Length >= Vector256<short>.Count)
                i = MaxIntoVectors<Simd256, Vector256<byte>, Vector256<short>, Vector256<int>>(src, dst);
            else if (Simd128.IsAccelerated && src.Length >= Vector128<short>.Count)
                i = MaxIntoVectors<Simd128, Vector128<byte>, Vector128<short>, Vector128<int>>(src, dst);
        }
        for (; i < src.Length; i++) dst[i] = Math.Max(dst[i], src[i]);
    }

    private static int MaxIntoVectors<W, TB, TS, TI>(ReadOnlySpan<short> src, Span<short> dst)
        where W : ISimd<TB, TS, TI> where TB : struct where TS : struct where TI : struct
    {
        ref var s = ref MemoryMarshal.GetReference(src);
        ref var d = ref MemoryMarshal.GetReference(dst);
        var lanes = W.Bytes / 2;
        var i = 0;
        for (; i <= src.Length - lanes; i += lanes)
            W.StoreS(W.MaxS(W.LoadS(ref d, (nuint)i), W.LoadS(ref s, (nuint)i)), ref d, (nuint)i);
        return i;
    }

    /// <summary>Largest value of a non-empty row: lane-wise max over the row's vectors, then across the lanes and the tail.</summary>
    private static short RowMax(ReadOnlySpan<short> row, bool vectors)
    {
        var i = 0;
        var max = short.MinValue;
        if (vectors)
        {
            if (Simd512.IsAccelerated && row.Length >= Vector512<short>.Count)
                i = RowMaxVectors<Simd512, Vector512<byte>, Vector512<short>, Vector512<int>>(row, ref max);
            else if (Simd256.IsAccelerated && row.Length >= Vector256<short>.Count)
                i = RowMaxVectors<Simd256, Vector256<byte>, Vector256<short>, Vector256<int>>(row, ref max);
            else if (Simd128.IsAccelerated && row.Length >= Vector128<short>.Count)
                i = RowMaxVectors<Simd128, Vector128<byte>, Vector128<short>, Vector128<int>>(row, ref max);
        }
        for (; i < row.Length; i++) max = Math.Max(max, row[i]);
        return max;
    }

    private static int RowMaxVectors<W, TB, TS, TI>(ReadOnlySpan<short> row, ref short max)
        where W : ISimd<TB, TS, TI> where TB : struct where TS : struct where TI : struct
    {
        ref var s = ref MemoryMarshal.GetReference(row);
        var lanes = W.Bytes / 2;
        var acc = W.LoadS(ref s, 0);
        var i = lanes;
        for (; i <= row.Length - lanes; i += lanes) acc = W.MaxS(acc, W.LoadS(ref s, (nuint)i));
        Span<short> spill = stackalloc short[lanes];
        W.StoreS(acc, ref MemoryMarshal.GetReference(spill), 0);
        foreach (var v in spill) max = Math.Max(max, v);
        return i;
    }
}

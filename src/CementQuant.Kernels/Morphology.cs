using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CementQuant.Kernels;

/// <summary>
/// Binary morphology of a 3D mask (x fastest, then y, then z; non-zero = foreground, results 0/1).
/// Dilation ORs over the structuring element, erosion ANDs over it with everything outside the box
/// counted as background (so the box border erodes, as in scipy's <c>binary_erosion</c>). The
/// 6-neighbourhood is the centre and its face neighbours; a box of radii (rx, ry, rz) is separable and
/// runs as three 1D passes. Every output voxel is the min (erosion) or max (dilation) of the input at a
/// fixed list of offsets, computed a vector of voxels at a time with a scalar tail; the <c>*Scalar</c>
/// methods run the same passes without vectors.
/// </summary>
public static class Morphology
{
    /// <summary>dst = src dilated by the 6-neighbourhood.</summary>
    public static void Dilate6(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int sy, int sz) => Six(src, dst, sx, sy, sz, erode: false, vectors: true);

    /// <summary>dst = src eroded by the 6-neighbourhood (outside the box is background).</summary>
    public static void Erode6(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int sy, int sz) => Six(src, dst, sx, sy, sz, erode: true, vectors: true);

    /// <summary>Scalar reference of <see cref="Dilate6"/>.</summary>
    public static void Dilate6Scalar(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int sy, int sz) => Six(src, dst, sx, sy, sz, erode: false, vectors: false);

    /// <summary>Scalar reference of <see cref="Erode6"/>.</summary>
    public static void Erode6Scalar(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int sy, int sz) => Six(src, dst, sx, sy, sz, erode: true, vectors: false);

    /// <summary>dst = src dilated by the box [−rx, rx] × [−ry, ry] × [−rz, rz].</summary>
    public static void DilateBox(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int sy, int sz, int rx, int ry, int rz) => Box(src, dst, sx, sy, sz, rx, ry, rz, erode: false, vectors: true);

    /// <summary>dst = src eroded by the box [−rx, rx] × [−ry, ry] × [−rz, rz] (outside the box is background).</summary>
    public static void ErodeBox(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int sy, int sz, int rx, int ry, int rz) => Box(src, dst, sx, sy, sz, rx, ry, rz, erode: true, vectors: true);

    /// <summary>Scalar reference of <see cref="DilateBox"/>.</summary>
    public static void DilateBoxScalar(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int sy, int sz, int rx, int ry, int rz) => Box(src, dst, sx, sy, sz, rx, ry, rz, erode: false, vectors: false);

    /// <summary>Scalar reference of <see cref="ErodeBox"/>.</summary>
    public static void ErodeBoxScalar(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int sy, int sz, int rx, int ry, int rz) => Box(src, dst, sx, sy, sz, rx, ry, rz, erode: true, vectors: false);

    private static void Six(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int sy, int sz, bool erode, bool vectors)
    {
        Check(src, dst, sx, sy, sz);
        if (src.IsEmpty) return;
        var sxy = sx * sy;
        Span<int> offsets = stackalloc int[7];
        for (var z = 0; z < sz; z++)
            for (var y = 0; y < sy; y++)
            {
                var row = (z * sy + y) * sx;
                var border = y == 0 || y == sy - 1 || z == 0 || z == sz - 1;
                if (erode && border)
                {
                    dst.Slice(row, sx).Clear(); // a face neighbour lies outside the box
                    continue;
                }
                // Missing neighbours (dilation only) are replaced by the voxel itself: max(v, v) = v.
                offsets[0] = 0; offsets[1] = -1; offsets[2] = 1;
                offsets[3] = y > 0 ? -sx : 0; offsets[4] = y < sy - 1 ? sx : 0;
                offsets[5] = z > 0 ? -sxy : 0; offsets[6] = z < sz - 1 ? sxy : 0;
                if (sx > 2) Combine(src, dst, row + 1, row + sx - 1, offsets, erode, vectors);
                // Row ends: no x neighbour on one side.
                if (erode)
                {
                    dst[row] = 0;
                    dst[row + sx - 1] = 0;
                    continue;
                }
                offsets[1] = 0; offsets[2] = sx > 1 ? 1 : 0;
                Combine(src, dst, row, row + 1, offsets, erode, vectors: false);
                if (sx < 2) continue;
                offsets[1] = -1; offsets[2] = 0;
                Combine(src, dst, row + sx - 1, row + sx, offsets, erode, vectors: false);
            }
    }

    private static void Box(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int sy, int sz, int rx, int ry, int rz, bool erode, bool vectors)
    {
        Check(src, dst, sx, sy, sz);
        if (rx < 0 || ry < 0 || rz < 0) throw new ArgumentOutOfRangeException(nameof(rx), "radii must be ≥ 0");
        if (src.IsEmpty) return;
        var tmp = ArrayPool<byte>.Shared.Rent(src.Length);
        try
        {
            var t = tmp.AsSpan(0, src.Length);
            PassX(src, dst, sx, sy * sz, rx, erode, vectors);       // src → dst
            PassRows(dst, t, sx, sy, sz, sx, ry, erode, vectors);   // dst → tmp, along y
            PassRows(t, dst, sx, sy, sz, sx * sy, rz, erode, vectors); // tmp → dst, along z
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(tmp);
        }
    }

    /// <summary>1D window of radius r along x in each of <paramref name="rows"/> rows.</summary>
    private static void PassX(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int rows, int r, bool erode, bool vectors)
    {
        Span<int> offsets = stackalloc int[2 * r + 1];
        for (var k = -r; k <= r; k++) offsets[k + r] = k;
        for (var row = 0; row < rows; row++)
        {
            var at = row * sx;
            // Interior: the whole window lies inside the row.
            var lo = Math.Min(r, sx); var hi = Math.Max(lo, sx - r);
            Combine(src, dst, at + lo, at + hi, offsets, erode, vectors);
            // Ends: the window is clipped; erosion sees background there.
            for (var x = 0; x < sx; x++)
            {
                if (x == lo) x = hi;
                if (x >= sx) break;
                if (erode) { dst[at + x] = 0; continue; }
                var a = Math.Max(0, x - r); var b = Math.Min(sx - 1, x + r);
                Combine(src, dst, at + x, at + x + 1, offsets[(a - x + r)..(b - x + r + 1)], erode, vectors: false);
            }
        }
    }

    /// <summary>1D window of radius r across rows: along y (<paramref name="stride"/> = sx) or z (sx·sy).</summary>
    private static void PassRows(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int sy, int sz, int stride, int r, bool erode, bool vectors)
    {
        var alongY = stride == sx;
        var size = alongY ? sy : sz;
        Span<int> offsets = stackalloc int[2 * r + 1];
        for (var z = 0; z < sz; z++)
            for (var y = 0; y < sy; y++)
            {
                var row = (z * sy + y) * sx;
                var c = alongY ? y : z;
                if (erode && (c - r < 0 || c + r >= size))
                {
                    dst.Slice(row, sx).Clear();
                    continue;
                }
                var count = 0;
                for (var k = Math.Max(-r, -c); k <= Math.Min(r, size - 1 - c); k++) offsets[count++] = k * stride;
                Combine(src, dst, row, row + sx, offsets[..count], erode, vectors);
            }
    }

    /// <summary>dst[i] = (min or max over k of src[i + offsets[k]]) ≠ 0 for i in [from, to); every i + offset must lie in src.</summary>
    private static void Combine(ReadOnlySpan<byte> src, Span<byte> dst, int from, int to, ReadOnlySpan<int> offsets, bool erode, bool vectors)
    {
        var i = from;
        if (vectors)
        {
            var n = to - from;
            if (Simd512.IsAccelerated && n >= Vector512<byte>.Count)
                i = CombineVectors<Simd512, Vector512<byte>, Vector512<short>, Vector512<int>>(src, dst, from, to, offsets, erode);
            else if (Simd256.IsAccelerated && n >= Vector256<byte>.Count)
                i = CombineVectors<Simd256, Vector256<byte>, Vector256<short>, Vector256<int>>(src, dst, from, to, offsets, erode);
            else if (Simd128.IsAccelerated && n >= Vector128<byte>.Count)
                i = CombineVectors<Simd128, Vector128<byte>, Vector128<short>, Vector128<int>>(src, dst, from, to, offsets, erode);
        }
        // Scalar tail (and the whole range for the scalar reference).
        for (; i < to; i++)
        {
            var acc = src[i + offsets[0]];
            for (var k = 1; k < offsets.Length; k++)
            {
                var v = src[i + offsets[k]];
                acc = erode ? Math.Min(acc, v) : Math.Max(acc, v);
            }
            dst[i] = acc != 0 ? (byte)1 : (byte)0;
        }
    }

    /// <summary>The vector part of <see cref="Combine"/>: W.Bytes voxels per step; returns the first index not done.</summary>
    private static int CombineVectors<W, TB, TS, TI>(ReadOnlySpan<byte> src, Span<byte> dst, int from, int to, ReadOnlySpan<int> offsets, bool erode)
        where W : ISimd<TB, TS, TI> where TB : struct where TS : struct where TI : struct
    {
        ref var s = ref MemoryMarshal.GetReference(src);
        ref var d = ref MemoryMarshal.GetReference(dst);
        var i = from;
        for (; i <= to - W.Bytes; i += W.Bytes)
        {
            var acc = W.Load(ref s, (nuint)(i + offsets[0]));
            for (var k = 1; k < offsets.Length; k++)
            {
                var v = W.Load(ref s, (nuint)(i + offsets[k]));
                acc = erode ? W.Min(acc, v) : W.Max(acc, v);
            }
            W.Store(W.ToBit(acc), ref d, (nuint)i);
        }
        return i;
    }

    private static void Check(ReadOnlySpan<byte> src, Span<byte> dst, int sx, int sy, int sz)
    {
        var n = (long)sx * sy * sz;
        if (sx < 0 || sy < 0 || sz < 0 || src.Length != n || dst.Length != n)
            throw new ArgumentException($"src ({src.Length}) and dst ({dst.Length}) must both hold {sx}×{sy}×{sz} voxels");
        if (src.Overlaps(dst)) throw new ArgumentException("src and dst must not overlap");
    }
}

using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CementQuant.Kernels;

/// <summary>Voxel count and sum of values on one side of a plane.</summary>
public readonly record struct SideSums(long Count, long Sum)
{
    public static SideSums operator +(SideSums a, SideSums b) => new(a.Count + b.Count, a.Sum + b.Sum);
}

/// <summary>Masked voxels split by a plane: d &gt; 0, d &lt; 0 and d = 0 exactly.</summary>
public readonly record struct PlaneSums(SideSums Positive, SideSums Negative, SideSums OnPlane);

public static partial class VoxelKernels
{
    /// <summary>
    /// Counts and sums the voxels where <paramref name="mask"/> is non-zero (values may be empty: sums are
    /// then 0) by the side of the plane d = n·(x, y, z) + offset they lie on, in voxel coordinates of an
    /// sx × sy × sz box. Along a row, d = rowOffset + nx·x is monotonic in x (floating-point rounding keeps
    /// it so), so the row splits at two indices found by bisection on that same expression, and each part
    /// is one vectorised masked sum; the scalar reference evaluates d voxel by voxel.
    /// </summary>
    public static PlaneSums SplitByPlane(ReadOnlySpan<byte> mask, ReadOnlySpan<short> values, int sx, int sy, int sz, double nx, double ny, double nz, double offset)
    {
        CheckPlane(mask, values, sx, sy, sz);
        SideSums pos = default, neg = default, on = default;
        for (var z = 0; z < sz; z++)
            for (var y = 0; y < sy; y++)
            {
                var row = (z * sy + y) * sx;
                var rowOffset = RowOffset(ny, nz, offset, y, z);
                // [0, a): first sign, [a, b): on the plane, [b, sx): other sign; for nx < 0 the order flips.
                var a = FirstPast(sx, rowOffset, nx, strict: false);
                var b = FirstPast(sx, rowOffset, nx, strict: true);
                var first = MaskedSum(mask.Slice(row, a), values.IsEmpty ? values : values.Slice(row, a));
                var middle = MaskedSum(mask.Slice(row + a, b - a), values.IsEmpty ? values : values.Slice(row + a, b - a));
                var last = MaskedSum(mask.Slice(row + b, sx - b), values.IsEmpty ? values : values.Slice(row + b, sx - b));
                on += middle;
                if (nx >= 0) { neg += first; pos += last; }
                else { pos += first; neg += last; }
            }
        return new PlaneSums(pos, neg, on);
    }

    /// <summary>Scalar reference of <see cref="SplitByPlane"/>.</summary>
    public static PlaneSums SplitByPlaneScalar(ReadOnlySpan<byte> mask, ReadOnlySpan<short> values, int sx, int sy, int sz, double nx, double ny, double nz, double offset)
    {
        CheckPlane(mask, values, sx, sy, sz);
        SideSums pos = default, neg = default, on = default;
        for (var z = 0; z < sz; z++)
            for (var y = 0; y < sy; y++)
            {
                var rowOffset = RowOffset(ny, nz, offset, y, z);
                for (var x = 0; x < sx; x++)
                {
                    var i = (z * sy + y) * sx + x;
                    if (mask[i] == 0) continue;
                    var s = new SideSums(1, values.IsEmpty ? 0 : values[i]);
                    var d = D(rowOffset, nx, x);
                    if (d > 0) pos += s; else if (d < 0) neg += s; else on += s;
                }
            }
        return new PlaneSums(pos, neg, on);
    }

    /// <summary>Count of non-zero mask voxels and the sum of their values (values empty: sum 0).</summary>
    public static SideSums MaskedSum(ReadOnlySpan<byte> mask, ReadOnlySpan<short> values)
    {
        if (!values.IsEmpty && values.Length != mask.Length) throw new ArgumentException("values must be empty or as long as the mask", nameof(values));
        var i = 0;
        var sums = default(SideSums);
        // Lanes: a byte vector of mask voxels is widened to two int16 vectors; "≠ 0" there (all-ones lanes) masks
        // the two matching int16 value vectors, which are widened and added into int32 lanes. An int32 lane takes
        // two values per step, so it is flushed to the long total every 2^14 steps (2^14 · 2 · 32768 = 2^30).
        if (Simd512.IsAccelerated && mask.Length >= Vector512<byte>.Count)
            i = MaskedSumVectors<Simd512, Vector512<byte>, Vector512<short>, Vector512<int>>(mask, values, ref sums);
        else if (Simd256.IsAccelerated && mask.Length >= Vector256<byte>.Count)
            i = MaskedSumVectors<Simd256, Vector256<byte>, Vector256<short>, Vector256<int>>(mask, values, ref sums);
        else if (Simd128.IsAccelerated && mask.Length >= Vector128<byte>.Count)
            i = MaskedSumVectors<Simd128, Vector128<byte>, Vector128<short>, Vector128<int>>(mask, values, ref sums);
        return sums + MaskedSumScalar(mask[i..], values.IsEmpty ? values : values[i..]);
    }

    /// <summary>Scalar reference of <see cref="MaskedSum"/>.</summary>
    public static SideSums MaskedSumScalar(ReadOnlySpan<byte> mask, ReadOnlySpan<short> values)
    {
        long count = 0, sum = 0;
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0) continue;
            count++;
            if (!values.IsEmpty) sum += values[i];
        }
        return new SideSums(count, sum);
    }

    private static int MaskedSumVectors<W, TB, TS, TI>(ReadOnlySpan<byte> mask, ReadOnlySpan<short> values, ref SideSums sums)
        where W : ISimd<TB, TS, TI> where TB : struct where TS : struct where TI : struct
    {
        ref var m = ref MemoryMarshal.GetReference(mask);
        ref var v = ref MemoryMarshal.GetReference(values);
        var zero = W.Splat(0);
        var one = W.SplatS(1);
        var max = W.SplatS(255);
        var half = W.Bytes / 2;
        long count = 0, sum = 0;
        var acc = W.ZeroI;
        var steps = 0;
        var i = 0;
        for (; i <= mask.Length - W.Bytes; i += W.Bytes)
        {
            var bytes = W.Load(ref m, (nuint)i);
            count += W.Bytes - W.CountTrue(W.Equal(bytes, zero));
            if (values.IsEmpty) continue;
            var (lo, hi) = W.WidenB(bytes);
            acc = W.Accumulate(acc, W.AndS(W.LoadS(ref v, (nuint)i), W.InRangeS(lo, one, max)));
            acc = W.Accumulate(acc, W.AndS(W.LoadS(ref v, (nuint)(i + half)), W.InRangeS(hi, one, max)));
            if (++steps == 1 << 14)
            {
                sum += W.SumI(acc);
                acc = W.ZeroI;
                steps = 0;
            }
        }
        sums += new SideSums(count, sum + W.SumI(acc));
        return i;
    }

    private static double RowOffset(double ny, double nz, double offset, int y, int z) => offset + ny * y + nz * z;

    private static double D(double rowOffset, double nx, int x) => rowOffset + nx * x;

    /// <summary>
    /// First x in [0, n) past the plane in the row's direction of increasing x: where d ≥ 0 (strict: d &gt; 0)
    /// for nx ≥ 0, d ≤ 0 (strict: d &lt; 0) for nx &lt; 0; n when there is none. Bisection: the test is monotone in x.
    /// </summary>
    private static int FirstPast(int n, double rowOffset, double nx, bool strict)
    {
        int lo = 0, hi = n;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var d = D(rowOffset, nx, mid);
            var past = nx >= 0 ? (strict ? d > 0 : d >= 0) : (strict ? d < 0 : d <= 0);
            if (past) hi = mid; else lo = mid + 1;
        }
        return lo;
    }

    private static void CheckPlane(ReadOnlySpan<byte> mask, ReadOnlySpan<short> values, int sx, int sy, int sz)
    {
        var n = (long)sx * sy * sz;
        if (mask.Length != n || (!values.IsEmpty && values.Length != n))
            throw new ArgumentException($"mask ({mask.Length}) and values ({values.Length}, or empty) must hold {sx}×{sy}×{sz} voxels");
    }
}

using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CementQuant.Kernels;

/// <summary>Exposed voxel faces of a set, by the axis they are normal to.</summary>
public readonly record struct FaceCounts(long X, long Y, long Z)
{
    public long Total => X + Y + Z;

    /// <summary>
    /// Surface area estimate from the staircase: faces times their areas (<paramref name="ax"/> is the area of
    /// a face normal to x, and so on), times 2/3, the mean over orientations of a smooth surface's area over
    /// its staircase's (unbiased for smooth surfaces; a sphere of radius 10 voxels comes out within a few %).
    /// </summary>
    public double Area(double ax, double ay, double az) => (X * ax + Y * ay + Z * az) * 2.0 / 3.0;
}

/// <summary>
/// Shape measures of voxel sets: face counting for the surface area, and a convex hull volume estimate.
/// </summary>
public static class ShapeKernels
{
    /// <summary>
    /// Faces between a voxel equal to <paramref name="value"/> and a neighbour that is not (or lies outside
    /// the box). Along each axis this is the number of adjacent pairs where exactly one of the two equals
    /// the value, plus the set voxels on the two end planes: compare, XOR and count a vector of pairs at a time.
    /// </summary>
    public static FaceCounts CountFaces(ReadOnlySpan<byte> labels, int sx, int sy, int sz, byte value) => Faces(labels, sx, sy, sz, value, vectors: true);

    /// <summary>Scalar reference of <see cref="CountFaces"/>.</summary>
    public static FaceCounts CountFacesScalar(ReadOnlySpan<byte> labels, int sx, int sy, int sz, byte value) => Faces(labels, sx, sy, sz, value, vectors: false);

    private static FaceCounts Faces(ReadOnlySpan<byte> labels, int sx, int sy, int sz, byte value, bool vectors)
    {
        if (labels.Length != (long)sx * sy * sz) throw new ArgumentException($"labels hold {labels.Length} voxels, expected {sx}×{sy}×{sz}", nameof(labels));
        if (labels.IsEmpty) return default;
        long fx = 0, fy = 0, fz = 0;
        var slice = sx * sy;
        for (var z = 0; z < sz; z++)
            for (var y = 0; y < sy; y++)
            {
                var row = labels.Slice((z * sy + y) * sx, sx);
                // Along x: pairs inside the row, and the two row ends.
                fx += Differing(row[..^1], row[1..], value, vectors) + (row[0] == value ? 1 : 0) + (row[^1] == value ? 1 : 0);
                // Along y and z: this row against the next one, and the end rows of the box.
                var at = (z * sy + y) * sx;
                if (y + 1 < sy) fy += Differing(row, labels.Slice(at + sx, sx), value, vectors);
                if (y == 0 || y == sy - 1) fy += Equal(row, value, vectors) * (sy == 1 ? 2 : 1);
                if (z + 1 < sz) fz += Differing(row, labels.Slice(at + slice, sx), value, vectors);
                if (z == 0 || z == sz - 1) fz += Equal(row, value, vectors) * (sz == 1 ? 2 : 1);
            }
        return new FaceCounts(fx, fy, fz);
    }

    /// <summary>Positions where exactly one of a[i], b[i] equals the value.</summary>
    private static long Differing(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, byte value, bool vectors)
    {
        var i = 0;
        long n = 0;
        if (vectors)
        {
            if (Simd512.IsAccelerated && a.Length >= Vector512<byte>.Count)
                i = CountVectors<Simd512, Vector512<byte>, Vector512<short>, Vector512<int>>(a, b, value, ref n);
            else if (Simd256.IsAccelerated && a.Length >= Vector256<byte>.Count)
                i = CountVectors<Simd256, Vector256<byte>, Vector256<short>, Vector256<int>>(a, b, value, ref n);
            else if (Simd128.IsAccelerated && a.Length >= Vector128<byte>.Count)
                i = CountVectors<Simd128, Vector128<byte>, Vector128<short>, Vector128<int>>(a, b, value, ref n);
        }
        for (; i < a.Length; i++) if ((a[i] == value) != (b[i] == value)) n++;
        return n;
    }

    /// <summary>Positions where a[i] equals the value: the pairs of a with an all-other row (the value's complement).</summary>
    private static long Equal(ReadOnlySpan<byte> a, byte value, bool vectors)
    {
        var i = 0;
        long n = 0;
        if (vectors)
        {
            if (Simd512.IsAccelerated && a.Length >= Vector512<byte>.Count)
                i = CountVectors<Simd512, Vector512<byte>, Vector512<short>, Vector512<int>>(a, [], value, ref n);
            else if (Simd256.IsAccelerated && a.Length >= Vector256<byte>.Count)
                i = CountVectors<Simd256, Vector256<byte>, Vector256<short>, Vector256<int>>(a, [], value, ref n);
            else if (Simd128.IsAccelerated && a.Length >= Vector128<byte>.Count)
                i = CountVectors<Simd128, Vector128<byte>, Vector128<short>, Vector128<int>>(a, [], value, ref n);
        }
        for (; i < a.Length; i++) if (a[i] == value) n++;
        return n;
    }

    /// <summary>Vector part of <see cref="Differing"/> (b empty: of <see cref="Equal"/>); returns the first index not done.</summary>
    private static int CountVectors<W, TB, TS, TI>(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, byte value, ref long count)
        where W : ISimd<TB, TS, TI> where TB : struct where TS : struct where TI : struct
    {
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var v = W.Splat(value);
        var i = 0;
        long n = 0;
        for (; i <= a.Length - W.Bytes; i += W.Bytes)
        {
            var ea = W.Equal(W.Load(ref pa, (nuint)i), v);
            n += W.CountTrue(b.IsEmpty ? ea : W.Xor(ea, W.Equal(W.Load(ref pb, (nuint)i), v)));
        }
        count += n;
        return i;
    }

    /// <summary>
    /// Grid voxels whose centres lie inside the convex polytope bounding <paramref name="points"/> by
    /// <paramref name="directions"/> (unit vectors, x y z each): for every direction d, d·p ≤ max over the set
    /// of d·q + 1e-6, with p = origin + x·column + y·row + z·slice in millimetres (the 12 doubles of
    /// <paramref name="affine"/>: origin, column step, row step, slice step). With enough directions this
    /// converges on the voxel count of the set's convex hull; the set's own voxels always count.
    /// The fast path finds, per row of the bounding box, the x range that must lie inside from the support
    /// lines and tests exactly only the voxels within rounding distance of a face.
    /// </summary>
    public static long HullVoxelCount(ReadOnlySpan<(int X, int Y, int Z)> points, ReadOnlySpan<double> affine, ReadOnlySpan<double> directions) =>
        Hull(points, affine, directions, fast: true);

    /// <summary>Scalar reference of <see cref="HullVoxelCount"/>: every voxel of the bounding box tested against every direction.</summary>
    public static long HullVoxelCountScalar(ReadOnlySpan<(int X, int Y, int Z)> points, ReadOnlySpan<double> affine, ReadOnlySpan<double> directions) =>
        Hull(points, affine, directions, fast: false);

    private const double HullTolerance = 1e-6;

    private static long Hull(ReadOnlySpan<(int X, int Y, int Z)> points, ReadOnlySpan<double> affine, ReadOnlySpan<double> directions, bool fast)
    {
        if (affine.Length != 12) throw new ArgumentException("affine is origin, column, row and slice steps: 12 doubles", nameof(affine));
        if (directions.Length % 3 != 0) throw new ArgumentException("directions are x, y, z triples", nameof(directions));
        if (points.IsEmpty) return 0;
        var nd = directions.Length / 3;
        var support = new double[nd];
        Array.Fill(support, double.NegativeInfinity);
        int x0 = int.MaxValue, y0 = int.MaxValue, z0 = int.MaxValue, x1 = int.MinValue, y1 = int.MinValue, z1 = int.MinValue;
        foreach (var (x, y, z) in points)
        {
            x0 = Math.Min(x0, x); y0 = Math.Min(y0, y); z0 = Math.Min(z0, z);
            x1 = Math.Max(x1, x); y1 = Math.Max(y1, y); z1 = Math.Max(z1, z);
            for (var d = 0; d < nd; d++) support[d] = Math.Max(support[d], Project(affine, directions, d, x, y, z));
        }
        // Bound on |computed − exact| of a projection: a few roundings of terms no larger than the coordinates.
        var scale = 0.0;
        foreach (var a in affine) scale = Math.Max(scale, Math.Abs(a));
        var reach = Math.Max(Math.Max(Math.Abs((double)x0), Math.Abs((double)x1)), Math.Max(Math.Max(Math.Abs((double)y0), Math.Abs((double)y1)), Math.Max(Math.Abs((double)z0), Math.Abs((double)z1))));
        var slack = 1e-13 * scale * (1 + 3 * reach);
        long inside = 0;
        for (var z = z0; z <= z1; z++)
            for (var y = y0; y <= y1; y++)
            {
                if (!fast)
                {
                    for (var x = x0; x <= x1; x++) if (Inside(affine, directions, support, x, y, z)) inside++;
                    continue;
                }
                // Projection along the row: base + x·slope; certainly inside where base + x·slope ≤ limit − slack,
                // certainly outside where it exceeds limit + slack, and tested exactly in between.
                double sure0 = x0, sure1 = x1, maybe0 = x0, maybe1 = x1;
                for (var d = 0; d < nd; d++)
                {
                    var b = Project(affine, directions, d, 0, y, z);
                    var s = Project(affine, directions, d, 1, y, z) - b;
                    var limit = support[d] + HullTolerance;
                    Narrow(b, s, limit - slack - slack * Math.Abs(x1), ref sure0, ref sure1);
                    Narrow(b, s, limit + slack + slack * Math.Abs(x1), ref maybe0, ref maybe1);
                }
                var lo = (int)Math.Max(x0, Math.Ceiling(maybe0));
                var hi = (int)Math.Min(x1, Math.Floor(maybe1));
                var sureLo = (int)Math.Max(lo, Math.Ceiling(sure0));
                var sureHi = (int)Math.Min(hi, Math.Floor(sure1));
                if (sureLo > sureHi) { sureLo = hi + 1; sureHi = hi; } // nothing certain: test [lo, hi] exactly
                inside += sureHi - sureLo + 1;
                for (var x = lo; x < sureLo; x++) if (Inside(affine, directions, support, x, y, z)) inside++;
                for (var x = sureHi + 1; x <= hi; x++) if (Inside(affine, directions, support, x, y, z)) inside++;
            }
        return inside;
    }

    /// <summary>Intersects [lo, hi] with the x where base + x·slope ≤ limit.</summary>
    private static void Narrow(double b, double slope, double limit, ref double lo, ref double hi)
    {
        if (slope > 0) hi = Math.Min(hi, (limit - b) / slope);
        else if (slope < 0) lo = Math.Max(lo, (limit - b) / slope);
        else if (b > limit) { lo = double.PositiveInfinity; hi = double.NegativeInfinity; }
    }

    private static bool Inside(ReadOnlySpan<double> affine, ReadOnlySpan<double> directions, double[] support, int x, int y, int z)
    {
        for (var d = 0; d < support.Length; d++)
            if (Project(affine, directions, d, x, y, z) > support[d] + HullTolerance) return false;
        return true;
    }

    /// <summary>d·p for p = origin + x·column + y·row + z·slice, summed in that order (as ImageGeometry.ToPatient and Vec3.Dot do).</summary>
    private static double Project(ReadOnlySpan<double> a, ReadOnlySpan<double> directions, int d, int x, int y, int z)
    {
        var px = a[0] + a[3] * x + a[6] * y + a[9] * z;
        var py = a[1] + a[4] * x + a[7] * y + a[10] * z;
        var pz = a[2] + a[5] * x + a[8] * y + a[11] * z;
        return px * directions[3 * d] + py * directions[3 * d + 1] + pz * directions[3 * d + 2];
    }
}

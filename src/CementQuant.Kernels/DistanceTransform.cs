namespace CementQuant.Kernels;

/// <summary>
/// Exact Euclidean distance transform (Felzenszwalb and Huttenlocher, "Distance transforms of sampled
/// functions", 2012): the squared distance in mm² from every voxel to the nearest background voxel
/// (mask = 0), with anisotropic spacing; background voxels get 0, and every voxel gets +∞ when there is
/// no background. Separable: along x, then y (each slice in double precision), then z; each 1D pass is
/// the lower envelope of parabolas w·(q − p)² + f(p), linear in the line's length. The envelope is
/// inherently sequential, so there is no vector path; the test oracle is brute force.
/// </summary>
public static class DistanceTransform
{
    public static void SquaredDistances(ReadOnlySpan<byte> mask, Span<float> distances, int sx, int sy, int sz, double spacingX, double spacingY, double spacingZ)
    {
        var n = (long)sx * sy * sz;
        if (mask.Length != n || distances.Length != n)
            throw new ArgumentException($"mask ({mask.Length}) and distances ({distances.Length}) must both hold {sx}×{sy}×{sz} voxels");
        if (!(spacingX > 0 && spacingY > 0 && spacingZ > 0)) throw new ArgumentOutOfRangeException(nameof(spacingX), "spacings must be positive");
        if (n == 0) return;
        var longest = Math.Max(sx, Math.Max(sy, sz));
        var line = new Line(longest);
        var slice = new double[sx * sy];
        double wx = spacingX * spacingX, wy = spacingY * spacingY, wz = spacingZ * spacingZ;
        for (var z = 0; z < sz; z++)
        {
            var m = mask.Slice(z * sx * sy, sx * sy);
            // Along x the input is 0 at background and +∞ elsewhere, so the envelope reduces to the distance to
            // the nearest background voxel in the row: one sweep each way.
            for (var y = 0; y < sy; y++) NearestAlongRow(m.Slice(y * sx, sx), slice.AsSpan(y * sx, sx), wx);
            // Along y, in place in the slice.
            for (var x = 0; x < sx; x++)
            {
                for (var y = 0; y < sy; y++) line.F[y] = slice[y * sx + x];
                line.Envelope(sy, wy);
                for (var y = 0; y < sy; y++) distances[(z * sy + y) * sx + x] = (float)line.D[y];
            }
        }
        // Along z.
        var stride = sx * sy;
        for (var i = 0; i < stride; i++)
        {
            for (var z = 0; z < sz; z++) line.F[z] = distances[z * stride + i];
            line.Envelope(sz, wz);
            for (var z = 0; z < sz; z++) distances[z * stride + i] = (float)line.D[z];
        }
    }

    /// <summary>d[x] = w·(distance in voxels to the nearest 0 of the row)², +∞ when the row has none.</summary>
    private static void NearestAlongRow(ReadOnlySpan<byte> row, Span<double> d, double w)
    {
        var last = int.MinValue / 2; // no background seen yet
        for (var x = 0; x < row.Length; x++)
        {
            if (row[x] == 0) last = x;
            d[x] = x - last; // voxels since the last background to the left (huge when none)
        }
        last = int.MaxValue / 2;
        for (var x = row.Length - 1; x >= 0; x--)
        {
            if (row[x] == 0) last = x;
            var k = Math.Min(d[x], last - x);
            d[x] = k >= row.Length ? double.PositiveInfinity : w * k * k;
        }
    }

    /// <summary>Buffers of one 1D pass: input F, output D, envelope vertices V and boundaries Z.</summary>
    private sealed class Line(int length)
    {
        public readonly double[] F = new double[length];
        public readonly double[] D = new double[length];
        private readonly int[] _v = new int[length];
        private readonly double[] _z = new double[length + 1];

        /// <summary>D[q] = min over p of w·(q − p)² + F[p] for q in [0, n); +∞ when every F is.</summary>
        public void Envelope(int n, double w)
        {
            if (F.AsSpan(0, n).IndexOfAnyExcept(0.0) < 0)
            {
                Array.Clear(D, 0, n); // all background (the common line of a sparse mask)
                return;
            }
            var k = -1;
            for (var q = 0; q < n; q++)
            {
                var fq = F[q];
                if (double.IsPositiveInfinity(fq)) continue;
                if (k < 0)
                {
                    k = 0; _v[0] = q; _z[0] = double.NegativeInfinity; _z[1] = double.PositiveInfinity;
                    continue;
                }
                double s;
                while (true)
                {
                    // Where the parabola from q overtakes the one from the envelope's last vertex.
                    var p = _v[k];
                    s = (fq + w * q * q - (F[p] + w * p * p)) / (2 * w * (q - p));
                    if (s > _z[k]) break;
                    k--; // z[0] = −∞, so k never drops below 0 here
                }
                k++;
                _v[k] = q; _z[k] = s; _z[k + 1] = double.PositiveInfinity;
            }
            if (k < 0)
            {
                Array.Fill(D, double.PositiveInfinity, 0, n);
                return;
            }
            k = 0;
            for (var q = 0; q < n; q++)
            {
                while (_z[k + 1] < q) k++;
                var d = q - _v[k];
                D[q] = w * d * d + F[_v[k]];
            }
        }
    }
}

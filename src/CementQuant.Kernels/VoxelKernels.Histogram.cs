using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CementQuant.Kernels;

public static partial class VoxelKernels
{
    /// <summary>
    /// Adds to <paramref name="counts"/>[v − <paramref name="min"/>] one per value v in
    /// [min, min + counts.Length), optionally only where <paramref name="mask"/> is non-zero (an empty
    /// mask counts every voxel); returns how many voxels were counted. A scatter-increment has no vector
    /// form, so the fast path spreads consecutive values over four private tables instead: equal
    /// neighbours (air, bone plateaus) then do not wait on one counter's store.
    /// </summary>
    public static long Histogram(ReadOnlySpan<short> values, ReadOnlySpan<byte> mask, Span<long> counts, short min)
    {
        CheckHistogram(values, mask, counts, min);
        var bins = counts.Length;
        if (bins == 0 || values.IsEmpty) return 0;
        var tables = ArrayPool<int>.Shared.Rent(4 * bins);
        long counted = 0;
        try
        {
            var t = tables.AsSpan(0, 4 * bins);
            // Blocks of ≤ 2^30 values keep the int tables from overflowing.
            for (var start = 0; start < values.Length; start += 1 << 30)
            {
                t.Clear();
                var v = values.Slice(start, Math.Min(1 << 30, values.Length - start));
                var m = mask.IsEmpty ? mask : mask.Slice(start, v.Length);
                ref var table = ref MemoryMarshal.GetReference(t);
                var i = 0;
                if (m.IsEmpty)
                    for (; i + 4 <= v.Length; i += 4)
                    {
                        Bump(ref table, v[i] - min, bins, 0);
                        Bump(ref table, v[i + 1] - min, bins, bins);
                        Bump(ref table, v[i + 2] - min, bins, 2 * bins);
                        Bump(ref table, v[i + 3] - min, bins, 3 * bins);
                    }
                else
                    for (; i + 4 <= v.Length; i += 4)
                    {
                        // A masked-out voxel goes to the out-of-range index −1, which Bump skips.
                        Bump(ref table, m[i] != 0 ? v[i] - min : -1, bins, 0);
                        Bump(ref table, m[i + 1] != 0 ? v[i + 1] - min : -1, bins, bins);
                        Bump(ref table, m[i + 2] != 0 ? v[i + 2] - min : -1, bins, 2 * bins);
                        Bump(ref table, m[i + 3] != 0 ? v[i + 3] - min : -1, bins, 3 * bins);
                    }
                for (; i < v.Length; i++)
                    if (m.IsEmpty || m[i] != 0) Bump(ref table, v[i] - min, bins, 0);
                for (var b = 0; b < bins; b++)
                {
                    long c = (long)t[b] + t[bins + b] + t[2 * bins + b] + t[3 * bins + b];
                    counts[b] += c;
                    counted += c;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(tables);
        }
        return counted;
    }

    /// <summary>Scalar reference of <see cref="Histogram"/>.</summary>
    public static long HistogramScalar(ReadOnlySpan<short> values, ReadOnlySpan<byte> mask, Span<long> counts, short min)
    {
        CheckHistogram(values, mask, counts, min);
        long counted = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (!mask.IsEmpty && mask[i] == 0) continue;
            var b = values[i] - min;
            if (b < 0 || b >= counts.Length) continue;
            counts[b]++;
            counted++;
        }
        return counted;
    }

    private static void Bump(ref int table, int bin, int bins, int offset)
    {
        if ((uint)bin < (uint)bins) Unsafe.Add(ref table, offset + bin)++;
    }

    private static void CheckHistogram(ReadOnlySpan<short> values, ReadOnlySpan<byte> mask, Span<long> counts, short min)
    {
        if (!mask.IsEmpty && mask.Length != values.Length) throw new ArgumentException("mask must be empty or as long as values", nameof(mask));
        if (counts.Length > short.MaxValue - min + 1) throw new ArgumentException("bins reach past the int16 range", nameof(counts));
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CementQuant.Kernels;

/// <summary>
/// Stored DICOM samples to Hounsfield units in one pass: take the low <c>bitsStored</c> bits (masking
/// overlay or garbage bits above them), sign-extend when the storage is signed, apply the rescale, and
/// saturate to the int16 range.
/// </summary>
public static partial class VoxelKernels
{
    /// <summary>Integer rescale (RescaleSlope 1, integral intercept): exact, vectorised.</summary>
    public static void RescaleToHu(ReadOnlySpan<ushort> stored, Span<short> hu, int bitsStored, bool signed, int intercept)
    {
        if (hu.Length < stored.Length) throw new ArgumentException("destination shorter than source", nameof(hu));
        if (bitsStored is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(bitsStored));
        var i = 0;
        // Lanes: 16-bit stored values widened to two int32 vectors (lower and upper halves), so the
        // shift pair (left by 32−bits, right arithmetic/logical by 32−bits) extracts the stored bits with
        // or without sign, the intercept is added without overflow, and the clamp + narrow saturates.
        if (Vector256.IsHardwareAccelerated && stored.Length >= Vector256<ushort>.Count)
            i = RescaleVector256(stored, hu, bitsStored, signed, intercept);
        else if (Vector128.IsHardwareAccelerated && stored.Length >= Vector128<ushort>.Count)
            i = RescaleVector128(stored, hu, bitsStored, signed, intercept);
        RescaleToHuScalar(stored[i..], hu[i..], bitsStored, signed, intercept);
    }

    /// <summary>Scalar reference of <see cref="RescaleToHu(ReadOnlySpan{ushort}, Span{short}, int, bool, int)"/>.</summary>
    public static void RescaleToHuScalar(ReadOnlySpan<ushort> stored, Span<short> hu, int bitsStored, bool signed, int intercept)
    {
        var shift = 32 - bitsStored;
        for (var i = 0; i < stored.Length; i++)
        {
            var v = signed ? ((int)stored[i] << shift) >> shift : (int)((uint)stored[i] << shift >> shift);
            hu[i] = Saturate(v + (long)intercept);
        }
    }

    /// <summary>General rescale (any slope): value·slope + intercept rounded half away from zero. Scalar; rare in CT.</summary>
    public static void RescaleToHu(ReadOnlySpan<ushort> stored, Span<short> hu, int bitsStored, bool signed, double slope, double intercept)
    {
        if (slope == 1 && intercept == Math.Floor(intercept) && Math.Abs(intercept) < int.MaxValue / 2)
        {
            RescaleToHu(stored, hu, bitsStored, signed, (int)intercept);
            return;
        }
        if (hu.Length < stored.Length) throw new ArgumentException("destination shorter than source", nameof(hu));
        var shift = 32 - bitsStored;
        for (var i = 0; i < stored.Length; i++)
        {
            var v = signed ? ((int)stored[i] << shift) >> shift : (int)((uint)stored[i] << shift >> shift);
            hu[i] = Saturate(Math.Round(v * slope + intercept, MidpointRounding.AwayFromZero));
        }
    }

    /// <summary>8-bit stored samples (rare for CT, common for radiographs) with any rescale.</summary>
    public static void RescaleToHu(ReadOnlySpan<byte> stored, Span<short> hu, int bitsStored, bool signed, double slope, double intercept)
    {
        if (hu.Length < stored.Length) throw new ArgumentException("destination shorter than source", nameof(hu));
        var shift = 32 - bitsStored;
        for (var i = 0; i < stored.Length; i++)
        {
            var v = signed ? ((int)stored[i] << shift) >> shift : (int)((uint)stored[i] << shift >> shift);
            hu[i] = Saturate(Math.Round(v * slope + intercept, MidpointRounding.AwayFromZero));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static short Saturate(long v) => (short)Math.Clamp(v, short.MinValue, short.MaxValue);

    private static short Saturate(double v) => (short)Math.Clamp(v, short.MinValue, short.MaxValue);

    private static int RescaleVector256(ReadOnlySpan<ushort> stored, Span<short> hu, int bitsStored, bool signed, int intercept)
    {
        var shift = 32 - bitsStored;
        var add = Vector256.Create(Math.Clamp(intercept, -(1 << 20), 1 << 20)); // beyond ±2^20 every result saturates anyway
        var lo = Vector256.Create((int)short.MinValue);
        var hi = Vector256.Create((int)short.MaxValue);
        ref var src = ref MemoryMarshal.GetReference(stored);
        ref var dst = ref Unsafe.As<short, ushort>(ref MemoryMarshal.GetReference(hu));
        var n = stored.Length - Vector256<ushort>.Count;
        var i = 0;
        for (; i <= n; i += Vector256<ushort>.Count)
        {
            var v = Vector256.LoadUnsafe(ref src, (nuint)i);
            var (a, b) = Vector256.Widen(v);
            var ia = (a << shift).AsInt32();
            var ib = (b << shift).AsInt32();
            ia = signed ? ia >> shift : (ia.AsUInt32() >>> shift).AsInt32();
            ib = signed ? ib >> shift : (ib.AsUInt32() >>> shift).AsInt32();
            ia = Vector256.Min(Vector256.Max(ia + add, lo), hi);
            ib = Vector256.Min(Vector256.Max(ib + add, lo), hi);
            Vector256.Narrow(ia, ib).AsUInt16().StoreUnsafe(ref dst, (nuint)i);
        }
        return i;
    }

    private static int RescaleVector128(ReadOnlySpan<ushort> stored, Span<short> hu, int bitsStored, bool signed, int intercept)
    {
        var shift = 32 - bitsStored;
        var add = Vector128.Create(Math.Clamp(intercept, -(1 << 20), 1 << 20));
        var lo = Vector128.Create((int)short.MinValue);
        var hi = Vector128.Create((int)short.MaxValue);
        ref var src = ref MemoryMarshal.GetReference(stored);
        ref var dst = ref Unsafe.As<short, ushort>(ref MemoryMarshal.GetReference(hu));
        var n = stored.Length - Vector128<ushort>.Count;
        var i = 0;
        for (; i <= n; i += Vector128<ushort>.Count)
        {
            var v = Vector128.LoadUnsafe(ref src, (nuint)i);
            var (a, b) = Vector128.Widen(v);
            var ia = (a << shift).AsInt32();
            var ib = (b << shift).AsInt32();
            ia = signed ? ia >> shift : (ia.AsUInt32() >>> shift).AsInt32();
            ib = signed ? ib >> shift : (ib.AsUInt32() >>> shift).AsInt32();
            ia = Vector128.Min(Vector128.Max(ia + add, lo), hi);
            ib = Vector128.Min(Vector128.Max(ib + add, lo), hi);
            Vector128.Narrow(ia, ib).AsUInt16().StoreUnsafe(ref dst, (nuint)i);
        }
        return i;
    }
}

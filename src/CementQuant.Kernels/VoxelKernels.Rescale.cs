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
        if (Simd512.IsAccelerated && stored.Length >= Vector512<ushort>.Count)
            i = RescaleVectors<Simd512, Vector512<byte>, Vector512<short>, Vector512<int>>(stored, hu, bitsStored, signed, intercept);
        else if (Simd256.IsAccelerated && stored.Length >= Vector256<ushort>.Count)
            i = RescaleVectors<Simd256, Vector256<byte>, Vector256<short>, Vector256<int>>(stored, hu, bitsStored, signed, intercept);
        else if (Simd128.IsAccelerated && stored.Length >= Vector128<ushort>.Count)
            i = RescaleVectors<Simd128, Vector128<byte>, Vector128<short>, Vector128<int>>(stored, hu, bitsStored, signed, intercept);
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

    private static int RescaleVectors<W, TB, TS, TI>(ReadOnlySpan<ushort> stored, Span<short> hu, int bitsStored, bool signed, int intercept)
        where W : ISimd<TB, TS, TI> where TB : struct where TS : struct where TI : struct
    {
        var shift = 32 - bitsStored;
        var add = W.SplatI(Math.Clamp(intercept, -(1 << 20), 1 << 20)); // beyond ±2^20 every result saturates anyway
        var lo = W.SplatI(short.MinValue);
        var hi = W.SplatI(short.MaxValue);
        ref var src = ref Unsafe.As<ushort, short>(ref MemoryMarshal.GetReference(stored));
        ref var dst = ref MemoryMarshal.GetReference(hu);
        var lanes = W.Bytes / 2;
        var i = 0;
        for (; i <= stored.Length - lanes; i += lanes)
        {
            var (a, b) = W.WidenU(W.LoadS(ref src, (nuint)i));
            a = W.ShiftLeftI(a, shift);
            b = W.ShiftLeftI(b, shift);
            a = signed ? W.ShiftRightArithmeticI(a, shift) : W.ShiftRightLogicalI(a, shift);
            b = signed ? W.ShiftRightArithmeticI(b, shift) : W.ShiftRightLogicalI(b, shift);
            W.StoreS(W.NarrowI(W.ClampI(W.AddI(a, add), lo, hi), W.ClampI(W.AddI(b, add), lo, hi)), ref dst, (nuint)i);
        }
        return i;
    }
}

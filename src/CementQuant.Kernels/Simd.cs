using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CementQuant.Kernels;

/// <summary>
/// One vector width's operations, so each kernel's vector loop is written once and instantiated for
/// <see cref="Vector512"/>, <see cref="Vector256"/> and <see cref="Vector128"/> (the JIT compiles a generic
/// method separately for each struct type argument and inlines these calls to the plain intrinsics, as
/// TensorPrimitives' operator structs do). Lanes: <typeparamref name="TB"/> holds <see cref="Bytes"/> bytes,
/// <typeparamref name="TS"/> half as many int16, <typeparamref name="TI"/> a quarter as many int32.
/// Comparisons return all-ones lanes for true, zero for false.
/// </summary>
internal interface ISimd<TB, TS, TI> where TB : struct where TS : struct where TI : struct
{
    static abstract bool IsAccelerated { get; }
    static abstract int Bytes { get; }

    static abstract TB Load(ref byte p, nuint at);
    static abstract void Store(TB v, ref byte p, nuint at);
    static abstract TB Splat(byte b);
    static abstract TB Min(TB a, TB b);
    static abstract TB Max(TB a, TB b);
    static abstract TB And(TB a, TB b);
    static abstract TB Xor(TB a, TB b);
    static abstract TB Equal(TB a, TB b);
    /// <summary>0 stays 0, anything else becomes 1.</summary>
    static abstract TB ToBit(TB v);
    /// <summary>Number of lanes whose top bit is set (lanes of a comparison result that are true).</summary>
    static abstract int CountTrue(TB v);

    static abstract TS LoadS(ref short p, nuint at);
    static abstract void StoreS(TS v, ref short p, nuint at);
    static abstract TS SplatS(short s);
    static abstract TS MaxS(TS a, TS b);
    /// <summary>lo ≤ v ≤ hi per lane, as all-ones / zero int16 lanes.</summary>
    static abstract TS InRangeS(TS v, TS lo, TS hi);
    /// <summary>Two int16 vectors narrowed to one byte vector (low byte of each lane, a first).</summary>
    static abstract TB NarrowS(TS a, TS b);
    /// <summary>The byte vector widened to two int16 vectors (lower lanes, upper lanes), zero-extended.</summary>
    static abstract (TS Lower, TS Upper) WidenB(TB v);
    static abstract TS AndS(TS a, TS b);

    static abstract TI ZeroI { get; }
    static abstract TI SplatI(int i);
    /// <summary>The int16 lanes read as uint16 and zero-extended to two int32 vectors (lower lanes, upper lanes).</summary>
    static abstract (TI Lower, TI Upper) WidenU(TS v);
    static abstract TI ShiftLeftI(TI v, int bits);
    static abstract TI ShiftRightArithmeticI(TI v, int bits);
    static abstract TI ShiftRightLogicalI(TI v, int bits);
    static abstract TI AddI(TI a, TI b);
    static abstract TI ClampI(TI v, TI lo, TI hi);
    /// <summary>Two int32 vectors narrowed to one int16 vector (low 16 bits of each lane, a first).</summary>
    static abstract TS NarrowI(TI a, TI b);
    /// <summary>The int16 lanes widened to int32 and added into the accumulator (two lanes per accumulator lane), exact.</summary>
    static abstract TI Accumulate(TI acc, TS v);
    static abstract long SumI(TI v);
}

internal readonly struct Simd128 : ISimd<Vector128<byte>, Vector128<short>, Vector128<int>>
{
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;
    public static int Bytes => Vector128<byte>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Load(ref byte p, nuint at) => Vector128.LoadUnsafe(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<byte> v, ref byte p, nuint at) => v.StoreUnsafe(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Splat(byte b) => Vector128.Create(b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Min(Vector128<byte> a, Vector128<byte> b) => Vector128.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Max(Vector128<byte> a, Vector128<byte> b) => Vector128.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> And(Vector128<byte> a, Vector128<byte> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Xor(Vector128<byte> a, Vector128<byte> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Equal(Vector128<byte> a, Vector128<byte> b) => Vector128.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> ToBit(Vector128<byte> v) => Vector128.Min(v, Vector128<byte>.One);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int CountTrue(Vector128<byte> v) => BitOperations.PopCount(v.ExtractMostSignificantBits());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<short> LoadS(ref short p, nuint at) => Vector128.LoadUnsafe(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreS(Vector128<short> v, ref short p, nuint at) => v.StoreUnsafe(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<short> SplatS(short s) => Vector128.Create(s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<short> MaxS(Vector128<short> a, Vector128<short> b) => Vector128.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<short> InRangeS(Vector128<short> v, Vector128<short> lo, Vector128<short> hi) => Vector128.GreaterThanOrEqual(v, lo) & Vector128.LessThanOrEqual(v, hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> NarrowS(Vector128<short> a, Vector128<short> b) => Vector128.Narrow(a.AsUInt16(), b.AsUInt16());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static (Vector128<short>, Vector128<short>) WidenB(Vector128<byte> v) { var (l, u) = Vector128.Widen(v); return (l.AsInt16(), u.AsInt16()); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<short> AndS(Vector128<short> a, Vector128<short> b) => a & b;
    public static Vector128<int> ZeroI => Vector128<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> SplatI(int i) => Vector128.Create(i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static (Vector128<int>, Vector128<int>) WidenU(Vector128<short> v) { var (l, u) = Vector128.Widen(v.AsUInt16()); return (l.AsInt32(), u.AsInt32()); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> ShiftLeftI(Vector128<int> v, int bits) => v << bits;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> ShiftRightArithmeticI(Vector128<int> v, int bits) => v >> bits;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> ShiftRightLogicalI(Vector128<int> v, int bits) => v >>> bits;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> AddI(Vector128<int> a, Vector128<int> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> ClampI(Vector128<int> v, Vector128<int> lo, Vector128<int> hi) => Vector128.Min(Vector128.Max(v, lo), hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<short> NarrowI(Vector128<int> a, Vector128<int> b) => Vector128.Narrow(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Accumulate(Vector128<int> acc, Vector128<short> v) { var (l, u) = Vector128.Widen(v); return acc + l + u; }
    public static long SumI(Vector128<int> v) { long s = 0; for (var i = 0; i < Vector128<int>.Count; i++) s += v[i]; return s; }
}

internal readonly struct Simd256 : ISimd<Vector256<byte>, Vector256<short>, Vector256<int>>
{
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;
    public static int Bytes => Vector256<byte>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Load(ref byte p, nuint at) => Vector256.LoadUnsafe(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<byte> v, ref byte p, nuint at) => v.StoreUnsafe(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Splat(byte b) => Vector256.Create(b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Min(Vector256<byte> a, Vector256<byte> b) => Vector256.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Max(Vector256<byte> a, Vector256<byte> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> And(Vector256<byte> a, Vector256<byte> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Xor(Vector256<byte> a, Vector256<byte> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Equal(Vector256<byte> a, Vector256<byte> b) => Vector256.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> ToBit(Vector256<byte> v) => Vector256.Min(v, Vector256<byte>.One);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int CountTrue(Vector256<byte> v) => BitOperations.PopCount(v.ExtractMostSignificantBits());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<short> LoadS(ref short p, nuint at) => Vector256.LoadUnsafe(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreS(Vector256<short> v, ref short p, nuint at) => v.StoreUnsafe(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<short> SplatS(short s) => Vector256.Create(s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<short> MaxS(Vector256<short> a, Vector256<short> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<short> InRangeS(Vector256<short> v, Vector256<short> lo, Vector256<short> hi) => Vector256.GreaterThanOrEqual(v, lo) & Vector256.LessThanOrEqual(v, hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> NarrowS(Vector256<short> a, Vector256<short> b) => Vector256.Narrow(a.AsUInt16(), b.AsUInt16());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static (Vector256<short>, Vector256<short>) WidenB(Vector256<byte> v) { var (l, u) = Vector256.Widen(v); return (l.AsInt16(), u.AsInt16()); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<short> AndS(Vector256<short> a, Vector256<short> b) => a & b;
    public static Vector256<int> ZeroI => Vector256<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> SplatI(int i) => Vector256.Create(i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static (Vector256<int>, Vector256<int>) WidenU(Vector256<short> v) { var (l, u) = Vector256.Widen(v.AsUInt16()); return (l.AsInt32(), u.AsInt32()); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> ShiftLeftI(Vector256<int> v, int bits) => v << bits;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> ShiftRightArithmeticI(Vector256<int> v, int bits) => v >> bits;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> ShiftRightLogicalI(Vector256<int> v, int bits) => v >>> bits;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> AddI(Vector256<int> a, Vector256<int> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> ClampI(Vector256<int> v, Vector256<int> lo, Vector256<int> hi) => Vector256.Min(Vector256.Max(v, lo), hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<short> NarrowI(Vector256<int> a, Vector256<int> b) => Vector256.Narrow(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Accumulate(Vector256<int> acc, Vector256<short> v) { var (l, u) = Vector256.Widen(v); return acc + l + u; }
    public static long SumI(Vector256<int> v) { long s = 0; for (var i = 0; i < Vector256<int>.Count; i++) s += v[i]; return s; }
}

internal readonly struct Simd512 : ISimd<Vector512<byte>, Vector512<short>, Vector512<int>>
{
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;
    public static int Bytes => Vector512<byte>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<byte> Load(ref byte p, nuint at) => Vector512.LoadUnsafe(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<byte> v, ref byte p, nuint at) => v.StoreUnsafe(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<byte> Splat(byte b) => Vector512.Create(b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<byte> Min(Vector512<byte> a, Vector512<byte> b) => Vector512.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<byte> Max(Vector512<byte> a, Vector512<byte> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<byte> And(Vector512<byte> a, Vector512<byte> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<byte> Xor(Vector512<byte> a, Vector512<byte> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<byte> Equal(Vector512<byte> a, Vector512<byte> b) => Vector512.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<byte> ToBit(Vector512<byte> v) => Vector512.Min(v, Vector512<byte>.One);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int CountTrue(Vector512<byte> v) => BitOperations.PopCount(v.ExtractMostSignificantBits());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<short> LoadS(ref short p, nuint at) => Vector512.LoadUnsafe(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreS(Vector512<short> v, ref short p, nuint at) => v.StoreUnsafe(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<short> SplatS(short s) => Vector512.Create(s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<short> MaxS(Vector512<short> a, Vector512<short> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<short> InRangeS(Vector512<short> v, Vector512<short> lo, Vector512<short> hi) => Vector512.GreaterThanOrEqual(v, lo) & Vector512.LessThanOrEqual(v, hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<byte> NarrowS(Vector512<short> a, Vector512<short> b) => Vector512.Narrow(a.AsUInt16(), b.AsUInt16());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static (Vector512<short>, Vector512<short>) WidenB(Vector512<byte> v) { var (l, u) = Vector512.Widen(v); return (l.AsInt16(), u.AsInt16()); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<short> AndS(Vector512<short> a, Vector512<short> b) => a & b;
    public static Vector512<int> ZeroI => Vector512<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> SplatI(int i) => Vector512.Create(i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static (Vector512<int>, Vector512<int>) WidenU(Vector512<short> v) { var (l, u) = Vector512.Widen(v.AsUInt16()); return (l.AsInt32(), u.AsInt32()); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> ShiftLeftI(Vector512<int> v, int bits) => v << bits;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> ShiftRightArithmeticI(Vector512<int> v, int bits) => v >> bits;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> ShiftRightLogicalI(Vector512<int> v, int bits) => v >>> bits;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> AddI(Vector512<int> a, Vector512<int> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> ClampI(Vector512<int> v, Vector512<int> lo, Vector512<int> hi) => Vector512.Min(Vector512.Max(v, lo), hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<short> NarrowI(Vector512<int> a, Vector512<int> b) => Vector512.Narrow(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Accumulate(Vector512<int> acc, Vector512<short> v) { var (l, u) = Vector512.Widen(v); return acc + l + u; }
    public static long SumI(Vector512<int> v) { long s = 0; for (var i = 0; i < Vector512<int>.Count; i++) s += v[i]; return s; }
}

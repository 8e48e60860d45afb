using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CementQuant.Dicom.Codecs;

/// <summary>One of the 365 regular-mode contexts (T.87 A.2.1): error magnitude sum A, bias B, correction C, count N.</summary>
internal struct JpegLsRegularContext
{
    public int A, B, C, N;
}

/// <summary>One of the two run-interruption contexts (T.87 A.7.2): A, N and Nn (count of negative errors).</summary>
internal struct JpegLsRunContext
{
    public int A, N, Nn;
}

/// <summary>Where and how a scan's decoded lines go into the native little-endian frame.</summary>
internal readonly record struct JpegLsOutput(int Width, int Height, int Components, int BytesPerSample);

/// <summary>
/// Decodes the entropy-coded data of one JPEG-LS scan (T.87 Annex A): context modelling, regular mode
/// with bias correction, run mode with run interruption, restart intervals; for NEAR = 0 and NEAR &gt; 0
/// and the three interleave modes. Lines are decoded into int buffers with one guard sample either side
/// and written straight into the frame.
/// </summary>
internal ref struct JpegLsScanDecoder
{
    /// <summary>J[RUNindex]: the order of the run-length code (T.87 A.7.1.1).</summary>
    private static ReadOnlySpan<byte> J => [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    /// <summary>A Golomb parameter above this cannot come from a valid stream (|Errval| ≤ RANGE/2 ≤ 2^15).</summary>
    private const int MaxK = 16;

    /// <summary>A context sum above this means corrupt data (and keeps A + |Errval| inside int).</summary>
    private const int MaxA = 1 << 30;

    private JpegLsBitReader _bits;
    private readonly int _width;
    private readonly int _near;
    private readonly int _step;     // 2·NEAR + 1
    private readonly int _maxVal;
    private readonly int _range;
    private readonly int _qbpp;
    private readonly int _limit;
    private readonly int _reset;
    private readonly int _initialA;
    private readonly ReadOnlySpan<sbyte> _quantize; // Q(d) at index d + MAXVAL, d in −MAXVAL..MAXVAL
    private readonly Span<JpegLsRegularContext> _contexts;
    private readonly Span<JpegLsRunContext> _runContexts;

    public JpegLsScanDecoder(ReadOnlySpan<byte> data, int start, int width, int near, JpegLsParameters p)
    {
        _bits = new JpegLsBitReader(data, start);
        _width = width;
        _near = near;
        _step = 2 * near + 1;
        _maxVal = p.MaxVal;
        _range = (p.MaxVal + 2 * near) / _step + 1;
        _qbpp = CeilLog2(_range);
        var bpp = Math.Max(2, CeilLog2(p.MaxVal + 1));
        _limit = 2 * (bpp + Math.Max(8, bpp));
        _reset = p.Reset;
        _initialA = Math.Max(2, (_range + 32) / 64);
        _quantize = QuantizationTable.Get(p.MaxVal, p.T1, p.T2, p.T3, near);
        _contexts = new JpegLsRegularContext[365];
        _runContexts = new JpegLsRunContext[2];
        ResetContexts();
    }

    private static int CeilLog2(int value)
    {
        var n = 0;
        while ((1L << n) < value) n++;
        return n;
    }

    /// <summary>T.87 A.2.1 initialisation, at the start of the scan and after every restart marker.</summary>
    private readonly void ResetContexts()
    {
        for (var i = 0; i < _contexts.Length; i++) _contexts[i] = new JpegLsRegularContext { A = _initialA, B = 0, C = 0, N = 1 };
        for (var i = 0; i < _runContexts.Length; i++) _runContexts[i] = new JpegLsRunContext { A = _initialA, N = 1, Nn = 0 };
    }

    /// <summary>
    /// Decodes the scan's lines of the given frame components into <paramref name="destination"/>; returns
    /// the byte index of the marker after the scan (or the data length).
    /// </summary>
    /// <param name="components">Frame component indices coded in this scan, in scan order.</param>
    /// <param name="interleave">ILV: 0 none (one component), 1 line, 2 sample.</param>
    /// <param name="restartInterval">Lines per restart interval, 0 for none.</param>
    public int Decode(scoped ReadOnlySpan<int> components, int interleave, int restartInterval, JpegLsOutput output, scoped Span<byte> destination)
    {
        var n = components.Length;
        var stride = _width + 2;
        var size = n * stride;
        var rented = ArrayPool<int>.Shared.Rent(2 * size);
        try
        {
            var lines = rented.AsSpan(0, 2 * size);
            lines.Clear();
            Span<int> runIndex = stackalloc int[n];
            runIndex.Clear();
            var restartIndex = 0;
            var sinceRestart = 0;
            for (var row = 0; row < output.Height; row++)
            {
                if (restartInterval > 0 && sinceRestart == restartInterval)
                {
                    _bits.ReadRestartMarker(restartIndex);
                    restartIndex = (restartIndex + 1) & 7;
                    sinceRestart = 0;
                    ResetContexts();
                    runIndex.Clear();
                    lines.Clear();
                }
                sinceRestart++;
                var prev = (row & 1) == 0 ? lines[..size] : lines[size..];
                var cur = (row & 1) == 0 ? lines[size..] : lines[..size];
                if (interleave == 2 && n > 1)
                {
                    DecodeSampleInterleavedLine(prev, cur, n, ref runIndex[0]);
                    for (var c = 0; c < n; c++) WriteLine(cur.Slice(c * stride + 1, _width), output, row, components[c], destination);
                }
                else
                {
                    for (var c = 0; c < n; c++)
                    {
                        var current = cur.Slice(c * stride, stride);
                        DecodeLine(prev.Slice(c * stride, stride), current, ref runIndex[c]);
                        WriteLine(current.Slice(1, _width), output, row, components[c], destination);
                    }
                }
                if (_bits.Overrun)
                    throw new InvalidDataException($"JPEG-LS scan data ends before the image is complete (in line {row + 1} of {output.Height})");
            }
            return _bits.FindNextMarker();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>Writes one decoded line of one component: BytesPerSample little-endian bytes per sample, components interleaved.</summary>
    private static void WriteLine(ReadOnlySpan<int> line, JpegLsOutput output, int row, int component, Span<byte> destination)
    {
        var bps = output.BytesPerSample;
        var nc = output.Components;
        var start = ((row * output.Width * nc) + component) * bps;
        var stride = nc * bps;
        var dst = destination.Slice(start, ((line.Length - 1) * nc + 1) * bps);
        switch (bps)
        {
            case 1:
                for (var i = 0; i < line.Length; i++) dst[i * stride] = (byte)line[i];
                break;
            case 2 when nc == 1 && BitConverter.IsLittleEndian:
                var words = MemoryMarshal.Cast<byte, ushort>(dst);
                for (var i = 0; i < line.Length; i++) words[i] = (ushort)line[i];
                break;
            case 2:
                for (var i = 0; i < line.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(dst[(i * stride)..], (ushort)line[i]);
                break;
            default:
                for (var i = 0; i < line.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(dst[(i * stride)..], (uint)line[i]);
                break;
        }
    }

    /// <summary>
    /// Decodes one line of one component. <paramref name="prev"/> and <paramref name="cur"/> hold Width + 2
    /// samples: index 0 and Width + 1 are the edge samples of T.87 A.2.1 (Ra of the first sample is Rb above
    /// it; Rd of the last is its Rb; Rc of the first is the previous line's Ra).
    /// </summary>
    private void DecodeLine(Span<int> prev, Span<int> cur, ref int runIndex)
    {
        var w = _width;
        prev[w + 1] = prev[w];
        cur[0] = prev[1];
        var quantize = _quantize;
        var maxVal = _maxVal;
        var x = 1;
        while (x <= w)
        {
            var ra = cur[x - 1];
            var rb = prev[x];
            var rc = prev[x - 1];
            var rd = prev[x + 1];
            int q1 = quantize[rd - rb + maxVal], q2 = quantize[rb - rc + maxVal], q3 = quantize[rc - ra + maxVal];
            if ((q1 | q2 | q3) == 0)
            {
                x = DecodeRun(prev, cur, x, ref runIndex);
            }
            else
            {
                cur[x] = DecodeRegular((q1 * 9 + q2) * 9 + q3, Predict(ra, rb, rc));
                x++;
            }
        }
    }

    /// <summary>Sample-interleaved line (ILV 2): each pixel codes all components; run mode only when every component's gradients are flat.</summary>
    private void DecodeSampleInterleavedLine(Span<int> prev, Span<int> cur, int n, ref int runIndex)
    {
        var w = _width;
        var stride = w + 2;
        for (var c = 0; c < n; c++)
        {
            prev[c * stride + w + 1] = prev[c * stride + w];
            cur[c * stride] = prev[c * stride + 1];
        }
        Span<int> qs = stackalloc int[n];
        var maxVal = _maxVal;
        var x = 1;
        while (x <= w)
        {
            var flat = true;
            for (var c = 0; c < n; c++)
            {
                var o = c * stride + x;
                int ra = cur[o - 1], rb = prev[o], rc = prev[o - 1], rd = prev[o + 1];
                qs[c] = (_quantize[rd - rb + maxVal] * 9 + _quantize[rb - rc + maxVal]) * 9 + _quantize[rc - ra + maxVal];
                if (qs[c] != 0) flat = false;
            }
            if (flat)
            {
                x = DecodeSampleInterleavedRun(prev, cur, n, x, ref runIndex);
                continue;
            }
            for (var c = 0; c < n; c++)
            {
                var o = c * stride + x;
                cur[o] = DecodeRegular(qs[c], Predict(cur[o - 1], prev[o], prev[o - 1]));
            }
            x++;
        }
    }

    /// <summary>
    /// The smallest k with N·2^k ≥ A (T.87 code segment A.10) without a loop: with a = ⌊log2 A⌋ and
    /// n = ⌊log2 N⌋, N·2^(a−n−1) &lt; 2^a ≤ A ≤ N·2^(a−n+1), so k is max(0, a − n) or one more.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int GolombParameter(int n, int a)
    {
        var k = Math.Max(0, BitOperations.Log2((uint)a) - BitOperations.Log2((uint)n));
        if ((n << k) < a) k++;
        if (k > MaxK) ThrowBadContext();
        return k;
    }

    /// <summary>Median edge detector (T.87 A.4.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Predict(int ra, int rb, int rc)
    {
        int min, max;
        if (ra < rb) { min = ra; max = rb; } else { min = rb; max = ra; }
        if (rc >= max) return min;
        if (rc <= min) return max;
        return ra + rb - rc;
    }

    /// <summary>Regular mode (T.87 A.4–A.6) for context id <paramref name="qs"/> = 81·Q1 + 9·Q2 + Q3, sign folded here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int DecodeRegular(int qs, int predicted)
    {
        var sign = qs >> 31;                 // 0 or −1
        ref var ctx = ref _contexts[(qs ^ sign) - sign];
        var px = predicted + ((ctx.C ^ sign) - sign);
        if ((uint)px > (uint)_maxVal) px = px < 0 ? 0 : _maxVal;

        var k = GolombParameter(ctx.N, ctx.A);
        var mapped = _bits.DecodeGolomb(k, _limit, _qbpp);
        var error = (mapped >> 1) ^ -(mapped & 1);
        // Lossless k = 0 codes the negated value when the context is biased negative (T.87 A.5.2, code segment A.11).
        if (k == 0 && _near == 0 && 2 * ctx.B + ctx.N - 1 < 0) error = ~error;

        UpdateContext(ref ctx, error);
        return Reconstruct(px, (error ^ sign) - sign);
    }

    /// <summary>T.87 A.6: update A, B, N (halving at RESET), then the bias correction C (code segments A.12, A.13).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void UpdateContext(ref JpegLsRegularContext ctx, int error)
    {
        var a = ctx.A + ((error ^ (error >> 31)) - (error >> 31)); // |error|; |error| < 2^23 here
        var b = ctx.B + error * _step;
        var n = ctx.N;
        if (a > MaxA) ThrowBadContext();
        if (n == _reset) { a >>= 1; b >>= 1; n >>= 1; }
        n++;
        ctx.A = a;
        ctx.N = n;
        if (b + n <= 0)
        {
            b += n;
            if (b <= -n) b = -n + 1;
            if (ctx.C > -128) ctx.C--;
        }
        else if (b > 0)
        {
            b -= n;
            if (b > 0) b = 0;
            if (ctx.C < 127) ctx.C++;
        }
        ctx.B = b;
    }

    /// <summary>Rx from the prediction and the (quantised) error, with the modular wrap and clamp of T.87 A.4.4 / Annex F.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly int Reconstruct(int px, int error)
    {
        var rx = px + error * _step;
        if (rx < -_near) rx += _range * _step;
        else if (rx > _maxVal + _near) rx -= _range * _step;
        if ((uint)rx > (uint)_maxVal) rx = rx < 0 ? 0 : _maxVal;
        return rx;
    }

    /// <summary>
    /// Run length (T.87 A.7.1): 1 bits each add a block of 2^J[RUNindex] samples, a 0 bit ends the run
    /// with J[RUNindex] bits of remainder; reaching the end of the line ends it without the 0 bit.
    /// Returns the number of samples of the run, at most <paramref name="remaining"/>.
    /// </summary>
    private int DecodeRunLength(int remaining, ref int runIndex)
    {
        var count = 0;
        while (_bits.ReadBit() == 1)
        {
            var block = 1 << J[runIndex];
            var taken = Math.Min(block, remaining - count);
            count += taken;
            if (taken == block && runIndex < 31) runIndex++;
            if (count == remaining) return count;
        }
        var j = J[runIndex];
        if (j > 0) count += _bits.ReadBits(j);
        if (count > remaining) ThrowRunTooLong(count, remaining);
        return count;
    }

    private int DecodeRun(Span<int> prev, Span<int> cur, int x, ref int runIndex)
    {
        var ra = cur[x - 1];
        var length = DecodeRunLength(_width - x + 1, ref runIndex);
        cur.Slice(x, length).Fill(ra);
        var end = x + length;
        if (end > _width) return end;

        // Run interruption sample (T.87 A.7.2).
        var rb = prev[end];
        if (Math.Abs(ra - rb) <= _near)
        {
            cur[end] = Reconstruct(ra, DecodeRunInterruptionError(1, runIndex));
        }
        else
        {
            var error = DecodeRunInterruptionError(0, runIndex);
            cur[end] = Reconstruct(rb, rb > ra ? error : -error);
        }
        if (runIndex > 0) runIndex--;
        return end + 1;
    }

    /// <summary>
    /// Sample-interleaved run: the run covers all components; an interruption codes each component
    /// with the RItype 0 context predicting from Rb, as CharLS (the reference encoder behind DICOM's
    /// JPEG-LS) does for colour pixels.
    /// </summary>
    private int DecodeSampleInterleavedRun(Span<int> prev, Span<int> cur, int n, int x, ref int runIndex)
    {
        var stride = _width + 2;
        var length = DecodeRunLength(_width - x + 1, ref runIndex);
        for (var c = 0; c < n; c++) cur.Slice(c * stride + x, length).Fill(cur[c * stride + x - 1]);
        var end = x + length;
        if (end > _width) return end;
        for (var c = 0; c < n; c++)
        {
            var ra = cur[c * stride + end - 1];
            var rb = prev[c * stride + end];
            var error = DecodeRunInterruptionError(0, runIndex);
            cur[c * stride + end] = Reconstruct(rb, rb >= ra ? error : -error);
        }
        if (runIndex > 0) runIndex--;
        return end + 1;
    }

    /// <summary>Errval of a run interruption sample and the update of its context (T.87 A.7.2, code segments A.20–A.23).</summary>
    private int DecodeRunInterruptionError(int riType, int runIndex)
    {
        ref var ctx = ref _runContexts[riType];
        var temp = riType == 0 ? ctx.A : ctx.A + (ctx.N >> 1);
        var k = GolombParameter(ctx.N, temp);

        var mapped = _bits.DecodeGolomb(k, _limit - J[runIndex] - 1, _qbpp);
        var t = mapped + riType;
        var map = (t & 1) == 1;
        var magnitude = (t + 1) >> 1;
        var error = (k != 0 || 2 * ctx.Nn >= ctx.N) == map ? -magnitude : magnitude;

        if (error < 0) ctx.Nn++;
        ctx.A += (mapped + 1 - riType) >> 1;
        if (ctx.A > MaxA) ThrowBadContext();
        if (ctx.N == _reset)
        {
            ctx.A >>= 1;
            ctx.N >>= 1;
            ctx.Nn >>= 1;
        }
        ctx.N++;
        return error;
    }

    [DoesNotReturn]
    private static void ThrowRunTooLong(int count, int remaining) =>
        throw new InvalidDataException($"JPEG-LS run of {count} samples is longer than the {remaining} left in the line");

    [DoesNotReturn]
    private static void ThrowBadContext() =>
        throw new InvalidDataException("JPEG-LS context statistics out of range: the scan data is corrupt");

    /// <summary>
    /// Gradient quantisation Q(d) for d in −MAXVAL..MAXVAL (T.87 A.3.3, code segment A.4) as a table;
    /// the last one built is kept, since every frame of a series shares its parameters.
    /// </summary>
    private sealed class QuantizationTable
    {
        private static QuantizationTable? s_last;

        private QuantizationTable(int maxVal, int t1, int t2, int t3, int near)
        {
            MaxVal = maxVal; T1 = t1; T2 = t2; T3 = t3; Near = near;
            Table = new sbyte[2 * maxVal + 1];
            for (var i = 0; i < Table.Length; i++)
            {
                var d = i - maxVal;
                Table[i] = d <= -t3 ? (sbyte)-4 : d <= -t2 ? (sbyte)-3 : d <= -t1 ? (sbyte)-2 : d < -near ? (sbyte)-1
                    : d <= near ? (sbyte)0 : d < t1 ? (sbyte)1 : d < t2 ? (sbyte)2 : d < t3 ? (sbyte)3 : (sbyte)4;
            }
        }

        private int MaxVal { get; }
        private int T1 { get; }
        private int T2 { get; }
        private int T3 { get; }
        private int Near { get; }
        private sbyte[] Table { get; }

        public static ReadOnlySpan<sbyte> Get(int maxVal, int t1, int t2, int t3, int near)
        {
            var last = Volatile.Read(ref s_last);
            if (last is null || last.MaxVal != maxVal || last.T1 != t1 || last.T2 != t2 || last.T3 != t3 || last.Near != near)
            {
                last = new QuantizationTable(maxVal, t1, t2, t3, near);
                Volatile.Write(ref s_last, last);
            }
            return last.Table;
        }
    }
}

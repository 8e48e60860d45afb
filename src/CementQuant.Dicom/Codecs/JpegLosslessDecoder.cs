using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CementQuant.Dicom.Codecs;

/// <summary>
/// JPEG lossless with Huffman coding (ITU-T T.81 Annex H, process 14, SOF3), selection values 1–7,
/// precision 2–16 bits, point transform, restart intervals that start on a line, interleaved or
/// one-component-per-scan colour with all sampling factors 1.
/// </summary>
/// <remarks>
/// Written here rather than taken from JpegLibrary, whose lossless scan decoder keeps samples in
/// <c>short</c> (so predictors 5–7 shift negative values for 16-bit samples above 32767), applies the
/// two-dimensional predictors 2, 3, 6 and 7 on the first line (T.81 H.1.2.1 says Ra), and then
/// hands the samples out as 8×8 blocks through a virtual call per block. Arithmetic is modulo 2^16
/// (T.81 H.1.2.1), like libjpeg, which is what gdcm uses.
/// </remarks>
internal static class JpegLosslessDecoder
{
    private const int MaxComponents = 4;

    public static void Decode(ReadOnlySpan<byte> data, FrameInfo info, Span<byte> destination)
    {
        if (!BitConverter.IsLittleEndian) throw new NotSupportedException("JPEG lossless decoding assumes a little-endian machine");
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) throw new InvalidDataException("JPEG stream does not start with SOI (FFD8)");

        var tables = new HuffmanTable?[4];
        Frame? frame = null;
        ushort[]? rented = null;
        Span<ushort> samples = default;
        var restartInterval = 0;
        var pos = 2;
        try
        {
            while (true)
            {
                var marker = NextMarker(data, ref pos);
                if (marker < 0 || marker == 0xD9) break; // end of data or EOI
                if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) continue; // TEM and stray RSTn carry no length
                var segment = Segment(data, ref pos, marker);
                switch (marker)
                {
                    case 0xC3:
                        if (frame is not null) throw new InvalidDataException("JPEG stream has a second SOF marker");
                        frame = Frame.Parse(segment, info);
                        samples = SampleBuffer(frame, info, destination, out rented);
                        break;
                    case 0xC4:
                        HuffmanTable.ParseSegment(segment, tables);
                        break;
                    case 0xDD:
                        if (segment.Length < 2) throw new InvalidDataException("JPEG DRI segment is shorter than 2 bytes");
                        restartInterval = BinaryPrimitives.ReadUInt16BigEndian(segment);
                        break;
                    case 0xDA:
                        if (frame is null) throw new InvalidDataException("JPEG scan (SOS) before the frame header (SOF3)");
                        pos = DecodeScan(data, pos, segment, frame, tables, restartInterval, samples);
                        break;
                    default:
                        RejectUnsupported(marker); // APPn, COM, DQT, DAC (not used by SOF3) and others: skipped
                        break;
                }
            }
            if (frame is null) throw new InvalidDataException("JPEG stream has no frame header (SOF3)");
            foreach (var c in frame.Components)
                if (c.PointTransform < 0) throw new InvalidDataException($"JPEG component {c.Id} is not in any scan");
            WriteOutput(frame, samples, info, destination);
        }
        finally
        {
            if (rented is not null) ArrayPool<ushort>.Shared.Return(rented);
        }
    }

    /// <summary>The segment of the marker just read (its length checked against the stream); pos moves past it.</summary>
    private static ReadOnlySpan<byte> Segment(ReadOnlySpan<byte> data, ref int pos, int marker)
    {
        if (pos + 2 > data.Length) throw new InvalidDataException($"JPEG marker FF{marker:X2} at byte {pos - 2} has no length");
        var length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
        if (length < 2 || pos + length > data.Length)
            throw new InvalidDataException($"JPEG segment FF{marker:X2} at byte {pos - 2} declares {length} bytes, {data.Length - pos} remain");
        var segment = data.Slice(pos + 2, length - 2);
        pos += length;
        return segment;
    }

    /// <summary>Where the samples are decoded: straight into the destination when it has the layout we want (one 16-bit
    /// component), else a rented buffer.</summary>
    private static Span<ushort> SampleBuffer(Frame frame, FrameInfo info, Span<byte> destination, out ushort[]? rented)
    {
        var total = frame.Width * frame.Height * frame.Components.Length;
        if (frame.Components.Length == 1 && info.BytesPerSample == 2)
        {
            rented = null;
            return MemoryMarshal.Cast<byte, ushort>(destination)[..total];
        }
        rented = ArrayPool<ushort>.Shared.Rent(total);
        return rented.AsSpan(0, total);
    }

    /// <summary>Frame types other than lossless process 14, and DNL, are refused by name.</summary>
    private static void RejectUnsupported(int marker)
    {
        if (marker is 0xC0 or 0xC1 or 0xC2 or 0xC5 or 0xC6 or 0xC7 or 0xC9 or 0xCA or 0xCB or 0xCD or 0xCE or 0xCF)
            throw new NotSupportedException($"JPEG frame type SOF{marker - 0xC0} in a stream decoded as lossless process 14");
        if (marker == 0xDC)
            throw new NotSupportedException("JPEG DNL marker (number of lines defined after the first scan) is not supported");
    }

    /// <summary>Finds the next marker at or after <paramref name="pos"/> (skipping fill bytes and garbage); returns its code, pos after it.</summary>
    private static int NextMarker(ReadOnlySpan<byte> data, ref int pos)
    {
        while (pos + 1 < data.Length)
        {
            if (data[pos] == 0xFF && data[pos + 1] is not 0x00 and not 0xFF)
            {
                var m = data[pos + 1];
                pos += 2;
                return m;
            }
            pos++;
        }
        pos = data.Length;
        return -1;
    }

    private sealed class Component
    {
        public int Id;
        public int PointTransform = -1; // -1 until a scan covers the component
    }

    private sealed class Frame
    {
        public int Precision;
        public int Width;
        public int Height;
        public Component[] Components = [];

        public static Frame Parse(ReadOnlySpan<byte> s, FrameInfo info)
        {
            if (s.Length < 6) throw new InvalidDataException("JPEG SOF3 segment is shorter than 6 bytes");
            var f = new Frame
            {
                Precision = s[0],
                Height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]),
                Width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]),
            };
            var nf = s[5];
            if (f.Precision is < 2 or > 16) throw new InvalidDataException($"JPEG lossless precision: expected 2..16 bits, found {f.Precision}");
            if (nf is 0 or > MaxComponents) throw new InvalidDataException($"JPEG SOF3 declares {nf} components, expected 1..{MaxComponents}");
            if (s.Length < 6 + 3 * nf) throw new InvalidDataException($"JPEG SOF3 segment of {s.Length} bytes is too short for {nf} components");
            if (f.Height == 0) throw new NotSupportedException("JPEG frame with 0 lines (height defined by a DNL marker) is not supported");
            if (f.Width != info.Columns || f.Height != info.Rows)
                throw new InvalidDataException($"JPEG frame is {f.Width}×{f.Height}, the dataset declares {info.Columns}×{info.Rows} (Columns×Rows)");
            if (nf != info.SamplesPerPixel)
                throw new InvalidDataException($"JPEG frame has {nf} components, the dataset declares SamplesPerPixel {info.SamplesPerPixel}");
            f.Components = new Component[nf];
            for (var i = 0; i < nf; i++)
            {
                var hv = s[7 + 3 * i];
                if (hv != 0x11) throw new NotSupportedException($"JPEG lossless component {i + 1} has sampling factors {hv >> 4}×{hv & 15}; only 1×1 is supported");
                f.Components[i] = new Component { Id = s[6 + 3 * i] };
            }
            return f;
        }
    }

    /// <summary>A Huffman decoding table: a 9-bit lookup for short codes, canonical max-code search for the rest.</summary>
    private sealed class HuffmanTable
    {
        public const int LookupBits = 9;
        public readonly ushort[] Lookup = new ushort[1 << LookupBits]; // (length << 8) | value, 0 = longer code
        public readonly int[] MaxCode = new int[18];                   // largest code of each length, -1 if none
        public readonly int[] ValueOffset = new int[17];               // index of the first value of each length minus its first code
        public readonly byte[] Values = new byte[256];

        public static void ParseSegment(ReadOnlySpan<byte> s, HuffmanTable?[] tables)
        {
            while (s.Length > 0)
            {
                if (s.Length < 17) throw new InvalidDataException("JPEG DHT segment ends inside a table header");
                var tc = s[0] >> 4;
                var th = s[0] & 15;
                if (tc > 1 || th > 3) throw new InvalidDataException($"JPEG DHT table class {tc} / id {th} is invalid");
                var count = 0;
                for (var i = 1; i <= 16; i++) count += s[i];
                if (count > 256 || s.Length < 17 + count) throw new InvalidDataException($"JPEG DHT table declares {count} values, segment has {s.Length - 17}");
                var t = new HuffmanTable();
                t.Build(s.Slice(1, 16), s.Slice(17, count));
                if (tc == 0) tables[th] = t; // lossless scans use the DC-class tables only
                s = s[(17 + count)..];
            }
        }

        private void Build(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values)
        {
            values.CopyTo(Values);
            var code = 0;
            var k = 0;
            for (var len = 1; len <= 16; len++)
            {
                int n = counts[len - 1];
                ValueOffset[len] = k - code;
                MaxCode[len] = n == 0 ? -1 : code + n - 1;
                for (var i = 0; i < n; i++, k++, code++)
                {
                    if (code >= 1 << len) throw new InvalidDataException("JPEG Huffman table is over-subscribed");
                    if (len <= LookupBits)
                    {
                        var shift = LookupBits - len;
                        var entry = (ushort)((len << 8) | values[k]);
                        Lookup.AsSpan(code << shift, 1 << shift).Fill(entry);
                    }
                }
                code <<= 1;
            }
            MaxCode[17] = int.MaxValue; // sentinel: stops the slow search
        }
    }

    /// <summary>MSB-first bit reader over entropy-coded data: removes stuffed zero bytes, stops at a marker and then feeds zero bytes.</summary>
    private ref struct BitReader(ReadOnlySpan<byte> data, int pos)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private ulong _acc;
        private int _bits;
        private bool _atMarker;

        /// <summary>Position of the next unread byte (at the marker that ended the data, once reached).</summary>
        public int Position = pos;

        /// <summary>Zero bytes fed after the data ended; consuming them means the data was too short.</summary>
        public int PaddingBytes;

        /// <summary>Bits consumed beyond the end of the entropy-coded data (0 for a well-formed scan).</summary>
        public readonly int OverrunBits => Math.Max(0, PaddingBytes * 8 - _bits);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Fill()
        {
            while (_bits <= 56)
            {
                ulong b = 0;
                if (!_atMarker && Position < _data.Length)
                {
                    b = _data[Position];
                    if (b == 0xFF)
                    {
                        var next = Position + 1 < _data.Length ? _data[Position + 1] : 0xD9;
                        if (next == 0x00) Position += 2;
                        else if (next == 0xFF) { Position++; continue; } // fill byte before a marker
                        else { _atMarker = true; b = 0; PaddingBytes++; }
                    }
                    else Position++;
                }
                else PaddingBytes++;
                _acc |= b << (56 - _bits);
                _bits += 8;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Decode(HuffmanTable t)
        {
            if (_bits < 16) Fill();
            var peek = (int)(_acc >> (64 - HuffmanTable.LookupBits));
            int entry = t.Lookup[peek];
            if (entry != 0)
            {
                var len = entry >> 8;
                _acc <<= len; _bits -= len;
                return entry & 0xFF;
            }
            return DecodeSlow(t);
        }

        private int DecodeSlow(HuffmanTable t)
        {
            var code16 = (int)(_acc >> 48);
            var len = HuffmanTable.LookupBits + 1;
            while (len <= 16 && (code16 >> (16 - len)) > t.MaxCode[len]) len++;
            if (len > 16) throw new InvalidDataException($"JPEG entropy-coded data holds an invalid Huffman code near byte {Position}");
            var code = code16 >> (16 - len);
            _acc <<= len; _bits -= len;
            return t.Values[t.ValueOffset[len] + code];
        }

        /// <summary>Reads the difference for magnitude category <paramref name="s"/> (T.81 H.1.2.2, table H.2).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Receive(int s)
        {
            if (s == 0) return 0;
            if (s >= 16) return 32768; // category 16 has no additional bits
            if (_bits < s) Fill();
            var v = (int)(_acc >> (64 - s));
            _acc <<= s; _bits -= s;
            return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
        }

        /// <summary>At the end of a restart interval: drops the buffered bits and steps over the next RSTn marker.</summary>
        public void Restart()
        {
            _acc = 0; _bits = 0; _atMarker = false; PaddingBytes = 0;
            while (Position + 1 < _data.Length)
            {
                if (_data[Position] == 0xFF && _data[Position + 1] is >= 0xD0 and <= 0xD7) { Position += 2; return; }
                if (_data[Position] == 0xFF && _data[Position + 1] is not 0x00 and not 0xFF)
                    throw new InvalidDataException($"JPEG restart marker expected at byte {Position}, found FF{_data[Position + 1]:X2}");
                Position++;
            }
            throw new InvalidDataException("JPEG data ends where a restart marker was expected");
        }
    }

    /// <summary>The scan's components: each one's plane (written to <paramref name="planeIndex"/>) and Huffman table; marks
    /// the frame's components as covered with the scan's point transform.</summary>
    private static HuffmanTable[] ScanComponents(ReadOnlySpan<byte> header, Frame frame, HuffmanTable?[] tables, int pointTransform, Span<int> planeIndex)
    {
        var ns = planeIndex.Length;
        var scanTables = new HuffmanTable[ns];
        for (var k = 0; k < ns; k++)
        {
            var id = header[1 + 2 * k];
            var ci = Array.FindIndex(frame.Components, c => c.Id == id);
            if (ci < 0) throw new InvalidDataException($"JPEG scan names component {id}, which the frame does not declare");
            frame.Components[ci].PointTransform = pointTransform;
            planeIndex[k] = ci;
            var td = header[2 + 2 * k] >> 4;
            if (td >= tables.Length) throw new InvalidDataException($"JPEG scan uses Huffman table {td}, expected 0..{tables.Length - 1}"); // found by fuzzing
            scanTables[k] = tables[td] ?? throw new InvalidDataException($"JPEG scan uses Huffman table {td}, which is not defined");
        }
        return scanTables;
    }

    private static int DecodeScan(ReadOnlySpan<byte> data, int pos, ReadOnlySpan<byte> header, Frame frame,
        HuffmanTable?[] tables, int restartInterval, Span<ushort> samples)
    {
        if (header.Length < 1) throw new InvalidDataException("JPEG SOS segment is empty");
        int ns = header[0];
        if (ns is 0 or > MaxComponents || header.Length < 1 + 2 * ns + 3)
            throw new InvalidDataException($"JPEG SOS segment of {header.Length} bytes does not fit {ns} components");
        var predictor = header[1 + 2 * ns];
        var pointTransform = header[3 + 2 * ns] & 15;
        if (predictor is < 1 or > 7) throw new InvalidDataException($"JPEG lossless predictor (selection value): expected 1..7, found {predictor}");
        if (pointTransform >= frame.Precision) throw new InvalidDataException($"JPEG point transform {pointTransform} is not below the precision {frame.Precision}");

        var width = frame.Width;
        var height = frame.Height;
        Span<int> planeIndex = stackalloc int[ns];
        var scanTables = ScanComponents(header, frame, tables, pointTransform, planeIndex);

        // One MCU is one sample of each scan component (all sampling factors are 1), so a line holds `width` MCUs.
        if (restartInterval > 0 && restartInterval % width != 0)
            throw new NotSupportedException($"JPEG lossless restart interval of {restartInterval} MCUs does not start on a line of {width} samples");
        var linesPerInterval = restartInterval > 0 ? restartInterval / width : int.MaxValue;

        var reader = new BitReader(data, pos);
        var initial = 1 << (frame.Precision - pointTransform - 1);
        var linesToRestart = linesPerInterval;
        for (var y = 0; y < height; y++)
        {
            var firstLine = y == 0;
            if (linesToRestart == 0)
            {
                reader.Restart();
                linesToRestart = linesPerInterval;
                firstLine = true;
            }
            linesToRestart--;
            for (var k = 0; k < ns; k++)
            {
                // Samples of each component are kept in planes of width × height.
                var plane = samples.Slice(planeIndex[k] * width * height, width * height);
                var line = plane.Slice(y * width, width);
                var above = firstLine ? default : plane.Slice((y - 1) * width, width);
                if (ns == 1) DecodeLine(ref reader, scanTables[0], line, above, firstLine, predictor, initial);
                else DecodeInterleavedSample(ref reader, scanTables[k], line, above, firstLine, predictor, initial, 0);
            }
            if (ns > 1)
            {
                // Interleaved: the sample order in the data is x-major, component-minor; x = 0 was done above.
                for (var x = 1; x < width; x++)
                    for (var k = 0; k < ns; k++)
                    {
                        var plane = samples.Slice(planeIndex[k] * width * height, width * height);
                        var line = plane.Slice(y * width, width);
                        var above = firstLine ? default : plane.Slice((y - 1) * width, width);
                        DecodeInterleavedSample(ref reader, scanTables[k], line, above, firstLine, predictor, initial, x);
                    }
            }
            if (reader.OverrunBits > 0)
                throw new InvalidDataException($"JPEG entropy-coded data ends after {y} of {height} lines");
        }
        // Continue after the entropy-coded data: at the marker that ended it.
        var end = reader.Position;
        while (end + 1 < data.Length && !(data[end] == 0xFF && data[end + 1] is not 0x00 and not 0xFF and not (>= 0xD0 and <= 0xD7))) end++;
        return end;
    }

    /// <summary>One line of a single-component scan; the predictor switch sits outside the sample loop.</summary>
    private static void DecodeLine(ref BitReader r, HuffmanTable t, Span<ushort> line, ReadOnlySpan<ushort> above,
        bool firstLine, int predictor, int initial)
    {
        var width = line.Length;
        if (firstLine)
        {
            // T.81 H.1.2.1: the first line uses Ra, its first sample 2^(P-Pt-1).
            int prev = (ushort)(initial + r.Receive(r.Decode(t)));
            line[0] = (ushort)prev;
            for (var x = 1; x < width; x++)
            {
                prev = (ushort)(prev + r.Receive(r.Decode(t)));
                line[x] = (ushort)prev;
            }
            return;
        }
        // Later lines start from Rb.
        line[0] = (ushort)(above[0] + r.Receive(r.Decode(t)));
        switch (predictor)
        {
            case 1:
                int ra = line[0];
                for (var x = 1; x < width; x++)
                {
                    ra = (ushort)(ra + r.Receive(r.Decode(t)));
                    line[x] = (ushort)ra;
                }
                break;
            case 2:
                for (var x = 1; x < width; x++) line[x] = (ushort)(above[x] + r.Receive(r.Decode(t)));
                break;
            case 3:
                for (var x = 1; x < width; x++) line[x] = (ushort)(above[x - 1] + r.Receive(r.Decode(t)));
                break;
            default:
                for (var x = 1; x < width; x++)
                    line[x] = (ushort)(Predict(predictor, line[x - 1], above[x], above[x - 1]) + r.Receive(r.Decode(t)));
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DecodeInterleavedSample(ref BitReader r, HuffmanTable t, Span<ushort> line, ReadOnlySpan<ushort> above,
        bool firstLine, int predictor, int initial, int x)
    {
        int px;
        if (firstLine) px = x == 0 ? initial : line[x - 1];
        else if (x == 0) px = above[0];
        else px = Predict(predictor, line[x - 1], above[x], above[x - 1]);
        line[x] = (ushort)(px + r.Receive(r.Decode(t)));
    }

    /// <summary>T.81 table H.1; the halving is an arithmetic right shift on the int difference, as in libjpeg.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Predict(int predictor, int ra, int rb, int rc) => predictor switch
    {
        1 => ra,
        2 => rb,
        3 => rc,
        4 => ra + rb - rc,
        5 => ra + ((rb - rc) >> 1),
        6 => rb + ((ra - rc) >> 1),
        _ => (ra + rb) >> 1,
    };

    /// <summary>Applies the point transform and writes the samples in the DICOM native layout (interleaved, little-endian).</summary>
    private static void WriteOutput(Frame frame, Span<ushort> samples, FrameInfo info, Span<byte> destination)
    {
        var nf = frame.Components.Length;
        var pixels = frame.Width * frame.Height;
        var bps = info.BytesPerSample;
        if (bps == 4) throw new NotSupportedException("JPEG lossless into 32-bit samples (BitsAllocated 32) is not supported");
        if (bps == 1 && frame.Precision > 8)
            throw new InvalidDataException($"JPEG precision of {frame.Precision} bits does not fit BitsAllocated {info.BitsAllocated}");
        if (destination.Length < info.FrameBytes) throw new ArgumentException("destination too small", nameof(destination));

        if (nf == 1 && bps == 2)
        {
            // Already in place; only the point transform remains.
            var pt = frame.Components[0].PointTransform;
            if (pt > 0)
                for (var i = 0; i < samples.Length; i++) samples[i] = (ushort)(samples[i] << pt);
            return;
        }
        for (var c = 0; c < nf; c++)
        {
            var pt = frame.Components[c].PointTransform;
            var plane = samples.Slice(c * pixels, pixels);
            if (bps == 1)
            {
                for (var i = 0; i < pixels; i++) destination[i * nf + c] = (byte)(plane[i] << pt);
            }
            else
            {
                var dst = MemoryMarshal.Cast<byte, ushort>(destination);
                for (var i = 0; i < pixels; i++) dst[i * nf + c] = (ushort)(plane[i] << pt);
            }
        }
    }
}

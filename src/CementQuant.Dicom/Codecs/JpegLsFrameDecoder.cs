using System.Buffers.Binary;

namespace CementQuant.Dicom.Codecs;

/// <summary>
/// JPEG-LS (ITU-T T.87 / ISO 14495-1) lossless and near-lossless decoder: 2–16 bits per sample, one to
/// four components, interleave modes none, line and sample, preset parameters (LSE type 1), restart
/// intervals. Samples come out as their coded bit pattern (for PixelRepresentation 1 that is the two's
/// complement pattern, not sign-extended beyond P bits: what <c>gdcmconv --raw</c> writes).
/// </summary>
/// <remarks>
/// Marker segments (T.87 C.2, T.81 B.1.1): SOI, then SOF55 (FFF7), LSE (FFF8), DRI, APPn and COM in any
/// order, each scan's SOS (FFDA) followed by its entropy-coded data, EOI. Not supported, with a
/// <see cref="NotSupportedException"/>: mapping tables (LSE types 2–4, Tm ≠ 0), LSE type 5 oversize
/// images, DNL (height 0), point transform, the HP colour transforms of CharLS ('mrfx' APP8).
/// </remarks>
public sealed class JpegLsFrameDecoder : IFrameDecoder
{
    private const int MaxComponents = 4;

    public void Decode(ReadOnlySpan<byte> frame, FrameInfo info, Span<byte> destination)
    {
        if (destination.Length < info.FrameBytes) throw new ArgumentException("destination too small", nameof(destination));
        if (frame.Length < 4 || frame[0] != 0xFF || frame[1] != 0xD8)
            throw new InvalidDataException($"JPEG-LS frame of {frame.Length} bytes does not start with SOI (FFD8)");

        var pos = 2;
        var bits = 0;
        var width = 0;
        var height = 0;
        Span<int> componentIds = stackalloc int[MaxComponents];
        Span<bool> decoded = stackalloc bool[MaxComponents];
        decoded.Clear();
        var components = 0;
        var preset = default(JpegLsParameters);
        var restartInterval = 0;

        while (true)
        {
            if (pos >= frame.Length)
            {
                // A missing EOI after complete scans is tolerated, as other decoders do.
                if (components > 0 && AllDecoded(decoded[..components])) return;
                throw new InvalidDataException($"JPEG-LS data ends at byte {frame.Length} before EOI");
            }
            if (frame[pos] != 0xFF)
                throw new InvalidDataException($"JPEG-LS marker expected at byte {pos}, found 0x{frame[pos]:X2}");
            while (pos < frame.Length && frame[pos] == 0xFF) pos++; // fill bytes (T.81 B.1.1.2)
            if (pos >= frame.Length) throw new InvalidDataException("JPEG-LS data ends inside a marker");
            var marker = frame[pos++];
            var at = pos - 2;

            if (marker == 0xD9) // EOI
            {
                if (components == 0) throw new InvalidDataException("JPEG-LS EOI before any frame header (SOF55)");
                if (!AllDecoded(decoded[..components]))
                    throw new InvalidDataException($"JPEG-LS EOI before every component was decoded ({components} in the frame)");
                return;
            }
            if (marker is 0xD8 or (>= 0xD0 and <= 0xD7) or 0x01)
                throw new InvalidDataException($"JPEG-LS marker FF{marker:X2} unexpected at byte {at}");

            var segment = Segment(frame, ref pos, marker, at);

            switch (marker)
            {
                case 0xF7: // SOF55
                    if (components != 0) throw new InvalidDataException($"JPEG-LS second frame header (SOF55) at byte {at}");
                    (bits, width, height, components) = ReadFrameHeader(segment, info, componentIds);
                    break;

                case 0xF8: // LSE
                    preset = ReadPresetParameters(segment, preset);
                    break;

                case 0xDD: // DRI: Ri in 2 bytes (T.81), or 1..4 bytes (T.87 C.2.5)
                    restartInterval = ReadRestartInterval(segment);
                    break;

                case 0xDA: // SOS, then the scan's coded data
                    if (components == 0) throw new InvalidDataException($"JPEG-LS scan header (SOS) at byte {at} before the frame header (SOF55)");
                    pos = DecodeScan(frame, pos, segment, info, bits, width, height, componentIds[..components], decoded[..components], preset, restartInterval, destination);
                    break;

                default:
                    SkipOrReject(marker, segment, at);
                    break;
            }
        }
    }

    /// <summary>The segment of the marker just read: 2-byte length (including itself), then the payload; pos moves past it.</summary>
    private static ReadOnlySpan<byte> Segment(ReadOnlySpan<byte> frame, ref int pos, byte marker, int at)
    {
        if (pos + 2 > frame.Length) throw new InvalidDataException($"JPEG-LS marker FF{marker:X2} at byte {at} has no segment length");
        var length = BinaryPrimitives.ReadUInt16BigEndian(frame[pos..]);
        if (length < 2 || pos + length > frame.Length)
            throw new InvalidDataException($"JPEG-LS marker FF{marker:X2} at byte {at}: segment length {length} runs past the end of the {frame.Length}-byte frame");
        var segment = frame.Slice(pos + 2, length - 2);
        pos += length;
        return segment;
    }

    /// <summary>SOF55: precision, size and component ids (written to <paramref name="componentIds"/>), validated.</summary>
    private static (int Bits, int Width, int Height, int Components) ReadFrameHeader(ReadOnlySpan<byte> segment, FrameInfo info, Span<int> componentIds)
    {
        if (segment.Length < 6) throw new InvalidDataException($"JPEG-LS SOF55 segment of {segment.Length} bytes is too short");
        int bits = segment[0];
        int height = BinaryPrimitives.ReadUInt16BigEndian(segment[1..]);
        int width = BinaryPrimitives.ReadUInt16BigEndian(segment[3..]);
        int components = segment[5];
        ValidateFrame(info, bits, width, height, components, segment.Length);
        for (var c = 0; c < components; c++)
        {
            componentIds[c] = segment[6 + 3 * c];
            var sampling = segment[7 + 3 * c];
            if (sampling != 0x11)
                throw new NotSupportedException($"JPEG-LS component {c + 1} has sampling factors 0x{sampling:X2}; only 1×1 (0x11) is supported");
            for (var d = 0; d < c; d++)
                if (componentIds[d] == componentIds[c]) throw new InvalidDataException($"JPEG-LS component id {componentIds[c]} appears twice in SOF55");
        }
        return (bits, width, height, components);
    }

    /// <summary>DRI: Ri in 2 bytes (T.81), or 1..4 bytes (T.87 C.2.5).</summary>
    private static int ReadRestartInterval(ReadOnlySpan<byte> segment)
    {
        if (segment.Length is < 1 or > 4) throw new InvalidDataException($"JPEG-LS DRI segment of {segment.Length} bytes: expected 1..4");
        var ri = 0L;
        foreach (var b in segment) ri = (ri << 8) | b;
        if (ri > int.MaxValue) throw new NotSupportedException($"JPEG-LS restart interval {ri} is too large");
        return (int)ri;
    }

    /// <summary>APPn (SPIFF headers included) and COM are skipped; CharLS colour transforms, DNL, T.81 frame headers and
    /// any other marker are refused by name.</summary>
    private static void SkipOrReject(byte marker, ReadOnlySpan<byte> segment, int at)
    {
        switch (marker)
        {
            case 0xE8 when IsColourTransform(segment, out var transform) && transform != 0:
                throw new NotSupportedException($"JPEG-LS stream uses CharLS colour transform HP{transform} ('mrfx' APP8), which is not supported");
            case >= 0xE0 and <= 0xEF:
            case 0xFE:
                return;
            case 0xDC:
                throw new NotSupportedException("JPEG-LS DNL marker (image height defined after the scan) is not supported");
            case >= 0xC0 and <= 0xCF when marker is not (0xC4 or 0xC8 or 0xCC):
                throw new NotSupportedException($"frame header FF{marker:X2} is a JPEG (T.81) process, not JPEG-LS (FFF7)");
            default:
                throw new InvalidDataException($"JPEG-LS marker FF{marker:X2} at byte {at} is not allowed in a JPEG-LS stream");
        }
    }

    private static bool AllDecoded(ReadOnlySpan<bool> decoded)
    {
        foreach (var d in decoded) if (!d) return false;
        return true;
    }

    private static void ValidateFrame(FrameInfo info, int bits, int width, int height, int components, int segmentLength)
    {
        if (bits is < 2 or > 16) throw new InvalidDataException($"JPEG-LS sample precision P={bits}: expected 2..16");
        if (bits > info.BytesPerSample * 8)
            throw new InvalidDataException($"JPEG-LS sample precision P={bits} does not fit BitsAllocated {info.BitsAllocated}");
        if (height == 0) throw new NotSupportedException("JPEG-LS frame height 0 (defined by a DNL marker) is not supported");
        if (width != info.Columns || height != info.Rows)
            throw new InvalidDataException($"JPEG-LS frame is {width}×{height}, the DICOM header says {info.Columns}×{info.Rows}");
        if (components is < 1 or > MaxComponents || components != info.SamplesPerPixel)
            throw new InvalidDataException($"JPEG-LS frame has {components} component(s), the DICOM header says SamplesPerPixel {info.SamplesPerPixel}");
        if (segmentLength < 6 + 3 * components)
            throw new InvalidDataException($"JPEG-LS SOF55 segment of {segmentLength} bytes is too short for {components} components");
    }

    /// <summary>LSE (T.87 C.2.4.1): type 1 carries MAXVAL, T1, T2, T3, RESET (16 bits each, 0 = default).</summary>
    private static JpegLsParameters ReadPresetParameters(ReadOnlySpan<byte> segment, JpegLsParameters current)
    {
        if (segment.Length < 1) throw new InvalidDataException("JPEG-LS LSE segment is empty");
        var id = segment[0];
        switch (id)
        {
            case 1:
                if (segment.Length < 11) throw new InvalidDataException($"JPEG-LS LSE type 1 segment of {segment.Length} bytes: expected 11");
                return new JpegLsParameters(
                    BinaryPrimitives.ReadUInt16BigEndian(segment[1..]),
                    BinaryPrimitives.ReadUInt16BigEndian(segment[3..]),
                    BinaryPrimitives.ReadUInt16BigEndian(segment[5..]),
                    BinaryPrimitives.ReadUInt16BigEndian(segment[7..]),
                    BinaryPrimitives.ReadUInt16BigEndian(segment[9..]));
            case 2 or 3:
                // A mapping table only matters to a scan that selects it (Tm ≠ 0), which is refused there.
                return current;
            case 4:
                throw new NotSupportedException("JPEG-LS LSE type 4 (oversize image dimensions) is not supported");
            default:
                throw new NotSupportedException($"JPEG-LS LSE type {id} is not supported");
        }
    }

    /// <summary>CharLS marks its HP1–HP3 colour transforms with an APP8 segment "mrfx" + 1 byte.</summary>
    private static bool IsColourTransform(ReadOnlySpan<byte> segment, out int transform)
    {
        transform = 0;
        if (segment.Length != 5 || !segment[..4].SequenceEqual("mrfx"u8)) return false;
        transform = segment[4];
        return true;
    }

    private static int DecodeScan(ReadOnlySpan<byte> frame, int dataStart, ReadOnlySpan<byte> sos, FrameInfo info,
        int bits, int width, int height, ReadOnlySpan<int> componentIds, Span<bool> decoded, JpegLsParameters preset,
        int restartInterval, Span<byte> destination)
    {
        if (sos.Length < 1) throw new InvalidDataException("JPEG-LS SOS segment is empty");
        var count = sos[0];
        if (count < 1 || count > componentIds.Length)
            throw new InvalidDataException($"JPEG-LS scan has {count} components, the frame {componentIds.Length}");
        if (sos.Length < 4 + 2 * count) throw new InvalidDataException($"JPEG-LS SOS segment of {sos.Length} bytes is too short for {count} components");

        Span<int> scanComponents = stackalloc int[count];
        for (var i = 0; i < count; i++)
        {
            var id = sos[1 + 2 * i];
            var index = componentIds.IndexOf(id);
            if (index < 0) throw new InvalidDataException($"JPEG-LS scan names component id {id}, which the frame header does not define");
            if (decoded[index]) throw new InvalidDataException($"JPEG-LS component id {id} is coded in more than one scan");
            var table = sos[2 + 2 * i];
            if (table != 0) throw new NotSupportedException($"JPEG-LS mapping tables (component {id} selects table {table}) are not supported");
            scanComponents[i] = index;
            decoded[index] = true;
        }
        var near = sos[1 + 2 * count];
        var interleave = sos[2 + 2 * count];
        var pointTransform = sos[3 + 2 * count];
        if (interleave > 2) throw new InvalidDataException($"JPEG-LS interleave mode ILV={interleave}: expected 0, 1 or 2");
        if (interleave == 0 && count > 1) throw new InvalidDataException($"JPEG-LS scan with ILV=0 codes {count} components: expected 1");
        if ((pointTransform & 0x0F) != 0) throw new NotSupportedException($"JPEG-LS point transform Al={pointTransform & 0x0F} is not supported");

        var parameters = JpegLsParameters.Resolve(bits, near, preset);
        var scan = new JpegLsScanDecoder(frame, dataStart, width, near, parameters);
        var output = new JpegLsOutput(width, height, componentIds.Length, info.BytesPerSample);
        return scan.Decode(scanComponents, interleave, restartInterval, output, destination);
    }
}

using System.Buffers.Binary;

namespace CementQuant.Dicom.Codecs;

/// <summary>
/// The JPEG family of ITU-T T.81 as DICOM encapsulates it (PS3.5 §8.2.1, §A.4.1): lossless process 14
/// (with or without selection value 1) by our own <see cref="JpegLosslessDecoder"/>; the DCT processes
/// (baseline 1, extended 2/4, progressive 10/12, arithmetic sequential and progressive) by JpegLibrary.
/// Hierarchical processes and arithmetic-coded lossless are refused with <see cref="NotSupportedException"/>.
/// </summary>
/// <remarks>
/// Colour follows gdcm (<c>gdcmconv --raw</c>): the components come out as coded, never colour-converted,
/// whatever JFIF/Adobe markers or the Photometric Interpretation say (YBR_FULL stays YCbCr; an RGB-declared
/// stream whose components are really YCbCr stays YCbCr too). Subsampled chroma (YBR_FULL_422 and 4:2:0)
/// is brought to full resolution with libjpeg's triangle ("fancy") filter, as gdcm's libjpeg does; the
/// result is then YBR_FULL, as gdcm relabels it.
/// </remarks>
public sealed class JpegFrameDecoder : IFrameDecoder
{
    public void Decode(ReadOnlySpan<byte> frame, FrameInfo info, Span<byte> destination)
    {
        if (destination.Length < info.FrameBytes) throw new ArgumentException("destination too small", nameof(destination));
        var header = JpegHeader.Scan(frame);
        switch (header.FrameMarker)
        {
            case 0xC3:
                CheckSize(frame.Length, header);
                JpegLosslessDecoder.Decode(frame, info, destination);
                return;
            case 0xC0 or 0xC1 or 0xC2 or 0xC9 or 0xCA:
                CheckSize(frame.Length, header);
                JpegDctDecoder.Decode(frame, header, info, destination);
                return;
            case 0xCB:
                throw new NotSupportedException("JPEG lossless with arithmetic coding (SOF11) is not supported");
            case 0xC5 or 0xC6 or 0xC7 or 0xCD or 0xCE or 0xCF:
                throw new NotSupportedException($"hierarchical JPEG (SOF{header.FrameMarker - 0xC0}) is not supported");
            default:
                throw new InvalidDataException("JPEG stream has no frame header (SOF marker) before its first scan");
        }
    }

    /// <summary>
    /// Refuses a stream that cannot hold the image it declares before any decoder sees it: one without a scan, or
    /// one shorter than the entropy coding's own minimum (a Huffman code is at least one bit: one per block and
    /// component for DCT, one per sample for lossless). The fuzz harness found JpegLibrary spending seconds on such
    /// streams (a 512 × 512 SOF, no scan, 339 zero bytes: 2.7 s), where the batch must move on at once.
    /// </summary>
    private static void CheckSize(int length, JpegHeader header)
    {
        if (header.FrameMarker == 0) return; // Decode says "no frame header"
        if (!header.HasScan) throw new InvalidDataException($"JPEG stream of {length} bytes has a frame header but no scan (SOS)");
        var nc = Math.Max(1, header.ComponentIds.Length);
        long minimumBits = header.FrameMarker == 0xC3
            ? (long)header.Width * header.Height * nc
            : (long)((header.Width + 7) / 8) * ((header.Height + 7) / 8) * nc;
        if ((long)length * 8 < minimumBits)
            throw new InvalidDataException($"JPEG stream of {length} bytes is too short for a {header.Width}×{header.Height}×{nc} frame (at least {minimumBits / 8} bytes of entropy-coded data)");
    }
}

/// <summary>What the frame header (SOFn) before the first scan says: frame type, precision, size, components.</summary>
internal sealed class JpegHeader
{
    public int FrameMarker { get; private set; }
    public int Precision { get; private set; }
    public int Width { get; private set; }
    public int Height { get; private set; }
    public byte[] ComponentIds { get; private set; } = [];

    /// <summary>True when a scan (SOS) follows the headers.</summary>
    public bool HasScan { get; private set; }

    /// <summary>Horizontal and vertical sampling factors of each component.</summary>
    public (int H, int V)[] Sampling { get; private set; } = [];

    public static JpegHeader Scan(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) throw new InvalidDataException("JPEG stream does not start with SOI (FFD8)");
        var h = new JpegHeader();
        var pos = 2;
        while (pos + 1 < data.Length)
        {
            if (data[pos] != 0xFF) { pos++; continue; } // tolerate garbage between segments, as libjpeg does
            var marker = data[pos + 1];
            if (marker is 0xFF or 0x00) { pos++; continue; }
            pos += 2;
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) continue;
            if (marker is 0xD9 or 0xDA) { h.HasScan = marker == 0xDA; break; } // EOI, or the first scan: everything we need precedes it
            if (pos + 2 > data.Length) break;
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2 || pos + length > data.Length)
                throw new InvalidDataException($"JPEG segment FF{marker:X2} at byte {pos - 2} declares {length} bytes, {data.Length - pos} remain");
            var s = data.Slice(pos + 2, length - 2);
            pos += length;
            if (marker == 0xC4) CheckHuffmanTables(s, pos - length - 2);
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (h.FrameMarker != 0) throw new InvalidDataException("JPEG stream has a second SOF marker");
                if (s.Length < 6) throw new InvalidDataException($"JPEG SOF segment of {s.Length} bytes is shorter than 6");
                h.FrameMarker = marker;
                h.Precision = s[0];
                h.Height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]);
                h.Width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
                var nf = s[5];
                if (s.Length < 6 + 3 * nf) throw new InvalidDataException($"JPEG SOF segment of {s.Length} bytes is too short for {nf} components");
                h.ComponentIds = new byte[nf];
                h.Sampling = new (int, int)[nf];
                for (var i = 0; i < nf; i++)
                {
                    h.ComponentIds[i] = s[6 + 3 * i];
                    var hv = s[7 + 3 * i];
                    if (hv >> 4 is 0 or > 4 || (hv & 15) is 0 or > 4) throw new InvalidDataException($"JPEG component {i + 1} has sampling factors {hv >> 4}×{hv & 15}, expected 1..4");
                    h.Sampling[i] = (hv >> 4, hv & 15);
                }
            }
        }
        return h;
    }

    /// <summary>
    /// T.81 B.2.4.2: class 0 or 1, destination 0..3, at most 256 values, and code counts that fit a prefix code (each
    /// length holds at most what the shorter ones left free). JpegLibrary spent seconds on a 3 × 3 image whose table
    /// broke these (found by the fuzz harness); a table without a single code decodes nothing and is refused too.
    /// </summary>
    private static void CheckHuffmanTables(ReadOnlySpan<byte> s, int at)
    {
        var o = 0;
        while (o < s.Length)
        {
            if (o + 17 > s.Length) throw new InvalidDataException($"JPEG DHT segment at byte {at} ends inside a table header");
            int tc = s[o] >> 4, th = s[o] & 15;
            if (tc > 1 || th > 3) throw new InvalidDataException($"JPEG DHT at byte {at}: table class {tc} / destination {th}, expected 0..1 / 0..3");
            long total = 0, codes = 0;
            for (var l = 1; l <= 16; l++)
            {
                codes = (codes << 1) + s[o + l];
                total += s[o + l];
                if (codes > 1L << l) throw new InvalidDataException($"JPEG DHT at byte {at}: {s[o + l]} codes of length {l} do not fit a prefix code");
            }
            if (total is 0 or > 256 || o + 17 + total > s.Length)
                throw new InvalidDataException($"JPEG DHT at byte {at}: table of {total} values in a segment of {s.Length} bytes");
            o += 17 + (int)total;
        }
    }
}


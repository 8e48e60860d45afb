using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using OpenCvSharp;

namespace CementQuant.Dicom.Codecs;

/// <summary>
/// JPEG 2000 (PS3.5 §A.4.4, transfer syntaxes .90 and .91) through OpenCV's OpenJPEG reader
/// (<see cref="Cv2.ImDecode(ReadOnlySpan{byte}, ImreadModes)"/>). Accepts a raw codestream (FF4F FF51)
/// or a JP2 file; 1 or 3 components of 8 to 16 bits, signed or unsigned.
/// </summary>
/// <remarks>
/// OpenCV needs three workarounds, each checked against <c>gdcmconv --raw</c>:
/// <list type="bullet">
/// <item>It refuses signed components ("Component 0/1 is signed"). We clear the sign bit of each Ssiz
/// in the SIZ marker, so OpenJPEG decodes as unsigned: it then adds the DC level shift 2^(P-1) and clamps
/// to [0, 2^P-1] instead of [-2^(P-1), 2^(P-1)-1]; subtracting 2^(P-1) afterwards gives the signed value
/// exactly, which we write as its 16-bit two's complement pattern, as gdcm does.</item>
/// <item>Signedness comes from the codestream, not from PixelRepresentation: gdcm writes what the
/// codestream holds when the two disagree, and so do we.</item>
/// <item>A raw codestream has no colour specification, so OpenCV logs a warning per frame and assumes
/// sRGB. We wrap it in a minimal JP2 header (signature, ftyp, ihdr, colr greyscale or sRGB) instead.
/// Three components come back in BGR order; we swap to RGB. OpenJPEG itself undoes the RCT/ICT.</item>
/// </list>
/// </remarks>
public sealed class Jpeg2000FrameDecoder : IFrameDecoder
{
    public void Decode(ReadOnlySpan<byte> frame, FrameInfo info, Span<byte> destination)
    {
        if (destination.Length < info.FrameBytes) throw new ArgumentException("destination too small", nameof(destination));
        var codestream = FindCodestream(frame);
        var siz = Siz.Parse(codestream);
        var nc = siz.Signed.Length;
        if (siz.Width != info.Columns || siz.Height != info.Rows)
            throw new InvalidDataException($"JPEG 2000 image is {siz.Width}×{siz.Height}, the dataset declares {info.Columns}×{info.Rows} (Columns×Rows)");
        if (nc != info.SamplesPerPixel)
            throw new InvalidDataException($"JPEG 2000 image has {nc} components, the dataset declares SamplesPerPixel {info.SamplesPerPixel}");
        if (nc is not (1 or 3)) throw new NotSupportedException($"JPEG 2000 with {nc} components is not supported");
        if (siz.Precision is < 8 or > 16)
            throw new NotSupportedException($"JPEG 2000 precision of {siz.Precision} bits is not supported (OpenCV decodes 8 to 16)");
        if (info.BytesPerSample == 1 && siz.Precision > 8)
            throw new InvalidDataException($"JPEG 2000 precision of {siz.Precision} bits does not fit BitsAllocated {info.BitsAllocated}");
        if (info.BytesPerSample == 4) throw new NotSupportedException("JPEG 2000 into 32-bit samples (BitsAllocated 32) is not supported");

        var header = Jp2Header(siz);
        var length = header.Length + 8 + codestream.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            header.CopyTo(buffer, 0);
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(header.Length), (uint)(8 + codestream.Length));
            "jp2c"u8.CopyTo(buffer.AsSpan(header.Length + 4));
            var cs = buffer.AsSpan(header.Length + 8, codestream.Length);
            codestream.CopyTo(cs);
            for (var c = 0; c < nc; c++) cs[siz.SsizOffset + 3 * c] &= 0x7F; // decode as unsigned; undone below

            using var mat = ImDecode(buffer.AsSpan(0, length));
            if (mat.Empty()) throw new InvalidDataException("OpenCV could not decode the JPEG 2000 codestream (see its log for the reason)");
            if (mat.Rows != info.Rows || mat.Cols != info.Columns || mat.Channels() != nc)
                throw new InvalidDataException($"OpenCV decoded {mat.Cols}×{mat.Rows}×{mat.Channels()}, expected {info.Columns}×{info.Rows}×{nc}");
            var depth = mat.Depth();
            if (depth is not (MatType.CV_8U or MatType.CV_16U)) throw new InvalidDataException($"OpenCV decoded JPEG 2000 to depth {depth}, expected 8U or 16U");
            CopyOut(mat, depth == MatType.CV_16U, siz, info, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Mat ImDecode(ReadOnlySpan<byte> jp2)
    {
        try
        {
            return Cv2.ImDecode(jp2, ImreadModes.Unchanged);
        }
        catch (OpenCVException ex)
        {
            throw new InvalidDataException($"OpenCV could not decode the JPEG 2000 codestream: {ex.Message}", ex);
        }
    }

    /// <summary>Copies OpenCV's rows to the DICOM layout: BGR→RGB, signed values back from the level shift, widening 8→16 bit.</summary>
    private static unsafe void CopyOut(Mat mat, bool wide, Siz siz, FrameInfo info, Span<byte> destination)
    {
        var nc = siz.Signed.Length;
        var width = info.Columns;
        var rowSamples = width * nc;
        var step = (long)mat.Step();
        var srcBytes = rowSamples * (wide ? 2 : 1);
        var half = 1 << (siz.Precision - 1);
        var bps = info.BytesPerSample;
        for (var y = 0; y < info.Rows; y++)
        {
            var src = new ReadOnlySpan<byte>((byte*)mat.Data + y * step, srcBytes);
            if (bps == 1)
            {
                var dst = destination.Slice(y * rowSamples, rowSamples);
                src.CopyTo(dst);
                if (nc == 3) SwapRedBlue(dst);
                if (siz.Signed[0]) Subtract(dst, (byte)half);
            }
            else
            {
                var dst = MemoryMarshal.Cast<byte, ushort>(destination.Slice(y * rowSamples * 2, rowSamples * 2));
                if (wide) MemoryMarshal.Cast<byte, ushort>(src).CopyTo(dst);
                else for (var i = 0; i < rowSamples; i++) dst[i] = src[i];
                if (nc == 3) SwapRedBlue(dst);
                if (siz.Signed[0]) Subtract(dst, (ushort)half);
            }
        }
    }

    private static void SwapRedBlue<T>(Span<T> interleaved)
    {
        for (var i = 0; i + 2 < interleaved.Length; i += 3)
            (interleaved[i], interleaved[i + 2]) = (interleaved[i + 2], interleaved[i]);
    }

    /// <summary>Wrapping subtraction (the two's complement pattern of a negative result), vectorised.</summary>
    private static void Subtract<T>(Span<T> values, T amount) where T : unmanaged, INumber<T>
    {
        var vectors = MemoryMarshal.Cast<T, Vector<T>>(values);
        var a = new Vector<T>(amount);
        for (var i = 0; i < vectors.Length; i++) vectors[i] -= a;
        for (var i = vectors.Length * Vector<T>.Count; i < values.Length; i++) values[i] = unchecked(values[i] - amount);
    }

    /// <summary>The codestream itself: the whole frame when it starts with SOC+SIZ, else the contents of a JP2 file's jp2c box.</summary>
    internal static ReadOnlySpan<byte> FindCodestream(ReadOnlySpan<byte> frame)
    {
        if (frame.Length >= 4 && frame[0] == 0xFF && frame[1] == 0x4F && frame[2] == 0xFF && frame[3] == 0x51) return frame;
        if (frame.Length >= 12 && frame.Slice(4, 4).SequenceEqual("jP  "u8))
        {
            var pos = 0;
            while (pos + 8 <= frame.Length)
            {
                long boxLength = BinaryPrimitives.ReadUInt32BigEndian(frame[pos..]);
                var type = frame.Slice(pos + 4, 4);
                var headerLength = 8;
                if (boxLength == 1)
                {
                    if (pos + 16 > frame.Length) break;
                    boxLength = (long)BinaryPrimitives.ReadUInt64BigEndian(frame[(pos + 8)..]);
                    headerLength = 16;
                }
                else if (boxLength == 0) boxLength = frame.Length - pos;
                if (boxLength < headerLength || boxLength > frame.Length - pos)
                    throw new InvalidDataException($"JP2 box at byte {pos} declares {boxLength} bytes, {frame.Length - pos} remain");
                if (type.SequenceEqual("jp2c"u8))
                {
                    var cs = frame.Slice(pos + headerLength, (int)boxLength - headerLength);
                    if (cs.Length >= 4 && cs[0] == 0xFF && cs[1] == 0x4F && cs[2] == 0xFF && cs[3] == 0x51) return cs;
                    throw new InvalidDataException("JP2 jp2c box does not start with a codestream (FF4F FF51)");
                }
                pos += (int)boxLength;
            }
            throw new InvalidDataException("JP2 file has no contiguous codestream box (jp2c)");
        }
        throw new InvalidDataException("JPEG 2000 frame starts with neither a codestream (FF4F FF51) nor a JP2 signature box");
    }

    /// <summary>The image and component size marker (ITU-T T.800 §A.5.1).</summary>
    internal sealed class Siz
    {
        public int Width { get; private init; }
        public int Height { get; private init; }
        public int Precision { get; private init; }
        public bool[] Signed { get; private init; } = [];

        /// <summary>Offset of the first component's Ssiz byte from the start of the codestream.</summary>
        public int SsizOffset => 42;

        public static Siz Parse(ReadOnlySpan<byte> cs)
        {
            // SOC(2) SIZ(2) Lsiz(2) Rsiz(2) Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz (4 each) Csiz(2), then Ssiz XRsiz YRsiz per component.
            if (cs.Length < 42) throw new InvalidDataException($"JPEG 2000 codestream of {cs.Length} bytes is too short for its SIZ marker");
            var lsiz = BinaryPrimitives.ReadUInt16BigEndian(cs[4..]);
            var xsiz = BinaryPrimitives.ReadUInt32BigEndian(cs[8..]);
            var ysiz = BinaryPrimitives.ReadUInt32BigEndian(cs[12..]);
            var xosiz = BinaryPrimitives.ReadUInt32BigEndian(cs[16..]);
            var yosiz = BinaryPrimitives.ReadUInt32BigEndian(cs[20..]);
            int csiz = BinaryPrimitives.ReadUInt16BigEndian(cs[40..]);
            if (csiz == 0 || lsiz != 38 + 3 * csiz || cs.Length < 42 + 3 * csiz)
                throw new InvalidDataException($"JPEG 2000 SIZ marker is malformed (Lsiz {lsiz}, Csiz {csiz})");
            if (xosiz >= xsiz || yosiz >= ysiz || xsiz - xosiz > ushort.MaxValue || ysiz - yosiz > ushort.MaxValue)
                throw new InvalidDataException($"JPEG 2000 SIZ declares an image from ({xosiz},{yosiz}) to ({xsiz},{ysiz})");
            var signed = new bool[csiz];
            var precision = 0;
            for (var c = 0; c < csiz; c++)
            {
                var ssiz = cs[42 + 3 * c];
                var p = (ssiz & 0x7F) + 1;
                if (c > 0 && p != precision) throw new NotSupportedException($"JPEG 2000 components of different precision ({precision} and {p} bits) are not supported");
                precision = p;
                signed[c] = (ssiz & 0x80) != 0;
                if (signed[c] != signed[0]) throw new NotSupportedException("JPEG 2000 with both signed and unsigned components is not supported");
                if (cs[43 + 3 * c] != 1 || cs[44 + 3 * c] != 1)
                    throw new NotSupportedException($"JPEG 2000 component {c} is subsampled ({cs[43 + 3 * c]}×{cs[44 + 3 * c]}); OpenCV decodes full-resolution components only");
            }
            return new Siz { Width = (int)(xsiz - xosiz), Height = (int)(ysiz - yosiz), Precision = precision, Signed = signed };
        }
    }

    /// <summary>JP2 signature, file type and header boxes (ISO/IEC 15444-1 Annex I) for an unsigned image of the SIZ's shape.</summary>
    private static byte[] Jp2Header(Siz siz)
    {
        var nc = siz.Signed.Length;
        var h = new byte[12 + 20 + 8 + 22 + 15];
        var s = h.AsSpan();
        // Signature box.
        BinaryPrimitives.WriteUInt32BigEndian(s, 12); "jP  "u8.CopyTo(s[4..]); BinaryPrimitives.WriteUInt32BigEndian(s[8..], 0x0D0A870A);
        // File type box: brand 'jp2 ', minor version 0, compatible with 'jp2 '.
        s = s[12..];
        BinaryPrimitives.WriteUInt32BigEndian(s, 20); "ftyp"u8.CopyTo(s[4..]); "jp2 "u8.CopyTo(s[8..]); "jp2 "u8.CopyTo(s[16..]);
        // JP2 header superbox holding ihdr and colr.
        s = s[20..];
        BinaryPrimitives.WriteUInt32BigEndian(s, 8 + 22 + 15); "jp2h"u8.CopyTo(s[4..]);
        s = s[8..];
        BinaryPrimitives.WriteUInt32BigEndian(s, 22); "ihdr"u8.CopyTo(s[4..]);
        BinaryPrimitives.WriteUInt32BigEndian(s[8..], (uint)siz.Height);
        BinaryPrimitives.WriteUInt32BigEndian(s[12..], (uint)siz.Width);
        BinaryPrimitives.WriteUInt16BigEndian(s[16..], (ushort)nc);
        s[18] = (byte)(siz.Precision - 1); // bits per component, unsigned (we clear the codestream's sign bits too)
        s[19] = 7;                         // compression type: JPEG 2000
        s = s[22..];
        BinaryPrimitives.WriteUInt32BigEndian(s, 15); "colr"u8.CopyTo(s[4..]);
        s[8] = 1; // method: enumerated colour space
        BinaryPrimitives.WriteUInt32BigEndian(s[11..], nc == 1 ? 17u : 16u); // 17 greyscale, 16 sRGB
        return h;
    }
}

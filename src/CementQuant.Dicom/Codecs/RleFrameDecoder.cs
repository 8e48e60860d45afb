using System.Buffers.Binary;

namespace CementQuant.Dicom.Codecs;

/// <summary>
/// RLE Lossless (PS3.5 Annex G): a 64-byte header of up to 15 segment offsets, then one PackBits
/// segment per byte plane, most significant byte of each sample first, sample (colour plane) by sample.
/// </summary>
public sealed class RleFrameDecoder : IFrameDecoder
{
    public void Decode(ReadOnlySpan<byte> frame, FrameInfo info, Span<byte> destination)
    {
        var bytesPerSample = info.BytesPerSample;
        var pixels = info.Rows * info.Columns;
        var expectedSegments = bytesPerSample * info.SamplesPerPixel;
        if (frame.Length < 64) throw new InvalidDataException($"RLE frame of {frame.Length} bytes is shorter than its 64-byte header");
        var segments = (int)BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (segments != expectedSegments)
            throw new InvalidDataException($"RLE header declares {segments} segments, expected {expectedSegments} for {info.SamplesPerPixel} sample(s) of {info.BitsAllocated} bits");
        if (destination.Length < info.FrameBytes) throw new ArgumentException("destination too small", nameof(destination));

        var stride = bytesPerSample * info.SamplesPerPixel;
        for (var s = 0; s < segments; s++)
        {
            var start = (int)BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 + 4 * s)..]);
            var end = s + 1 < segments ? (int)BinaryPrimitives.ReadUInt32LittleEndian(frame[(8 + 4 * s)..]) : frame.Length;
            if (start < 64 || start > frame.Length || end < start || end > frame.Length)
                throw new InvalidDataException($"RLE segment {s + 1} offset {start} outside the frame of {frame.Length} bytes");
            var sample = s / bytesPerSample;
            var byteInSample = bytesPerSample - 1 - s % bytesPerSample; // segments run MSB first; output is little-endian
            DecodeSegment(frame[start..end], destination, sample * bytesPerSample + byteInSample, stride, pixels);
        }
    }

    /// <summary>PackBits: n in 0..127 copies n+1 literal bytes, n in -127..-1 repeats the next byte 1-n times, -128 is a no-op.</summary>
    private static void DecodeSegment(ReadOnlySpan<byte> src, Span<byte> dst, int offset, int stride, int count)
    {
        var o = 0;
        var i = 0;
        while (o < count && i < src.Length)
        {
            var n = (sbyte)src[i++];
            if (n >= 0)
            {
                var len = Math.Min(n + 1, count - o);
                if (i + len > src.Length) throw new InvalidDataException("RLE literal run runs past the end of its segment");
                for (var k = 0; k < len; k++) dst[offset + (o + k) * stride] = src[i + k];
                i += n + 1; o += len;
            }
            else if (n != -128)
            {
                if (i >= src.Length) throw new InvalidDataException("RLE replicate run has no byte to repeat");
                var b = src[i++];
                var len = Math.Min(1 - n, count - o);
                for (var k = 0; k < len; k++) dst[offset + (o + k) * stride] = b;
                o += len;
            }
        }
        if (o < count) throw new InvalidDataException($"RLE segment decodes to {o} bytes, expected {count}");
    }
}

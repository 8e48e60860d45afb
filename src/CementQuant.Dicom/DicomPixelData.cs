using System.Buffers.Binary;
using CementQuant.Dicom.Codecs;

namespace CementQuant.Dicom;

/// <summary>
/// Frame access for a fully read <see cref="DicomFile"/>: the frame description from the image pixel
/// module and the frame's samples in native little-endian layout, whatever the transfer syntax.
/// </summary>
public static class DicomPixelData
{
    /// <summary>Largest frame we agree to decode (rows × columns × samples); beyond it a header is hostile or absurd.</summary>
    public const long MaxFrameSamples = 16384L * 16384;

    public static FrameInfo GetFrameInfo(DicomDataset ds, string path)
    {
        try
        {
            var rows = ds.GetUInt16(DicomTag.Rows) ?? throw new DicomReadException(path, "Rows (0028,0010) is missing");
            var cols = ds.GetUInt16(DicomTag.Columns) ?? throw new DicomReadException(path, "Columns (0028,0011) is missing");
            var bitsAllocated = ds.GetUInt16(DicomTag.BitsAllocated) ?? throw new DicomReadException(path, "BitsAllocated (0028,0100) is missing");
            var bitsStored = ds.GetUInt16(DicomTag.BitsStored) ?? bitsAllocated;
            var samples = ds.GetUInt16(DicomTag.SamplesPerPixel) ?? 1;
            var signed = (ds.GetUInt16(DicomTag.PixelRepresentation) ?? 0) == 1;
            var planar = ds.GetUInt16(DicomTag.PlanarConfiguration) ?? 0;
            var photometric = ds.GetString(DicomTag.PhotometricInterpretation) ?? (samples == 1 ? "MONOCHROME2" : "RGB");
            if (rows == 0 || cols == 0) throw new DicomReadException(path, $"image of {rows}×{cols} pixels has no pixels");
            if (bitsAllocated is not (8 or 16 or 32)) throw new DicomReadException(path, $"BitsAllocated (0028,0100): expected 8, 16 or 32, found {bitsAllocated}");
            if (bitsStored == 0 || bitsStored > bitsAllocated) throw new DicomReadException(path, $"BitsStored (0028,0101): expected 1..{bitsAllocated}, found {bitsStored}");
            if (samples is not (1 or 3 or 4)) throw new DicomReadException(path, $"SamplesPerPixel (0028,0002): expected 1 or 3, found {samples}");
            if ((long)rows * cols * samples > MaxFrameSamples) throw new DicomReadException(path, $"image of {rows}×{cols}×{samples} samples is implausibly large");
            return new FrameInfo(rows, cols, samples, bitsAllocated, bitsStored, signed, planar, photometric);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new DicomReadException(path, ex.Message, ex);
        }
    }

    public static int GetNumberOfFrames(DicomDataset ds, string path)
    {
        try
        {
            var n = ds.GetInt(DicomTag.NumberOfFrames, "NumberOfFrames") ?? 1;
            if (n < 1) throw new DicomReadException(path, $"NumberOfFrames (0028,0008): expected at least 1, found {n}");
            return n;
        }
        catch (FormatException ex)
        {
            throw new DicomReadException(path, ex.Message, ex);
        }
    }

    /// <summary>
    /// Writes frame <paramref name="frame"/> into <paramref name="destination"/> (at least
    /// <see cref="FrameInfo.FrameBytes"/> long) in native little-endian layout, colour interleaved.
    /// </summary>
    public static void DecodeFrame(DicomFile file, FrameInfo info, int frame, Span<byte> destination)
    {
        if (file.HeaderOnly) throw new InvalidOperationException($"'{file.Path}' was opened header-only");
        var element = file.Dataset.Get(DicomTag.PixelData) ?? throw new DicomReadException(file.Path, "no Pixel Data (7FE0,0010)");
        var syntax = file.TransferSyntax;
        try
        {
            if (element.Fragments is { } fragments)
            {
                var decoder = syntax.CreateDecoder() ?? throw new UnsupportedTransferSyntaxException(file.Path, syntax.Uid, syntax.Name);
                var frames = GetNumberOfFrames(file.Dataset, file.Path);
                var bytes = FrameBytes(fragments, frame, frames, syntax);
                decoder.Decode(bytes.Span, info, destination);
                return;
            }
            if (syntax.Encapsulated && !syntax.CanDecode)
                throw new UnsupportedTransferSyntaxException(file.Path, syntax.Uid, syntax.Name);
            var frameBytes = info.FrameBytes;
            var value = element.Value.Span;
            var offset = frameBytes * frame;
            if (offset + frameBytes > value.Length)
                throw new DicomReadException(file.Path, $"Pixel Data (7FE0,0010) holds {value.Length} bytes, frame {frame + 1} needs bytes {offset}..{offset + frameBytes} ({info.Rows}×{info.Columns}×{info.SamplesPerPixel} samples of {info.BitsAllocated} bits)");
            var src = value.Slice((int)offset, (int)frameBytes);
            var planar = info.SamplesPerPixel > 1 && info.PlanarConfiguration == 1;
            if (planar) Interleave(src, info, destination);
            else src.CopyTo(destination);
            if (element.BigEndian && info.BytesPerSample > 1) SwapBytes(destination[..(int)frameBytes], info.BytesPerSample);
        }
        catch (Exception ex) when (ex is InvalidDataException or NotSupportedException or IndexOutOfRangeException or ArgumentException or OpenCvSharp.OpenCVException)
        {
            throw new DicomReadException(file.Path, $"cannot decode frame {frame + 1} ({syntax.Name}): {ex.Message}", ex);
        }
    }

    private static void SwapBytes(Span<byte> data, int bytesPerSample)
    {
        if (bytesPerSample == 2)
        {
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(data);
            BinaryPrimitives.ReverseEndianness(words, words);
        }
        else if (bytesPerSample == 4)
        {
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(data);
            BinaryPrimitives.ReverseEndianness(words, words);
        }
    }

    private static void Interleave(ReadOnlySpan<byte> planar, FrameInfo info, Span<byte> dst)
    {
        var bps = info.BytesPerSample;
        var pixels = info.Rows * info.Columns;
        for (var s = 0; s < info.SamplesPerPixel; s++)
            for (var p = 0; p < pixels; p++)
                planar.Slice((s * pixels + p) * bps, bps).CopyTo(dst[(((p * info.SamplesPerPixel) + s) * bps)..]);
    }

    /// <summary>
    /// The compressed bytes of one frame (PS3.5 §A.4): all fragments when there is one frame; else by the
    /// basic offset table; else one fragment per frame when the counts match; else split at codestream starts.
    /// </summary>
    internal static ReadOnlyMemory<byte> FrameBytes(DicomFragments f, int frame, int frames, TransferSyntax syntax)
    {
        var list = f.Fragments;
        if (list.Count == 0) throw new InvalidDataException("encapsulated pixel data has no fragments");
        if (frame < 0 || frame >= frames) throw new ArgumentOutOfRangeException(nameof(frame));
        if (frames == 1) return Concat(list, 0, list.Count);

        var bot = f.OffsetTable.Span;
        if (bot.Length >= frames * 4)
        {
            var starts = new long[list.Count];
            long pos = 0;
            for (var i = 0; i < list.Count; i++) { starts[i] = pos; pos += 8 + list[i].Length; }
            var beginAt = frame * 4;
            long begin = BinaryPrimitives.ReadUInt32LittleEndian(bot[beginAt..]);
            long end = long.MaxValue;
            if (frame + 1 < frames) end = BinaryPrimitives.ReadUInt32LittleEndian(bot[(beginAt + 4)..]);
            var first = Array.IndexOf(starts, begin);
            if (first < 0) throw new InvalidDataException($"basic offset table entry {frame + 1} ({begin}) does not point at a fragment");
            var last = first;
            while (last + 1 < list.Count && starts[last + 1] < end) last++;
            return Concat(list, first, last - first + 1);
        }
        if (list.Count == frames) return list[frame];

        // Split at codestream starts: JPEG SOI (FFD8), JPEG-LS too, J2K SOC (FF4F) or a JP2 signature box.
        var frameStarts = new List<int>();
        for (var i = 0; i < list.Count; i++)
        {
            var s = list[i].Span;
            var isStart = s.Length >= 2 && s[0] == 0xFF && (s[1] == 0xD8 || s[1] == 0x4F)
                || s.Length >= 8 && s[4] == (byte)'j' && s[5] == (byte)'P' && s[6] == (byte)' ' && s[7] == (byte)' ';
            if (isStart || i == 0) frameStarts.Add(i);
        }
        if (frameStarts.Count != frames)
            throw new InvalidDataException($"cannot tell the {frames} frames apart in {list.Count} fragments without an offset table ({syntax.Name})");
        var from = frameStarts[frame];
        var to = frame + 1 < frames ? frameStarts[frame + 1] : list.Count;
        return Concat(list, from, to - from);
    }

    private static ReadOnlyMemory<byte> Concat(IReadOnlyList<ReadOnlyMemory<byte>> list, int first, int count)
    {
        if (count == 1) return list[first];
        var total = 0L;
        for (var i = first; i < first + count; i++) total += list[i].Length;
        var buffer = new byte[total];
        var o = 0;
        for (var i = first; i < first + count; i++) { list[i].Span.CopyTo(buffer.AsSpan(o)); o += list[i].Length; }
        return buffer;
    }
}

using System.Buffers;
using System.Runtime.InteropServices;
using JpegLibrary;

namespace CementQuant.Dicom.Codecs;

/// <summary>
/// DCT-based JPEG (baseline, extended, progressive; Huffman or arithmetic) through JpegLibrary, then
/// clamping, libjpeg-style chroma upsampling and packing into the DICOM layout.
/// </summary>
/// <remarks>
/// JpegLibrary's IDCT is floating point, libjpeg's (which gdcm uses) is the 13-bit integer "islow"
/// one, so samples differ from gdcm's by at most 1 on the conformance files: acceptable for lossy data.
/// </remarks>
internal static class JpegDctDecoder
{
    public static void Decode(ReadOnlySpan<byte> frame, JpegHeader header, FrameInfo info, Span<byte> destination)
    {
        var nc = header.ComponentIds.Length;
        if (header.Precision is not (8 or 12)) throw new InvalidDataException($"JPEG DCT precision: expected 8 or 12 bits, found {header.Precision}");
        if (header.Width != info.Columns || header.Height != info.Rows)
            throw new InvalidDataException($"JPEG frame is {header.Width}×{header.Height}, the dataset declares {info.Columns}×{info.Rows} (Columns×Rows)");
        if (nc != info.SamplesPerPixel)
            throw new InvalidDataException($"JPEG frame has {nc} components, the dataset declares SamplesPerPixel {info.SamplesPerPixel}");
        if (nc is not (1 or 3)) throw new NotSupportedException($"JPEG with {nc} components is not supported");
        if (info.BytesPerSample == 1 && header.Precision > 8)
            throw new InvalidDataException($"JPEG precision of {header.Precision} bits does not fit BitsAllocated {info.BitsAllocated}");
        if (info.BytesPerSample == 4) throw new NotSupportedException("JPEG into 32-bit samples (BitsAllocated 32) is not supported");

        var pixels = info.Rows * info.Columns;
        var input = ArrayPool<byte>.Shared.Rent(frame.Length);
        var planes = ArrayPool<short>.Shared.Rent(pixels * nc);
        try
        {
            frame.CopyTo(input);
            var decoder = new JpegDecoder();
            decoder.SetInput(input.AsMemory(0, frame.Length));
            decoder.Identify();
            decoder.SetOutputWriter(new PlaneWriter(info.Columns, info.Rows, planes));
            decoder.Decode();
            var all = planes.AsSpan(0, pixels * nc);
            Clamp(all, (1 << header.Precision) - 1);
            if (nc > 1) UpsampleChroma(all, header, info.Columns, info.Rows);
            Pack(all, pixels, nc, info, destination);
        }
        catch (Exception ex) when (ex is not (InvalidDataException or NotSupportedException or OutOfMemoryException))
        {
            // JpegLibrary reports corrupt streams as InvalidOperationException ("Expect restart marker."),
            // ArgumentOutOfRangeException (scanline index) or IndexOutOfRangeException: all mean bad data here.
            throw new InvalidDataException($"JPEG stream is corrupt: {ex.Message}", ex);
        }
        finally
        {
            ArrayPool<short>.Shared.Return(planes);
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    /// <summary>The IDCT output may overshoot; libjpeg clamps to [0, 2^P-1] (its range_limit table) before upsampling.</summary>
    private static void Clamp(Span<short> samples, int max)
    {
        for (var i = 0; i < samples.Length; i++) samples[i] = (short)Math.Clamp((int)samples[i], 0, max);
    }

    private static void Pack(ReadOnlySpan<short> planes, int pixels, int nc, FrameInfo info, Span<byte> destination)
    {
        if (info.BytesPerSample == 1)
        {
            for (var c = 0; c < nc; c++)
            {
                var plane = planes.Slice(c * pixels, pixels);
                for (var i = 0; i < pixels; i++) destination[i * nc + c] = (byte)plane[i];
            }
        }
        else
        {
            var dst = MemoryMarshal.Cast<byte, ushort>(destination);
            if (nc == 1) { MemoryMarshal.Cast<short, ushort>(planes[..pixels]).CopyTo(dst); return; }
            for (var c = 0; c < nc; c++)
            {
                var plane = planes.Slice(c * pixels, pixels);
                for (var i = 0; i < pixels; i++) dst[i * nc + c] = (ushort)plane[i];
            }
        }
    }

    /// <summary>
    /// JpegLibrary replicates subsampled samples; libjpeg (jdsample.c) interpolates 2:1 horizontal and 2:1
    /// horizontal+vertical subsampling with a triangle filter when the component is wider than 2 samples.
    /// We take every hs-th/vs-th replicated sample back and redo the upsampling libjpeg's way. Other ratios
    /// stay replicated, as in libjpeg.
    /// </summary>
    private static void UpsampleChroma(Span<short> planes, JpegHeader header, int width, int height)
    {
        var pixels = width * height;
        int maxH = 1, maxV = 1;
        foreach (var (h, v) in header.Sampling) { maxH = Math.Max(maxH, h); maxV = Math.Max(maxV, v); }
        for (var c = 0; c < header.Sampling.Length; c++)
        {
            var (h, v) = header.Sampling[c];
            if (maxH % h != 0 || maxV % v != 0) throw new NotSupportedException($"JPEG sampling factors {h}×{v} do not divide {maxH}×{maxV}");
            var hs = maxH / h;
            var vs = maxV / v;
            var sw = (width * h + maxH - 1) / maxH;   // downsampled_width in libjpeg
            var sh = (height * v + maxV - 1) / maxV;  // downsampled_height
            if (hs != 2 || vs > 2 || sw <= 2) continue;
            var plane = planes.Slice(c * pixels, pixels);
            var sub = ArrayPool<short>.Shared.Rent(sw * sh);
            try
            {
                for (var j = 0; j < sh; j++)
                    for (var i = 0; i < sw; i++) sub[j * sw + i] = plane[j * vs * width + i * 2];
                var row = new short[2 * sw];
                if (vs == 1)
                {
                    for (var j = 0; j < sh; j++)
                    {
                        H2V1(sub.AsSpan(j * sw, sw), row);
                        row.AsSpan(0, width).CopyTo(plane.Slice(j * width, width));
                    }
                }
                else
                {
                    for (var j = 0; j < sh; j++)
                    {
                        var here = sub.AsSpan(j * sw, sw);
                        for (var half = 0; half < 2; half++)
                        {
                            var y = 2 * j + half;
                            if (y >= height) break;
                            // Nearer neighbour row: above for the upper output row, below for the lower; edges repeat.
                            var k = half == 0 ? Math.Max(j - 1, 0) : Math.Min(j + 1, sh - 1);
                            H2V2(here, sub.AsSpan(k * sw, sw), row);
                            row.AsSpan(0, width).CopyTo(plane.Slice(y * width, width));
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<short>.Shared.Return(sub);
            }
        }
    }

    /// <summary>libjpeg h2v1_fancy_upsample: each output is ¾ the nearer input + ¼ the further, alternating rounding.</summary>
    private static void H2V1(ReadOnlySpan<short> s, Span<short> o)
    {
        var n = s.Length;
        o[0] = s[0];
        o[1] = (short)((s[0] * 3 + s[1] + 2) >> 2);
        for (var i = 1; i < n - 1; i++)
        {
            var v = s[i] * 3;
            o[2 * i] = (short)((v + s[i - 1] + 1) >> 2);
            o[2 * i + 1] = (short)((v + s[i + 1] + 2) >> 2);
        }
        o[2 * n - 2] = (short)((s[n - 1] * 3 + s[n - 2] + 1) >> 2);
        o[2 * n - 1] = s[n - 1];
    }

    /// <summary>libjpeg h2v2_fancy_upsample: column sums 3×near + far row, then the same ¾/¼ rule across (÷16).</summary>
    private static void H2V2(ReadOnlySpan<short> near, ReadOnlySpan<short> far, Span<short> o)
    {
        var n = near.Length;
        var cur = near[0] * 3 + far[0];
        var next = near[1] * 3 + far[1];
        o[0] = (short)((cur * 4 + 8) >> 4);
        o[1] = (short)((cur * 3 + next + 7) >> 4);
        var last = cur; cur = next;
        for (var i = 1; i < n - 1; i++)
        {
            next = near[i + 1] * 3 + far[i + 1];
            o[2 * i] = (short)((cur * 3 + last + 8) >> 4);
            o[2 * i + 1] = (short)((cur * 3 + next + 7) >> 4);
            last = cur; cur = next;
        }
        o[2 * n - 2] = (short)((cur * 3 + last + 8) >> 4);
        o[2 * n - 1] = (short)((cur * 4 + 7) >> 4);
    }

    /// <summary>Receives JpegLibrary's 8×8 output blocks (level-shifted, upsampled by replication) into full-size planes.</summary>
    private sealed class PlaneWriter(int width, int height, short[] planes) : JpegBlockOutputWriter
    {
        public override void WriteBlock(ref short blockRef, int componentIndex, int x, int y)
        {
            if (x >= width || y >= height || x < 0 || y < 0 || (uint)componentIndex * width * height >= planes.Length) return;
            var w = Math.Min(width - x, 8);
            var h = Math.Min(height - y, 8);
            var block = MemoryMarshal.CreateReadOnlySpan(ref blockRef, 64);
            var plane = planes.AsSpan(componentIndex * width * height, width * height);
            for (var r = 0; r < h; r++)
                block.Slice(r * 8, w).CopyTo(plane.Slice((y + r) * width + x, w));
        }
    }
}

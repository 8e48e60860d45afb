using System.Buffers.Binary;
using System.IO.Compression;

namespace CementQuant.Phantom;

/// <summary>A minimal 8-bit grayscale PNG writer (IHDR, one zlib IDAT with the Up filter, IEND), no dependencies.</summary>
public static class PreviewPng
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    public static void Write(string path, int width, int height, ReadOnlySpan<byte> gray)
    {
        using var file = File.Create(path);
        Write(file, width, height, gray);
    }

    public static void Write(Stream output, int width, int height, ReadOnlySpan<byte> gray)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (gray.Length != width * height) throw new ArgumentException($"expected {width * height} pixels, found {gray.Length}", nameof(gray));
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);

        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 0;  // colour type: grayscale
        WriteChunk(output, "IHDR"u8, ihdr);

        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var line = new byte[width + 1];
            for (var y = 0; y < height; y++)
            {
                line[0] = 2; // filter type Up: difference to the row above (row −1 is zeros)
                var row = gray.Slice(y * width, width);
                for (var x = 0; x < width; x++)
                    line[x + 1] = (byte)(row[x] - (y > 0 ? gray[(y - 1) * width + x] : 0));
                z.Write(line);
            }
        }
        WriteChunk(output, "IDAT"u8, compressed.ToArray());
        WriteChunk(output, "IEND"u8, []);
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        var crc = Update(Update(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }

    /// <summary>CRC-32 (ISO 3309, polynomial 0xEDB88320) as PNG requires.</summary>
    internal static uint Crc32(ReadOnlySpan<byte> data) => Update(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu;

    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}

/// <summary>
/// Writes preview slices of a rendered CT, reformatted in patient space through one vertebra (so the stored
/// orientation does not matter), in the radiological convention: axial seen from the feet with the patient's
/// left on the viewer's right and anterior up; coronal seen from the front, left on the right, head up;
/// sagittal seen from the patient's left, anterior on the viewer's left, head up. The planes follow the
/// vertebra's own frame and pass through the centroid of its cement (its centre when it has none).
/// </summary>
public static class CtPreview
{
    /// <summary>Writes <c>{prefix}-axial.png</c>, <c>-coronal.png</c> and <c>-sagittal.png</c>; returns the paths.</summary>
    public static IReadOnlyList<string> WriteSlices(RenderedCt ct, string vertebra, string directory, string prefix,
        double pixelMm = 0.6, double windowCenter = 400, double windowWidth = 1800)
    {
        ArgumentNullException.ThrowIfNull(ct);
        var v = ct.Case.Model[vertebra];
        var f = v.Frame;
        var (all, larger) = CementCentroids(ct, v);
        var local = f.ToLocal(all ?? f.Origin);
        var sagittalU = larger is { } c ? f.ToLocal(c).X : local.X;
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        // Axial: columns along U (patient left → viewer's right), rows along V (posterior down).
        paths.Add(Write(ct, Path.Combine(directory, $"{prefix}-axial.png"), f.ToPatient(0, 0, local.Z) , f.U, f.V, 256, 256, pixelMm, windowCenter, windowWidth));
        // Coronal: columns along U, rows along −W (feet down).
        paths.Add(Write(ct, Path.Combine(directory, $"{prefix}-coronal.png"), f.ToPatient(0, local.Y, 0), f.U, -f.W, 256, 320, pixelMm, windowCenter, windowWidth));
        // Sagittal: columns along V (anterior on the viewer's left), rows along −W.
        paths.Add(Write(ct, Path.Combine(directory, $"{prefix}-sagittal.png"), f.ToPatient(sagittalU, 20, 0), f.V, -f.W, 256, 320, pixelMm, windowCenter, windowWidth));
        return paths;
    }

    /// <summary>Centroid of the vertebra's in-body cement voxels, and of those on its larger side (so the
    /// sagittal plane cuts through one column of a bipedicular fill rather than between them).</summary>
    private static (Vec3? All, Vec3? LargerSide) CementCentroids(RenderedCt ct, VertebraModel v)
    {
        var sum = new double[2, 4];
        var hu = ct.Hu;
        for (var k = 0; k < hu.SizeZ; k++)
            for (var j = 0; j < hu.SizeY; j++)
                for (var i = 0; i < hu.SizeX; i++)
                {
                    var idx = hu.IndexOf(i, j, k);
                    if (ct.Cement.Data[idx] == 0 || ct.BodyLabels.Data[idx] != v.Label) continue;
                    var side = v.Frame.ToLocal(ct.Geometry.ToPatient(i, j, k)).X > 0 ? 0 : 1;
                    sum[side, 0] += i; sum[side, 1] += j; sum[side, 2] += k; sum[side, 3]++;
                }
        var n = sum[0, 3] + sum[1, 3];
        if (n == 0) return (null, null);
        var all = ct.Geometry.ToPatient((sum[0, 0] + sum[1, 0]) / n, (sum[0, 1] + sum[1, 1]) / n, (sum[0, 2] + sum[1, 2]) / n);
        var s = sum[0, 3] >= sum[1, 3] ? 0 : 1;
        var larger = ct.Geometry.ToPatient(sum[s, 0] / sum[s, 3], sum[s, 1] / sum[s, 3], sum[s, 2] / sum[s, 3]);
        return (all, larger);
    }

    private static string Write(RenderedCt ct, string path, Vec3 centre, Vec3 colDir, Vec3 rowDir, int width, int height,
        double px, double wc, double ww)
    {
        var pixels = new byte[width * height];
        var lo = wc - ww / 2;
        for (var r = 0; r < height; r++)
        {
            for (var c = 0; c < width; c++)
            {
                var p = centre + colDir * ((c - (width - 1) / 2.0) * px) + rowDir * ((r - (height - 1) / 2.0) * px);
                var hu = Trilinear(ct.Hu, p);
                pixels[r * width + c] = (byte)Math.Clamp(Math.Round((hu - lo) / ww * 255), 0, 255);
            }
        }
        PreviewPng.Write(path, width, height, pixels);
        return path;
    }

    /// <summary>Trilinear interpolation of the volume at a patient point; −1024 outside.</summary>
    internal static double Trilinear(Volume<short> vol, Vec3 p)
    {
        var (x, y, z) = vol.Geometry.ToVoxel(p);
        if (x < 0 || y < 0 || z < 0 || x > vol.SizeX - 1 || y > vol.SizeY - 1 || z > vol.SizeZ - 1) return -1024;
        int i = Math.Min((int)x, vol.SizeX - 2), j = Math.Min((int)y, vol.SizeY - 2), k = Math.Min((int)z, vol.SizeZ - 2);
        if (vol.SizeX == 1) i = 0;
        double fx = x - i, fy = y - j, fz = z - k;
        double V(int a, int b, int c) => vol[Math.Min(i + a, vol.SizeX - 1), Math.Min(j + b, vol.SizeY - 1), Math.Min(k + c, vol.SizeZ - 1)];
        var c00 = V(0, 0, 0) * (1 - fx) + V(1, 0, 0) * fx;
        var c10 = V(0, 1, 0) * (1 - fx) + V(1, 1, 0) * fx;
        var c01 = V(0, 0, 1) * (1 - fx) + V(1, 0, 1) * fx;
        var c11 = V(0, 1, 1) * (1 - fx) + V(1, 1, 1) * fx;
        var c0 = c00 * (1 - fy) + c10 * fy;
        var c1 = c01 * (1 - fy) + c11 * fy;
        return c0 * (1 - fz) + c1 * fz;
    }
}

/// <summary>Writes a radiograph as a PNG the way a viewer shows it (MONOCHROME1 inverted), windowed to its
/// 2nd–99.8th percentiles, in stored orientation (PatientOrientation tells which side is which).</summary>
public static class RadiographPreview
{
    public static void Write(RenderedRadiograph radiograph, string path)
    {
        ArgumentNullException.ThrowIfNull(radiograph);
        var img = radiograph.Image;
        var shown = img.Data.Select(v => radiograph.Photometric == Photometric.Monochrome1 ? 4095 - v : (int)v).ToArray();
        var sorted = shown.Order().ToArray();
        var lo = sorted[(int)(sorted.Length * 0.02)];
        var hi = sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.998))];
        var px = new byte[shown.Length];
        for (var i = 0; i < px.Length; i++) px[i] = (byte)Math.Clamp((shown[i] - lo) * 255 / Math.Max(1, hi - lo), 0, 255);
        PreviewPng.Write(path, img.Width, img.Height, px);
    }
}

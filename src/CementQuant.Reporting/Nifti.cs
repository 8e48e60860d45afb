using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace CementQuant.Reporting;

/// <summary>
/// NIfTI-1 single-file volumes (.nii, .nii.gz). The header's sform carries the exact voxel-to-world
/// affine (RAS, the LPS geometry with x and y negated); the qform carries the same rotation as a
/// quaternion when the grid is not sheared, so 3D Slicer, ITK-SNAP and nibabel all place it on the CT.
/// </summary>
public static class Nifti
{
    private const int HeaderSize = 348;
    private const int VoxOffset = 352;

    public const short DtUInt8 = 2, DtInt16 = 4, DtInt32 = 8, DtFloat32 = 16, DtFloat64 = 64, DtInt8 = 256, DtUInt16 = 512;

    /// <summary>
    /// An HU volume. A .gz path is compressed on every core as concatenated Huffman-only gzip members
    /// (<see cref="ParallelGzip"/>): the noisy low bytes of CT leave LZ77 string matching little to find, and
    /// skipping it makes compression several times faster. Label maps keep zlib, whose matches shrink their
    /// runs of zeros to almost nothing. <paramref name="jobs"/>: compressing threads (0: one per core).
    /// </summary>
    public static void Write(string path, Volume<short> volume, string description = "CementQuant HU", int jobs = 0)
    {
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            Write(path, volume.SizeX, volume.SizeY, volume.SizeZ, volume.Geometry, DtInt16, 16, MemoryMarshal.AsBytes(volume.Data.AsSpan()), description);
            return;
        }
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts");
        var header = BuildHeader(volume.SizeX, volume.SizeY, volume.SizeZ, volume.Geometry, DtInt16, 16, description);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        ParallelGzip.Write(file, header, volume.Data, volume.Length * 2, jobs > 0 ? jobs : Environment.ProcessorCount);
    }

    public static void Write(string path, Volume<byte> volume, string description = "CementQuant labels") =>
        Write(path, volume.SizeX, volume.SizeY, volume.SizeZ, volume.Geometry, DtUInt8, 8, volume.Data, description);

    private static void Write(string path, int nx, int ny, int nz, ImageGeometry g, short datatype, short bitpix, ReadOnlySpan<byte> data, string description)
    {
        using var output = new Output(path, BuildHeader(nx, ny, nz, g, datatype, bitpix, description));
        // Write in chunks: one GZip write of hundreds of MB is fine, but chunks keep the buffer in cache.
        const int Chunk = 1 << 20;
        for (var o = 0; o < data.Length; o += Chunk) output.Stream.Write(data.Slice(o, Math.Min(Chunk, data.Length - o)));
    }

    /// <summary>
    /// Writes a uint8 label volume one slice at a time: <paramref name="fillSlice"/> gets slice z cleared to 0 and sets
    /// its labels, so a label map of a 512×512×600 CT costs one slice of memory instead of 150 MB.
    /// </summary>
    public static void WriteLabels(string path, int nx, int ny, int nz, ImageGeometry g, Action<int, Span<byte>> fillSlice, string description = "CementQuant labels")
    {
        using var output = new Output(path, BuildHeader(nx, ny, nz, g, DtUInt8, 8, description));
        var slice = new byte[checked(nx * ny)];
        for (var z = 0; z < nz; z++)
        {
            Array.Clear(slice);
            fillSlice(z, slice);
            output.Stream.Write(slice);
        }
    }

    /// <summary>The file a volume goes to, gzip-compressed when its name ends in .gz, with the header already written.</summary>
    private sealed class Output : IDisposable
    {
        private readonly FileStream _file;
        public Stream Stream { get; }

        public Output(string path, byte[] header)
        {
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts");
            _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            Stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(_file, CompressionLevel.Fastest, leaveOpen: true) : _file;
            Stream.Write(header);
        }

        public void Dispose()
        {
            if (!ReferenceEquals(Stream, _file)) Stream.Dispose();
            _file.Dispose();
        }
    }

    internal static byte[] BuildHeader(int nx, int ny, int nz, ImageGeometry g, short datatype, short bitpix, string description)
    {
        var h = new byte[VoxOffset];
        var s = h.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(s, HeaderSize);
        s[38] = (byte)'r'; // regular
        WriteShort(s, 40, 3); WriteShort(s, 42, (short)nx); WriteShort(s, 44, (short)ny); WriteShort(s, 46, (short)nz);
        for (var d = 4; d <= 7; d++) WriteShort(s, 40 + 2 * d, 1);
        WriteShort(s, 70, datatype);
        WriteShort(s, 72, bitpix);

        // World = RAS: negate the x and y rows of the LPS affine.
        var c = Ras(g.ColumnStep); var r = Ras(g.RowStep); var k = Ras(g.SliceStep); var o = Ras(g.Origin);
        var sx = c.Length; var sy = r.Length; var sz = k.Length;
        // Quaternion of the rotation whose columns are the unit steps (third possibly flipped: qfac).
        var cu = c / sx; var ru = r / sy; var ku = k / sz;
        var det = cu.Dot(ru.Cross(ku));
        var qfac = det < 0 ? -1f : 1f;
        var sheared = g.IsSheared;
        WriteFloat(s, 76, qfac);
        WriteFloat(s, 80, (float)sx); WriteFloat(s, 84, (float)sy); WriteFloat(s, 88, (float)(sheared ? Math.Abs(g.SliceStep.Dot(g.SliceNormal)) : sz));
        WriteFloat(s, 108, VoxOffset);
        WriteFloat(s, 112, 1); // scl_slope
        WriteFloat(s, 116, 0); // scl_inter
        s[123] = 2 | 8; // xyzt_units: mm, s
        Encoding.ASCII.GetBytes(description.Length > 79 ? description[..79] : description).CopyTo(s[148..]);
        WriteShort(s, 252, (short)(sheared ? 0 : 1)); // qform_code: scanner (not representable when sheared)
        WriteShort(s, 254, 1); // sform_code: scanner
        if (!sheared)
        {
            var (b, cq, d) = Quaternion(cu, ru, ku * qfac);
            WriteFloat(s, 256, (float)b); WriteFloat(s, 260, (float)cq); WriteFloat(s, 264, (float)d);
        }
        WriteFloat(s, 268, (float)o.X); WriteFloat(s, 272, (float)o.Y); WriteFloat(s, 276, (float)o.Z);
        // srow_x, srow_y, srow_z
        double[][] rows = [[c.X, r.X, k.X, o.X], [c.Y, r.Y, k.Y, o.Y], [c.Z, r.Z, k.Z, o.Z]];
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 4; j++) WriteFloat(s, 280 + 16 * i + 4 * j, (float)rows[i][j]);
        "n+1\0"u8.CopyTo(s[344..]);
        return h;
    }

    private static Vec3 Ras(Vec3 v) => new(-v.X, -v.Y, v.Z);

    /// <summary>Quaternion (b, c, d) of a proper rotation matrix with columns u, v, w (NIfTI's nifti_mat44_to_quatern).</summary>
    private static (double B, double C, double D) Quaternion(Vec3 u, Vec3 v, Vec3 w)
    {
        double r11 = u.X, r21 = u.Y, r31 = u.Z, r12 = v.X, r22 = v.Y, r32 = v.Z, r13 = w.X, r23 = w.Y, r33 = w.Z;
        var a = r11 + r22 + r33 + 1;
        double b, c, d;
        if (a > 0.5)
        {
            a = 0.5 * Math.Sqrt(a);
            b = 0.25 * (r32 - r23) / a; c = 0.25 * (r13 - r31) / a; d = 0.25 * (r21 - r12) / a;
        }
        else
        {
            var xd = 1 + r11 - (r22 + r33); var yd = 1 + r22 - (r11 + r33); var zd = 1 + r33 - (r11 + r22);
            if (xd > 1) { b = 0.5 * Math.Sqrt(xd); c = 0.25 * (r12 + r21) / b; d = 0.25 * (r13 + r31) / b; a = 0.25 * (r32 - r23) / b; }
            else if (yd > 1) { c = 0.5 * Math.Sqrt(yd); b = 0.25 * (r12 + r21) / c; d = 0.25 * (r23 + r32) / c; a = 0.25 * (r13 - r31) / c; }
            else { d = 0.5 * Math.Sqrt(zd); b = 0.25 * (r13 + r31) / d; c = 0.25 * (r23 + r32) / d; a = 0.25 * (r21 - r12) / d; }
            if (a < 0) { b = -b; c = -c; d = -d; }
        }
        return (b, c, d);
    }

    private static void WriteShort(Span<byte> s, int at, short v) => BinaryPrimitives.WriteInt16LittleEndian(s[at..], v);
    private static void WriteFloat(Span<byte> s, int at, float v) => BinaryPrimitives.WriteSingleLittleEndian(s[at..], v);

    /// <summary>A NIfTI volume as read: voxels converted to HU-like int16 (scl_slope/inter applied) and its LPS geometry.</summary>
    public sealed record NiftiVolume(Volume<short> Volume, short Datatype, string GeometrySource)
    {
        /// <summary>intent_code of the header (1002 NIFTI_INTENT_LABEL marks a label map).</summary>
        public short IntentCode { get; init; }
    }

    /// <summary>Largest NIfTI volume read, in voxels (the CT limit of the DICOM header sanity layer: 512 Mi).</summary>
    public const long MaxVoxels = 512L << 20;

    private const short DtRgb24 = 128, DtRgba32 = 2304, IntentLabel = 1002, IntentNeuroName = 1003;

    /// <summary>
    /// Reads a NIfTI input that analyse would treat as a CT volume in HU, and refuses (with
    /// <see cref="NiftiNotCtException"/>, a reason to skip rather than a failure) label maps, masks, RGB images
    /// and volumes without a single value below 0 HU (a CT always holds air or fat; one that does not is not in HU).
    /// </summary>
    public static NiftiVolume ReadCt(string path)
    {
        var nii = Read(path);
        if (nii.IntentCode is IntentLabel or IntentNeuroName)
            throw new NiftiNotCtException(path, $"label map (intent_code {nii.IntentCode}), not a CT volume");
        var seen = new bool[65536];
        int min = short.MaxValue, max = short.MinValue, distinct = 0;
        foreach (var v in nii.Volume.Data)
        {
            if (!seen[v + 32768]) { seen[v + 32768] = true; distinct++; }
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (distinct <= 2 && min >= 0)
            throw new NiftiNotCtException(path, string.Create(CultureInfo.InvariantCulture, $"mask (values {min} and {max} only), not a CT volume"));
        if (min >= 0 && distinct <= 1024)
            throw new NiftiNotCtException(path, string.Create(CultureInfo.InvariantCulture, $"label map ({distinct} values from {min} to {max}), not a CT volume"));
        if (min >= 0)
            throw new NiftiNotCtException(path, string.Create(CultureInfo.InvariantCulture, $"no value below 0 (range {min} to {max}): not a CT volume in HU (no air; scl_inter missing?)"));
        return nii;
    }

    /// <summary>
    /// Reads a 3D NIfTI-1 (or NIfTI-2-free) single file into int16 with scaling applied. The geometry comes
    /// from the sform when its code is set, else the qform, else pixdim alone. Throws
    /// <see cref="DicomReadException"/> (the file-boundary exception) with the path on malformed input.
    /// </summary>
    public static NiftiVolume Read(string path)
    {
        byte[] bytes;
        try
        {
            // The header first; then exactly the bytes it declares (bounded), never whatever a gzip bomb inflates to.
            using var file = File.OpenRead(path);
            using Stream input = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
            var head = new byte[VoxOffset];
            var got = input.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var declared = got < head.Length ? got : DeclaredBytes(head, path);
            bytes = GC.AllocateUninitializedArray<byte>((int)Math.Max(declared, got));
            head.AsSpan(0, Math.Min(got, bytes.Length)).CopyTo(bytes);
            if (bytes.Length > got) got += input.ReadAtLeast(bytes.AsSpan(got), bytes.Length - got, throwOnEndOfStream: false);
            if (got < bytes.Length) bytes = bytes[..got];
        }
        catch (InvalidDataException ex)
        {
            throw new DicomReadException(path, $"not a gzip stream: {ex.Message}", ex);
        }
        return Parse(bytes, path);
    }

    /// <summary>vox_offset + voxels × bytes per voxel as the header declares them, refusing volumes over <see cref="MaxVoxels"/>;
    /// the header's own size when it cannot tell (Parse then says why).</summary>
    private static long DeclaredBytes(byte[] s, string path)
    {
        var big = BinaryPrimitives.ReadInt32LittleEndian(s) != HeaderSize;
        short I16(int at) => big ? BinaryPrimitives.ReadInt16BigEndian(s.AsSpan(at)) : BinaryPrimitives.ReadInt16LittleEndian(s.AsSpan(at));
        float F32(int at) => big ? BinaryPrimitives.ReadSingleBigEndian(s.AsSpan(at)) : BinaryPrimitives.ReadSingleLittleEndian(s.AsSpan(at));
        var ndim = I16(40);
        if (ndim is < 2 or > 7) return s.Length;
        long count = 1;
        for (var d = 1; d <= ndim; d++) count *= Math.Max((short)1, I16(40 + 2 * d));
        if (count > MaxVoxels)
            throw new DicomReadException(path, string.Create(CultureInfo.InvariantCulture, $"NIfTI header declares {count} voxels, more than the limit of {MaxVoxels}"));
        var bpp = Math.Max(1, I16(72) / 8);
        var offset = F32(108);
        if (!float.IsFinite(offset) || offset < 0 || offset > 1 << 20) return s.Length;
        return (long)offset + count * bpp;
    }

    private static NiftiVolume Parse(byte[] bytes, string path)
    {
        if (bytes.Length < VoxOffset) throw new DicomReadException(path, $"NIfTI file of {bytes.Length} bytes is shorter than its header");
        var s = bytes;
        var sizeLE = BinaryPrimitives.ReadInt32LittleEndian(s);
        var big = sizeLE != HeaderSize;
        if (big && BinaryPrimitives.ReadInt32BigEndian(s) != HeaderSize)
            throw new DicomReadException(path, "not a NIfTI-1 file (sizeof_hdr is not 348)");
        short I16(int at) => big ? BinaryPrimitives.ReadInt16BigEndian(s.AsSpan(at)) : BinaryPrimitives.ReadInt16LittleEndian(s.AsSpan(at));
        float F32(int at) => big ? BinaryPrimitives.ReadSingleBigEndian(s.AsSpan(at)) : BinaryPrimitives.ReadSingleLittleEndian(s.AsSpan(at));

        var ndim = I16(40);
        if (ndim is < 2 or > 7) throw new DicomReadException(path, $"NIfTI dim[0] = {ndim}, expected 3");
        int nx = I16(42), ny = I16(44), nz = ndim >= 3 ? I16(46) : 1;
        for (var d = 4; d <= ndim; d++)
            if (I16(40 + 2 * d) > 1) throw new DicomReadException(path, $"NIfTI volume has {ndim} dimensions with dim[{d}] = {I16(40 + 2 * d)}; only 3D volumes are analysed");
        if (nx <= 0 || ny <= 0 || nz <= 0) throw new DicomReadException(path, $"NIfTI dimensions {nx}×{ny}×{nz} are not positive");
        var datatype = I16(70);
        var bitpix = I16(72);
        var voxOffset = (int)F32(108);
        var slope = F32(112); var inter = F32(116);
        if (slope == 0 || !float.IsFinite(slope)) { slope = 1; inter = 0; }
        var count = (long)nx * ny * nz;
        if (datatype is DtRgb24 or DtRgba32 || (ndim >= 5 && I16(50) > 1))
            throw new NiftiNotCtException(path, $"colour or vector image (datatype {datatype}, dim[5] = {(ndim >= 5 ? I16(50) : 1)}), not a CT volume");
        var bpp = datatype switch { DtUInt8 or DtInt8 => 1, DtInt16 or DtUInt16 => 2, DtInt32 or DtFloat32 => 4, DtFloat64 => 8, _ => 0 };
        if (bpp == 0) throw new DicomReadException(path, $"NIfTI datatype {datatype} is not supported (uint8, int8, int16, uint16, int32, float32, float64 are)");
        if (voxOffset < VoxOffset - 4 || voxOffset + count * bpp > bytes.Length)
            throw new DicomReadException(path, $"NIfTI header declares {nx}×{ny}×{nz} voxels of {bitpix} bits at offset {voxOffset}, but the file holds {bytes.Length} bytes");

        var geometry = ReadGeometry(s, big, nx, ny, nz, path, out var source);
        var data = ToHu(s.AsSpan(voxOffset), datatype, big, count, slope, inter);
        return new NiftiVolume(new Volume<short>(nx, ny, nz, geometry, data), datatype, source) { IntentCode = I16(68) };
    }

    /// <summary>Voxels of any supported datatype scaled by the header's slope and intercept and rounded to HU (NaN to
    /// −1024, out of range clamped to the short range).</summary>
    private static short[] ToHu(ReadOnlySpan<byte> v, short datatype, bool big, long count, float slope, float inter)
    {
        var data = new short[count];
        for (long i = 0; i < count; i++)
        {
            var y = Voxel(v, datatype, big, i) * slope + inter;
            data[i] = double.IsNaN(y) ? (short)-1024 : (short)Math.Clamp(Math.Round(y, MidpointRounding.AwayFromZero), short.MinValue, short.MaxValue);
        }
        return data;
    }

    private static double Voxel(ReadOnlySpan<byte> v, short datatype, bool big, long i) => datatype switch
    {
        DtUInt8 => v[(int)i],
        DtInt8 => (sbyte)v[(int)i],
        DtInt16 => big ? BinaryPrimitives.ReadInt16BigEndian(v[(int)(2 * i)..]) : BinaryPrimitives.ReadInt16LittleEndian(v[(int)(2 * i)..]),
        DtUInt16 => big ? BinaryPrimitives.ReadUInt16BigEndian(v[(int)(2 * i)..]) : BinaryPrimitives.ReadUInt16LittleEndian(v[(int)(2 * i)..]),
        DtInt32 => big ? BinaryPrimitives.ReadInt32BigEndian(v[(int)(4 * i)..]) : BinaryPrimitives.ReadInt32LittleEndian(v[(int)(4 * i)..]),
        DtFloat32 => big ? BinaryPrimitives.ReadSingleBigEndian(v[(int)(4 * i)..]) : BinaryPrimitives.ReadSingleLittleEndian(v[(int)(4 * i)..]),
        _ => big ? BinaryPrimitives.ReadDoubleBigEndian(v[(int)(8 * i)..]) : BinaryPrimitives.ReadDoubleLittleEndian(v[(int)(8 * i)..]),
    };

    private static ImageGeometry ReadGeometry(byte[] s, bool big, int nx, int ny, int nz, string path, out string source)
    {
        float F32(byte[] b, int at) => big ? BinaryPrimitives.ReadSingleBigEndian(b.AsSpan(at)) : BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(at));
        short I16(byte[] b, int at) => big ? BinaryPrimitives.ReadInt16BigEndian(b.AsSpan(at)) : BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(at));
        var qcode = I16(s, 252); var scode = I16(s, 254);
        var dx = F32(s, 80); var dy = F32(s, 84); var dz = F32(s, 88);
        if (dx <= 0) dx = 1; if (dy <= 0) dy = 1; if (dz <= 0) dz = 1;
        // A voxel from 0.01 to 100 mm, as the DICOM sanity layer bounds PixelSpacing: 1e-30 or 1e30 would size the
        // locator's grids from nothing or from kilometres.
        foreach (var p in new[] { dx, dy, dz })
            if (!float.IsFinite(p) || p < 0.01f || p > 100f)
                throw new DicomReadException(path, string.Create(CultureInfo.InvariantCulture, $"NIfTI pixdim {dx}, {dy}, {dz}: expected voxel sizes from 0.01 to 100 mm"));
        if (scode > 0)
        {
            source = "sform";
            Vec3 Col(int j) => Lps(new Vec3(F32(s, 280 + 4 * j), F32(s, 296 + 4 * j), F32(s, 312 + 4 * j)));
            for (var j = 0; j < 3; j++)
                if (!double.IsFinite(Col(j).Length) || Col(j).Length < 0.01 || Col(j).Length > 100)
                    throw new DicomReadException(path, string.Create(CultureInfo.InvariantCulture, $"NIfTI sform column {j} has length {Col(j).Length:G4} mm: expected voxel sizes from 0.01 to 100 mm"));
            return new ImageGeometry(Col(3), Col(0), Col(1), Col(2));
        }
        if (qcode > 0)
        {
            source = "qform";
            double b = F32(s, 256), c = F32(s, 260), d = F32(s, 264);
            var a = Math.Sqrt(Math.Max(0, 1 - (b * b + c * c + d * d)));
            var qfac = F32(s, 76) < 0 ? -1 : 1;
            var r1 = new Vec3(a * a + b * b - c * c - d * d, 2 * (b * c + a * d), 2 * (b * d - a * c));
            var r2 = new Vec3(2 * (b * c - a * d), a * a + c * c - b * b - d * d, 2 * (c * d + a * b));
            var r3 = new Vec3(2 * (b * d + a * c), 2 * (c * d - a * b), a * a + d * d - c * c - b * b) * qfac;
            var o = new Vec3(F32(s, 268), F32(s, 272), F32(s, 276));
            return new ImageGeometry(Lps(o), Lps(r1 * dx), Lps(r2 * dy), Lps(r3 * dz));
        }
        source = "pixdim";
        return new ImageGeometry(new Vec3(0, 0, 0), new Vec3(-dx, 0, 0), new Vec3(0, -dy, 0), new Vec3(0, 0, dz));
    }

    private static Vec3 Lps(Vec3 ras) => new(-ras.X, -ras.Y, ras.Z);
}

/// <summary>A NIfTI input that is readable but not a CT volume in HU (label map, mask, RGB): skipped with this reason, not failed.</summary>
public sealed class NiftiNotCtException(string path, string problem) : DicomReadException(path, problem);

using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using CementQuant.Dicom;
using CementQuant.Dicom.Series;

namespace CementQuant.Testing;

/// <summary>
/// The hostile-input corpus of issue 21, made at test time with fixed seeds (never committed): small synthetic
/// CT slices, an enhanced CT, a radiograph, the CT slice transcoded by trusted peers into RLE, JPEG lossless,
/// JPEG-LS and JPEG 2000 (GDCM/dcmtk), deflated and big endian, then mutated: header fields set to hostile
/// values (dimensions, bit depths, spacing, rescale, photometric, frames, geometry), truncations, byte flips,
/// corrupted element lengths, a 16384² JPEG 2000 radiograph, an enhanced CT of 16384² × 10000 frames and
/// deflate bombs. Each file gets a name that says what was done to it.
/// </summary>
public static class FuzzCorpus
{
    public sealed record Entry(string Path, string Mutation);

    private sealed record Base(string Name, byte[] Bytes, bool ExplicitLittleEndian);

    /// <summary>Hostile header values: (tag, VR, value) applied one at a time to each structured base.</summary>
    public static readonly (DicomTag Tag, string Vr, string Value)[] HostileFields =
    [
        (DicomTag.Rows, "US", "0"), (DicomTag.Rows, "US", "1"), (DicomTag.Rows, "US", "65535"), (DicomTag.Columns, "US", "65535"),
        (DicomTag.BitsAllocated, "US", "0"), (DicomTag.BitsAllocated, "US", "1"), (DicomTag.BitsAllocated, "US", "12"),
        (DicomTag.BitsAllocated, "US", "64"), (DicomTag.BitsAllocated, "US", "65535"),
        (DicomTag.BitsStored, "US", "0"), (DicomTag.BitsStored, "US", "17"), (DicomTag.BitsStored, "US", "255"),
        (DicomTag.HighBit, "US", "100"), (DicomTag.HighBit, "US", "0"),
        (DicomTag.SamplesPerPixel, "US", "0"), (DicomTag.SamplesPerPixel, "US", "2"), (DicomTag.SamplesPerPixel, "US", "3"), (DicomTag.SamplesPerPixel, "US", "65535"),
        (DicomTag.PixelRepresentation, "US", "2"), (DicomTag.PixelRepresentation, "US", "65535"),
        (DicomTag.PhotometricInterpretation, "CS", "PALETTE COLOR"), (DicomTag.PhotometricInterpretation, "CS", "RGB"), (DicomTag.PhotometricInterpretation, "CS", "XYZ"),
        (DicomTag.PixelSpacing, "DS", "0\\0"), (DicomTag.PixelSpacing, "DS", "1e-300\\1e-300"), (DicomTag.PixelSpacing, "DS", "1e6\\1e6"),
        (DicomTag.PixelSpacing, "DS", "-1\\-1"), (DicomTag.PixelSpacing, "DS", "NaN\\NaN"), (DicomTag.PixelSpacing, "DS", "1"), (DicomTag.PixelSpacing, "DS", "a\\b"),
        (DicomTag.RescaleSlope, "DS", "0"), (DicomTag.RescaleSlope, "DS", "1e308"), (DicomTag.RescaleSlope, "DS", "-Infinity"),
        (DicomTag.RescaleIntercept, "DS", "1e308"), (DicomTag.RescaleIntercept, "DS", "x"),
        (DicomTag.NumberOfFrames, "IS", "0"), (DicomTag.NumberOfFrames, "IS", "-1"), (DicomTag.NumberOfFrames, "IS", "10000"), (DicomTag.NumberOfFrames, "IS", "2147483647"),
        (DicomTag.ImagePositionPatient, "DS", "NaN\\0\\0"), (DicomTag.ImagePositionPatient, "DS", "1e300\\0\\0"),
        (DicomTag.ImageOrientationPatient, "DS", "0\\0\\0\\0\\0\\0"), (DicomTag.SliceThickness, "DS", "1e300"),
        (DicomTag.ImagerPixelSpacing, "DS", "0\\0"), (DicomTag.StudyInstanceUID, "UI", ""), (DicomTag.SeriesInstanceUID, "UI", ""),
    ];

    /// <summary>Writes the corpus into <paramref name="folder"/> (at least 300 files) and returns what each file is.</summary>
    public static IReadOnlyList<Entry> Write(string folder, int seed = 21)
    {
        Directory.CreateDirectory(folder);
        var work = Path.Combine(folder, ".bases");
        Directory.CreateDirectory(work);
        var rng = new Random(seed);
        var ct = CtSlice(signed: true, bitsStored: 16, intercept: 0, z: 0);
        var ctUnsigned = CtSlice(signed: false, bitsStored: 12, intercept: -1024, z: 1);
        var dx = Radiograph();
        var enhanced = EnhancedCt(32, 32, 4);
        var structured = new List<Base> { new("ct", ct, true), new("ct12u", ctUnsigned, true), new("dx", dx, true), new("enh", enhanced, true) };

        // The codecs and encodings, made by trusted peers from the native slice.
        var source = Path.Combine(work, "ct.dcm");
        File.WriteAllBytes(source, ct);
        var peers = new List<Base>();
        void Peer(string name, bool explicitLe, string tool, params string[] args)
        {
            var target = Path.Combine(work, name + ".dcm");
            Testing.Peer.Run(tool, [.. args, source, target]);
            peers.Add(new Base(name, File.ReadAllBytes(target), explicitLe));
        }
        Peer("rle", true, "dcmcrle");
        Peer("jpeg-sv1", true, "dcmcjpeg", "+e1");
        Peer("jpegls", true, "dcmcjpls");
        Peer("j2k", true, "gdcmconv", "--j2k");
        Peer("deflated", false, "dcmconv", "+td");
        Peer("bigendian", false, "dcmconv", "+tb");
        Directory.Delete(work, recursive: true);

        var entries = new List<Entry>();
        void Add(string name, byte[] bytes, string mutation)
        {
            var path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{entries.Count:D4}-{name}.dcm"));
            File.WriteAllBytes(path, bytes);
            entries.Add(new Entry(path, mutation));
        }

        foreach (var b in structured.Concat(peers)) Add(b.Name + "-original", b.Bytes, "none");
        foreach (var b in structured)
            foreach (var (tag, vr, value) in HostileFields)
                if (SetElement(b.Bytes, tag, vr, Value(vr, value)) is { } m) Add($"{b.Name}-field", m, $"{tag} {vr} = '{value}'");
        foreach (var b in peers.Where(p => p.ExplicitLittleEndian))
            foreach (var (tag, vr, value) in HostileFields.Where((_, i) => i % 4 == 0))
                if (SetElement(b.Bytes, tag, vr, Value(vr, value)) is { } m) Add($"{b.Name}-field", m, $"{tag} {vr} = '{value}'");
        foreach (var b in structured.Concat(peers))
        {
            for (var k = 0; k < 8; k++)
            {
                var at = k < 4 ? rng.Next(Math.Min(b.Bytes.Length, 1500)) : rng.Next(b.Bytes.Length);
                Add($"{b.Name}-truncated", b.Bytes[..at], $"truncated at {at}");
            }
            for (var k = 0; k < 8; k++)
            {
                var bytes = (byte[])b.Bytes.Clone();
                var flips = rng.Next(1, 9);
                for (var f = 0; f < flips; f++)
                {
                    var at = rng.Next(2) == 0 ? rng.Next(Math.Min(bytes.Length, 1500)) : rng.Next(bytes.Length);
                    bytes[at] = (byte)rng.Next(256);
                }
                Add($"{b.Name}-flipped", bytes, $"{flips} random bytes");
            }
            if (!b.ExplicitLittleEndian) continue;
            var offsets = LengthOffsets(b.Bytes);
            for (var k = 0; k < 4 && offsets.Count > 0; k++)
            {
                var (at, wide) = offsets[rng.Next(offsets.Count)];
                var bytes = (byte[])b.Bytes.Clone();
                uint[] hostile = [0xFFFFFFF0, 0x7FFFFFFF, 0xFFFFFFFF, (uint)rng.Next()];
                if (wide) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), hostile[k]);
                else BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)hostile[k]);
                Add($"{b.Name}-length", bytes, $"element length at byte {at} = {hostile[k]:X}");
            }
        }

        // The issue's own monsters.
        var j2k = peers.Single(p => p.Name == "j2k").Bytes;
        Add("j2k-cr-16384", Huge(j2k, "CR"), "JPEG 2000 radiograph declaring 16384 × 16384");
        Add("j2k-ct-16384", Huge(j2k, "CT"), "JPEG 2000 CT declaring 16384 × 16384");
        Add("enh-16384x10000", EnhancedCt(16384, 16384, 10000), "enhanced CT declaring 16384 × 16384 × 10000 frames");
        Add("deflate-bomb-size", DeflateBomb(600 << 20), "deflated dataset inflating to 600 MiB of zeros");
        Add("deflate-bomb-ratio", DeflateBomb(100 << 20), "deflated dataset inflating 1000:1 to 100 MiB");
        Add("empty", [], "empty file");
        Add("text", "not a DICOM file at all\n"u8.ToArray(), "text file");
        return entries;
    }

    private static byte[] Value(string vr, string value)
    {
        if (vr == "US") return BitConverter.GetBytes(ushort.Parse(value, CultureInfo.InvariantCulture));
        var b = Encoding.ASCII.GetBytes(value);
        return b.Length % 2 == 1 ? [.. b, vr == "UI" ? (byte)0 : (byte)' '] : b;
    }

    private static byte[] CtSlice(bool signed, int bitsStored, int intercept, int z)
    {
        const int n = 64;
        var pixels = new byte[n * n * 2];
        var rng = new Random(7 + z);
        for (var i = 0; i < n * n; i++)
        {
            var hu = (i % n - n / 2) * (i % n - n / 2) + (i / n - n / 2) * (i / n - n / 2) < 400 ? 300 + rng.Next(50) : -1000 + rng.Next(30);
            BinaryPrimitives.WriteInt16LittleEndian(pixels.AsSpan(2 * i), (short)(hu - intercept));
        }
        var w = Common(new DicomWriter(), "CT", "2.25.2100", "2.25.2101")
            .AddStrings(DicomTag.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY", "AXIAL")
            .AddString(DicomTag.FrameOfReferenceUID, DicomVR.UI, "2.25.2102")
            .AddDecimals(DicomTag.SliceThickness, 1)
            .AddInteger(DicomTag.InstanceNumber, z + 1)
            .AddDecimals(DicomTag.ImagePositionPatient, -32, -32, z)
            .AddDecimals(DicomTag.ImageOrientationPatient, 1, 0, 0, 0, 1, 0)
            .AddDecimals(DicomTag.PixelSpacing, 1, 1)
            .AddUInt16(DicomTag.Rows, n).AddUInt16(DicomTag.Columns, n)
            .AddUInt16(DicomTag.BitsAllocated, 16).AddUInt16(DicomTag.BitsStored, (ushort)bitsStored).AddUInt16(DicomTag.HighBit, (ushort)(bitsStored - 1))
            .AddUInt16(DicomTag.PixelRepresentation, (ushort)(signed ? 1 : 0))
            .AddDecimals(DicomTag.RescaleIntercept, intercept).AddDecimals(DicomTag.RescaleSlope, 1)
            .AddPixelData(pixels, sixteenBit: true);
        return Save(w, HeaderReader.CtImageStorage, $"2.25.2103{z}");
    }

    private static byte[] Radiograph()
    {
        const int width = 96, height = 128;
        var pixels = new byte[width * height * 2];
        for (var i = 0; i < width * height; i++) BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(2 * i), (ushort)(1000 + (i % width) * 20));
        var w = Common(new DicomWriter(), "DX", "2.25.2110", "2.25.2111")
            .AddStrings(DicomTag.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY")
            .AddString(DicomTag.ViewPosition, DicomVR.CS, "AP")
            .AddStrings(DicomTag.PatientOrientation, DicomVR.CS, "R", "F")
            .AddDecimals(DicomTag.ImagerPixelSpacing, 0.2, 0.2)
            .AddDecimals(DicomTag.PixelSpacing, 0.2, 0.2)
            .AddUInt16(DicomTag.Rows, height).AddUInt16(DicomTag.Columns, width)
            .AddUInt16(DicomTag.BitsAllocated, 16).AddUInt16(DicomTag.BitsStored, 12).AddUInt16(DicomTag.HighBit, 11)
            .AddUInt16(DicomTag.PixelRepresentation, 0)
            .AddDecimals(DicomTag.RescaleIntercept, 0).AddDecimals(DicomTag.RescaleSlope, 1)
            .AddPixelData(pixels, sixteenBit: true);
        return Save(w, HeaderReader.DigitalXRayForPresentation, "2.25.2112");
    }

    /// <summary>Enhanced CT with shared orientation/spacing and per-frame positions; the pixel data holds at most 4 frames.</summary>
    private static byte[] EnhancedCt(int rows, int columns, int frames)
    {
        var shared = Item(Element(DicomTag.PixelMeasuresSequence, "SQ", Item(Element(DicomTag.PixelSpacing, "DS", Ascii("1\\1")))),
            Element(DicomTag.PlaneOrientationSequence, "SQ", Item(Element(DicomTag.ImageOrientationPatient, "DS", Ascii("1\\0\\0\\0\\1\\0")))));
        using var perFrame = new MemoryStream();
        for (var f = 0; f < frames; f++)
            perFrame.Write(Item(Element(DicomTag.PlanePositionSequence, "SQ", Item(Element(DicomTag.ImagePositionPatient, "DS", Ascii(string.Create(CultureInfo.InvariantCulture, $"0\\0\\{f}")))))));
        var stored = Math.Min(frames, 4);
        var pixels = new byte[rows <= 64 ? rows * columns * 2 * stored : 1024];
        new Random(5).NextBytes(pixels);
        var w = Common(new DicomWriter(), "CT", "2.25.2120", "2.25.2121")
            .AddStrings(DicomTag.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY", "AXIAL")
            .AddString(DicomTag.FrameOfReferenceUID, DicomVR.UI, "2.25.2122")
            .AddInteger(DicomTag.NumberOfFrames, frames)
            .AddEncodedSequence(DicomTag.SharedFunctionalGroupsSequence, shared)
            .AddEncodedSequence(DicomTag.PerFrameFunctionalGroupsSequence, perFrame.ToArray())
            .AddUInt16(DicomTag.Rows, (ushort)Math.Min(rows, 65535)).AddUInt16(DicomTag.Columns, (ushort)Math.Min(columns, 65535))
            .AddUInt16(DicomTag.BitsAllocated, 16).AddUInt16(DicomTag.BitsStored, 12).AddUInt16(DicomTag.HighBit, 11)
            .AddUInt16(DicomTag.PixelRepresentation, 0)
            .AddDecimals(DicomTag.RescaleIntercept, -1024).AddDecimals(DicomTag.RescaleSlope, 1)
            .AddPixelData(pixels, sixteenBit: true);
        return Save(w, HeaderReader.EnhancedCtImageStorage, "2.25.2123");
    }

    private static DicomWriter Common(DicomWriter w, string modality, string study, string series) => w
        .AddString(DicomTag.Modality, DicomVR.CS, modality)
        .AddString(DicomTag.PatientID, DicomVR.LO, "FUZZ")
        .AddString(DicomTag.StudyInstanceUID, DicomVR.UI, study)
        .AddString(DicomTag.SeriesInstanceUID, DicomVR.UI, series)
        .AddInteger(DicomTag.SeriesNumber, 1)
        .AddUInt16(DicomTag.SamplesPerPixel, 1)
        .AddString(DicomTag.PhotometricInterpretation, DicomVR.CS, modality == "DX" ? "MONOCHROME1" : "MONOCHROME2");

    private static byte[] Save(DicomWriter w, string sopClass, string sop)
    {
        using var s = new MemoryStream();
        w.Write(s, sopClass, sop);
        return s.ToArray();
    }

    private static byte[] Ascii(string s) => Value("DS", s);

    /// <summary>One explicit VR little endian element with a defined length.</summary>
    private static byte[] Element(DicomTag tag, string vr, byte[] value)
    {
        var wide = vr is "OB" or "OW" or "SQ" or "UN" or "UT" or "UC" or "UR";
        var b = new byte[(wide ? 12 : 8) + value.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(b, tag.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), tag.Element);
        b[4] = (byte)vr[0]; b[5] = (byte)vr[1];
        if (wide) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), (uint)value.Length);
        else BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), (ushort)value.Length);
        value.CopyTo(b, wide ? 12 : 8);
        return b;
    }

    private static byte[] Item(params byte[][] elements)
    {
        var body = elements.SelectMany(e => e).ToArray();
        var b = new byte[8 + body.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(b, 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), 0xE000);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)body.Length);
        body.CopyTo(b, 8);
        return b;
    }

    /// <summary>Top-level elements of an explicit VR little endian Part 10 file: (offset, tag, header length, value length).</summary>
    private static List<(int At, uint Tag, int Header, long Length)> Elements(byte[] file)
    {
        var list = new List<(int, uint, int, long)>();
        var at = 132;
        while (at + 8 <= file.Length)
        {
            var tag = ((uint)BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at)) << 16) | BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at + 2));
            var vr = Encoding.ASCII.GetString(file, at + 4, 2);
            var wide = vr is "OB" or "OW" or "OF" or "OD" or "OL" or "OV" or "SQ" or "UN" or "UT" or "UC" or "UR" or "SV" or "UV";
            long length = wide ? BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8)) : BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at + 6));
            list.Add((at, tag, wide ? 12 : 8, length));
            if (length == 0xFFFFFFFF) break; // undefined length: pixel data or a sequence; nothing we mutate follows
            at += (wide ? 12 : 8) + (int)length;
        }
        return list;
    }

    private static List<(int At, bool Wide)> LengthOffsets(byte[] file) =>
        [.. Elements(file).Where(e => e.At > 132).Select(e => e.Header == 12 ? (e.At + 8, true) : (e.At + 6, false))];

    /// <summary>The file with one top-level element set (replaced, or inserted in tag order); null when the file cannot be walked.</summary>
    public static byte[]? SetElement(byte[] file, DicomTag tag, string vr, byte[] value)
    {
        var elements = Elements(file);
        if (elements.Count == 0) return null;
        var target = tag.Value;
        var replaced = elements.FirstOrDefault(e => e.Tag == target);
        int start, end;
        if (replaced.Header != 0)
        {
            if (replaced.Length == 0xFFFFFFFF) return null;
            (start, end) = (replaced.At, replaced.At + replaced.Header + (int)replaced.Length);
        }
        else
        {
            var next = elements.FirstOrDefault(e => e.Tag > target && e.Tag >> 16 != 2);
            if (next.Header == 0) return null;
            (start, end) = (next.At, next.At);
        }
        return [.. file[..start], .. Element(tag, vr, value), .. file[end..]];
    }

    /// <summary>The JPEG 2000 file declaring 16384 × 16384 in both the dataset and the codestream's SIZ marker.</summary>
    private static byte[] Huge(byte[] j2k, string modality)
    {
        var b = SetElement(j2k, DicomTag.Rows, "US", Value("US", "16384"))!;
        b = SetElement(b, DicomTag.Columns, "US", Value("US", "16384"))!;
        b = SetElement(b, DicomTag.Modality, "CS", Value("CS", modality))!;
        if (modality == "CR") b = SetElement(b, DicomTag.SOPClassUID, "UI", Value("UI", HeaderReader.ComputedRadiographyStorage))!;
        var siz = b.AsSpan().IndexOf([(byte)0xFF, (byte)0x4F, (byte)0xFF, (byte)0x51]);
        if (siz < 0) throw new InvalidOperationException("no SIZ marker in the JPEG 2000 file");
        // SIZ: FF51, Lsiz(2), Rsiz(2), Xsiz(4), Ysiz(4), XOsiz(4), YOsiz(4), XTsiz(4), YTsiz(4), ...
        var p = siz + 2 + 2 + 2 + 2;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(p), 16384);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(p + 4), 16384);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(p + 16), 16384);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(p + 20), 16384);
        return b;
    }

    /// <summary>A Part 10 file whose deflated dataset inflates to <paramref name="inflated"/> zero bytes.</summary>
    private static byte[] DeflateBomb(int inflated)
    {
        var head = Save(new DicomWriter().AddString(DicomTag.Modality, DicomVR.CS, "CT"), HeaderReader.CtImageStorage, "2.25.2130");
        var elements = Elements(head);
        var datasetStart = elements.First(e => e.Tag >> 16 != 2).At;
        var meta = SetElement(head[..datasetStart], DicomTag.TransferSyntaxUID, "UI", Value("UI", TransferSyntax.DeflatedExplicitVRLittleEndian.Uid));
        // Fix the group length after the UID grew.
        var metaBytes = meta ?? head[..datasetStart];
        BinaryPrimitives.WriteUInt32LittleEndian(metaBytes.AsSpan(132 + 8), (uint)(metaBytes.Length - 132 - 12));
        using var output = new MemoryStream();
        output.Write(metaBytes);
        using (var deflate = new DeflateStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (var k = 0; k < inflated >> 20; k++) deflate.Write(zeros);
        }
        return output.ToArray();
    }
}

using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace CementQuant.Dicom;

/// <summary>
/// Writes Part 10 files in Explicit VR Little Endian: preamble, file meta group with its group length,
/// then the elements in tag order. Strict: values are padded to even length, DS values fit 16 characters,
/// UIDs use only digits and dots. Used for phantoms and fixtures; trusted peers (dcmtk, GDCM) read the result.
/// </summary>
public sealed class DicomWriter
{
    private readonly SortedDictionary<uint, (DicomVR Vr, byte[] Value)> _elements = [];

    public const string ImplementationClassUid = "2.25.247128843178213948817311413460571837001";

    public DicomWriter Add(DicomTag tag, DicomVR vr, byte[] value)
    {
        if (tag.Group == 0x0002) throw new ArgumentException("file meta elements are written by the writer itself", nameof(tag));
        _elements[tag.Value] = (vr, value);
        return this;
    }

    public DicomWriter AddString(DicomTag tag, DicomVR vr, string value)
    {
        var pad = vr == DicomVR.UI ? (byte)0 : (byte)' ';
        var bytes = Encoding.ASCII.GetBytes(value);
        if (bytes.Length % 2 == 1) bytes = [.. bytes, pad];
        return Add(tag, vr, bytes);
    }

    public DicomWriter AddStrings(DicomTag tag, DicomVR vr, params string[] values) => AddString(tag, vr, string.Join('\\', values));

    public DicomWriter AddDecimals(DicomTag tag, params double[] values) => AddStrings(tag, DicomVR.DS, [.. values.Select(FormatDS)]);

    public DicomWriter AddInteger(DicomTag tag, int value) => AddString(tag, DicomVR.IS, value.ToString(CultureInfo.InvariantCulture));

    public DicomWriter AddUInt16(DicomTag tag, params ushort[] values)
    {
        var b = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2 * i), values[i]);
        return Add(tag, DicomVR.US, b);
    }

    public DicomWriter AddPixelData(byte[] nativeLittleEndian, bool sixteenBit) =>
        Add(DicomTag.PixelData, sixteenBit ? DicomVR.OW : DicomVR.OB, nativeLittleEndian.Length % 2 == 1 ? [.. nativeLittleEndian, 0] : nativeLittleEndian);

    /// <summary>A decimal string of at most 16 characters (PS3.5 Table 6.2-1), as precise as fits.</summary>
    public static string FormatDS(double v)
    {
        if (!double.IsFinite(v)) throw new ArgumentOutOfRangeException(nameof(v), "DS must be finite");
        for (var digits = 10; digits >= 1; digits--)
        {
            var s = Math.Round(v, digits).ToString("0." + new string('#', digits), CultureInfo.InvariantCulture);
            if (s == "-0") s = "0";
            if (s.Length <= 16) return s;
        }
        var e = v.ToString("0.#########E+0", CultureInfo.InvariantCulture);
        return e.Length <= 16 ? e : v.ToString("0.####E+0", CultureInfo.InvariantCulture);
    }

    /// <summary>A new UID under the 2.25 root (a UUID as a decimal integer), unique without registration.</summary>
    public static string NewUid()
    {
        var bytes = Guid.NewGuid().ToByteArray();
        return "2.25." + new BigInteger(bytes, isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A deterministic UID from a name (a hash under 2.25), for reproducible phantoms.</summary>
    public static string UidFrom(string name)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name));
        return "2.25." + new BigInteger(hash.AsSpan(0, 16), isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture);
    }

    public void Save(string path, string sopClassUid, string sopInstanceUid)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(stream, sopClassUid, sopInstanceUid);
    }

    public void Write(Stream stream, string sopClassUid, string sopInstanceUid)
    {
        var meta = new MemoryStream();
        WriteElement(meta, new DicomTag(0x0002, 0x0001), DicomVR.OB, [0, 1]);
        WriteElement(meta, DicomTag.MediaStorageSOPClassUID, DicomVR.UI, Uid(sopClassUid));
        WriteElement(meta, DicomTag.MediaStorageSOPInstanceUID, DicomVR.UI, Uid(sopInstanceUid));
        WriteElement(meta, DicomTag.TransferSyntaxUID, DicomVR.UI, Uid(TransferSyntax.ExplicitVRLittleEndian.Uid));
        WriteElement(meta, new DicomTag(0x0002, 0x0012), DicomVR.UI, Uid(ImplementationClassUid));
        WriteElement(meta, new DicomTag(0x0002, 0x0013), DicomVR.SH, Encoding.ASCII.GetBytes("CEMENTQUANT "));

        stream.Write(new byte[128]);
        stream.Write("DICM"u8);
        var groupLength = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(groupLength, (uint)meta.Length);
        WriteElement(stream, DicomTag.FileMetaInformationGroupLength, DicomVR.UL, groupLength);
        meta.Position = 0;
        meta.CopyTo(stream);

        _elements[DicomTag.SOPClassUID.Value] = (DicomVR.UI, Uid(sopClassUid));
        _elements[DicomTag.SOPInstanceUID.Value] = (DicomVR.UI, Uid(sopInstanceUid));
        foreach (var (tag, (vr, value)) in _elements)
            WriteElement(stream, new DicomTag((ushort)(tag >> 16), (ushort)tag), vr, value);
    }

    private static byte[] Uid(string uid)
    {
        if (uid.Length > 64 || uid.Any(c => c != '.' && !char.IsAsciiDigit(c))) throw new ArgumentException($"'{uid}' is not a valid UID");
        var b = Encoding.ASCII.GetBytes(uid);
        return b.Length % 2 == 1 ? [.. b, 0] : b;
    }

    private static void WriteElement(Stream s, DicomTag tag, DicomVR vr, byte[] value)
    {
        Span<byte> h = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(h, tag.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(h[2..], tag.Element);
        h[4] = (byte)(vr.Code >> 8); h[5] = (byte)vr.Code;
        if (vr.HasLongLength)
        {
            h[6] = 0; h[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)value.Length);
            s.Write(h);
        }
        else
        {
            if (value.Length > ushort.MaxValue) throw new ArgumentException($"{tag} {vr}: value of {value.Length} bytes does not fit a 16-bit length");
            BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)value.Length);
            s.Write(h[..8]);
        }
        s.Write(value);
    }
}

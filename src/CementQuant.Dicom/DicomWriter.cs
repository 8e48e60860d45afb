using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace CementQuant.Dicom;

/// <summary>
/// Writes Part 10 files in Explicit VR Little Endian: preamble, file meta group with its group length,
/// then the elements in tag order. Strict: values are padded to even length, DS values fit 16 characters,
/// UIDs use only digits and dots. Sequences nest writers as items and are written with undefined lengths
/// (item and sequence delimiters), so an item may still be filled after it was added to its parent.
/// Used for phantoms, fixtures and the SEG/SR outputs; trusted peers (dcmtk, GDCM, pydicom) read the result.
/// </summary>
public sealed class DicomWriter
{
    private readonly SortedDictionary<uint, (DicomVR Vr, byte[] Value, IReadOnlyList<DicomWriter>? Items)> _elements = [];

    public const string ImplementationClassUid = "2.25.247128843178213948817311413460571837001";

    public DicomWriter Add(DicomTag tag, DicomVR vr, byte[] value)
    {
        if (tag.Group == 0x0002) throw new ArgumentException("file meta elements are written by the writer itself", nameof(tag));
        if (vr == DicomVR.SQ) throw new ArgumentException("sequences are added with AddSequence", nameof(vr));
        if (tag.Group == 0xFFFE) throw new ArgumentException("item and delimiter tags are written by the writer itself", nameof(tag));
        _elements[tag.Value] = (vr, value.Length % 2 == 1 ? [.. value, vr == DicomVR.UI || !vr.IsString ? (byte)0 : (byte)' '] : value, null);
        return this;
    }

    /// <summary>A sequence of the given items (possibly none); the items are serialised when the file is written.</summary>
    public DicomWriter AddSequence(DicomTag tag, params DicomWriter[] items)
    {
        if (tag.Group == 0x0002) throw new ArgumentException("file meta elements are written by the writer itself", nameof(tag));
        if (items.Any(i => ReferenceEquals(i, this))) throw new ArgumentException("an item cannot contain itself", nameof(items));
        _elements[tag.Value] = (DicomVR.SQ, [], items);
        return this;
    }

    /// <summary>
    /// A sequence given as its encoded items, written as they are with a defined length: for test fixtures that build
    /// unusual or malformed sequences byte by byte (the fuzz corpus). Outputs use <see cref="AddSequence"/>.
    /// </summary>
    public DicomWriter AddEncodedSequence(DicomTag tag, byte[] encodedItems)
    {
        if (tag.Group is 0x0002 or 0xFFFE) throw new ArgumentException("meta, item and delimiter tags are written by the writer itself", nameof(tag));
        _elements[tag.Value] = (DicomVR.SQ, encodedItems, null);
        return this;
    }

    /// <summary>An item of a sequence: a writer of its own, added by the caller with <see cref="AddSequence"/>.</summary>
    public static DicomWriter Item() => new();

    public DicomWriter AddUid(DicomTag tag, string uid) => Add(tag, DicomVR.UI, Uid(uid));

    public DicomWriter AddFloat64(DicomTag tag, params double[] values) => AddBinary(tag, DicomVR.FD, values, 8, (s, v) => BinaryPrimitives.WriteDoubleLittleEndian(s, v));

    public DicomWriter AddFloat32(DicomTag tag, params float[] values) => AddBinary(tag, DicomVR.FL, values, 4, (s, v) => BinaryPrimitives.WriteSingleLittleEndian(s, v));

    public DicomWriter AddUInt32(DicomTag tag, params uint[] values) => AddBinary(tag, DicomVR.UL, values, 4, (s, v) => BinaryPrimitives.WriteUInt32LittleEndian(s, v));

    public DicomWriter AddInt32(DicomTag tag, params int[] values) => AddBinary(tag, DicomVR.SL, values, 4, (s, v) => BinaryPrimitives.WriteInt32LittleEndian(s, v));

    public DicomWriter AddInt16(DicomTag tag, params short[] values) => AddBinary(tag, DicomVR.SS, values, 2, (s, v) => BinaryPrimitives.WriteInt16LittleEndian(s, v));

    public DicomWriter AddUInt64(DicomTag tag, params ulong[] values) => AddBinary(tag, DicomVR.UV, values, 8, (s, v) => BinaryPrimitives.WriteUInt64LittleEndian(s, v));

    public DicomWriter AddInt64(DicomTag tag, params long[] values) => AddBinary(tag, DicomVR.SV, values, 8, (s, v) => BinaryPrimitives.WriteInt64LittleEndian(s, v));

    /// <summary>Attribute tags (AT): group then element, each 16-bit little endian.</summary>
    public DicomWriter AddTags(DicomTag tag, params DicomTag[] values) => AddBinary(tag, DicomVR.AT, values, 4, (s, v) =>
    {
        BinaryPrimitives.WriteUInt16LittleEndian(s, v.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], v.Element);
    });

    private delegate void SpanWriter<T>(Span<byte> target, T value);

    private DicomWriter AddBinary<T>(DicomTag tag, DicomVR vr, T[] values, int size, SpanWriter<T> write)
    {
        var b = new byte[values.Length * size];
        for (var i = 0; i < values.Length; i++) write(b.AsSpan(i * size, size), values[i]);
        return Add(tag, vr, b);
    }

    public DicomWriter AddString(DicomTag tag, DicomVR vr, string value)
    {
        if (!vr.IsString) throw new ArgumentException($"{vr} is not a string VR", nameof(vr));
        if (value.Any(c => c > 0x7E || (c < 0x20 && c is not '\r' and not '\n' and not '\t' and not '\f' and not '\x1b')))
            throw new ArgumentException($"{tag}: only the default character repertoire is written", nameof(value));
        return Add(tag, vr, Encoding.ASCII.GetBytes(value));
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

        // The SOP identity goes into a copy: writing leaves the writer as it was, so it can be written again.
        var top = new SortedDictionary<uint, (DicomVR Vr, byte[] Value, IReadOnlyList<DicomWriter>? Items)>(_elements)
        {
            [DicomTag.SOPClassUID.Value] = (DicomVR.UI, Uid(sopClassUid), null),
            [DicomTag.SOPInstanceUID.Value] = (DicomVR.UI, Uid(sopInstanceUid), null),
        };
        WriteElements(stream, top, 0);
    }

    /// <summary>Writes elements alone (no preamble, no meta group): a dataset body or an item's content.</summary>
    private static void WriteElements(Stream stream, SortedDictionary<uint, (DicomVR Vr, byte[] Value, IReadOnlyList<DicomWriter>? Items)> elements, int depth)
    {
        if (depth > DicomParser.MaxDepth) throw new InvalidOperationException($"sequences nested deeper than {DicomParser.MaxDepth} levels");
        foreach (var (tag, (vr, value, items)) in elements)
        {
            var t = new DicomTag((ushort)(tag >> 16), (ushort)tag);
            if (items is null) { WriteElement(stream, t, vr, value); continue; }
            WriteHeader(stream, t, DicomVR.SQ, Undefined);
            foreach (var item in items)
            {
                WriteDelimiter(stream, DicomTag.Item, Undefined);
                WriteElements(stream, item._elements, depth + 1);
                WriteDelimiter(stream, DicomTag.ItemDelimitation, 0);
            }
            WriteDelimiter(stream, DicomTag.SequenceDelimitation, 0);
        }
    }

    private const uint Undefined = 0xFFFFFFFF;

    private static void WriteDelimiter(Stream s, DicomTag tag, uint length)
    {
        Span<byte> h = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(h, tag.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(h[2..], tag.Element);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], length);
        s.Write(h);
    }

    /// <summary>A syntactically valid UID: at most 64 characters, dot-separated numbers without leading zeros.</summary>
    public static bool IsValidUid(string uid) =>
        uid.Length is > 0 and <= 64 && uid.Split('.').All(c => c.Length > 0 && c.All(char.IsAsciiDigit) && (c.Length == 1 || c[0] != '0'));

    private static byte[] Uid(string uid)
    {
        if (!IsValidUid(uid)) throw new ArgumentException($"'{uid}' is not a valid UID");
        var b = Encoding.ASCII.GetBytes(uid);
        return b.Length % 2 == 1 ? [.. b, 0] : b;
    }

    private static void WriteElement(Stream s, DicomTag tag, DicomVR vr, byte[] value)
    {
        if (!vr.HasLongLength && value.Length > ushort.MaxValue)
            throw new ArgumentException($"{tag} {vr}: value of {value.Length} bytes does not fit a 16-bit length");
        WriteHeader(s, tag, vr, (uint)value.Length);
        s.Write(value);
    }

    private static void WriteHeader(Stream s, DicomTag tag, DicomVR vr, uint length)
    {
        Span<byte> h = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(h, tag.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(h[2..], tag.Element);
        h[4] = (byte)(vr.Code >> 8); h[5] = (byte)vr.Code;
        if (vr.HasLongLength)
        {
            h[6] = 0; h[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(h[8..], length);
            s.Write(h);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)length);
            s.Write(h[..8]);
        }
    }
}

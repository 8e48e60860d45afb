using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace CementQuant.Dicom;

/// <summary>
/// One data element as read: its tag, VR (explicit, or from our small dictionary when implicit) and
/// value bytes in the file's byte order. Sequences carry items; encapsulated pixel data carries fragments.
/// The value bytes are a slice of the file buffer, never a copy.
/// </summary>
public sealed class DicomElement
{
    public DicomElement(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> value, bool bigEndian)
    {
        Tag = tag; VR = vr; Value = value; BigEndian = bigEndian;
    }

    public DicomElement(DicomTag tag, IReadOnlyList<DicomDataset> items)
    {
        Tag = tag; VR = DicomVR.SQ; Items = items;
    }

    public DicomElement(DicomTag tag, DicomVR vr, DicomFragments fragments)
    {
        Tag = tag; VR = vr; Fragments = fragments;
    }

    public DicomTag Tag { get; }
    public DicomVR VR { get; }
    public ReadOnlyMemory<byte> Value { get; }
    public bool BigEndian { get; }
    public IReadOnlyList<DicomDataset>? Items { get; }
    public DicomFragments? Fragments { get; }

    /// <summary>Bytes as text: ISO 8859-1 (a superset of the default repertoire) with padding removed.</summary>
    public string GetString() => Latin1.GetString(Value.Span).TrimEnd(' ', '\0').TrimStart(' ');

    public string[] GetStrings()
    {
        var s = Latin1.GetString(Value.Span).TrimEnd('\0');
        return s.Length == 0 ? [] : s.Split('\\').Select(p => p.Trim(' ', '\0')).ToArray();
    }

    /// <summary>Number of 16-bit words, 32-bit words or decimal strings in the value.</summary>
    public int Count(int wordSize) => Value.Length / wordSize;

    public ushort GetUInt16(int index = 0)
    {
        var s = Value.Span.Slice(index * 2, 2);
        return BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
    }

    public short GetInt16(int index = 0) => unchecked((short)GetUInt16(index));

    public uint GetUInt32(int index = 0)
    {
        var s = Value.Span.Slice(index * 4, 4);
        return BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    }

    public double GetFloat64(int index = 0)
    {
        var s = Value.Span.Slice(index * 8, 8);
        return BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(s) : BinaryPrimitives.ReadDoubleLittleEndian(s);
    }

    public float GetFloat32(int index = 0)
    {
        var s = Value.Span.Slice(index * 4, 4);
        return BigEndian ? BinaryPrimitives.ReadSingleBigEndian(s) : BinaryPrimitives.ReadSingleLittleEndian(s);
    }

    /// <summary>
    /// Numeric values whatever the encoding: DS/IS strings, or FD/FL/US/SS/UL/SL binaries.
    /// Throws <see cref="FormatException"/> naming the tag when a string is not a number.
    /// </summary>
    public double[] GetNumbers()
    {
        if (VR == DicomVR.FD) return [.. Enumerable.Range(0, Value.Length / 8).Select(i => GetFloat64(i))];
        if (VR == DicomVR.FL) return [.. Enumerable.Range(0, Value.Length / 4).Select(i => (double)GetFloat32(i))];
        if (VR == DicomVR.US) return [.. Enumerable.Range(0, Value.Length / 2).Select(i => (double)GetUInt16(i))];
        if (VR == DicomVR.SS) return [.. Enumerable.Range(0, Value.Length / 2).Select(i => (double)GetInt16(i))];
        if (VR == DicomVR.UL) return [.. Enumerable.Range(0, Value.Length / 4).Select(i => (double)GetUInt32(i))];
        if (VR == DicomVR.SL) return [.. Enumerable.Range(0, Value.Length / 4).Select(i => (double)unchecked((int)GetUInt32(i)))];
        var parts = GetStrings();
        var result = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out result[i]) || !double.IsFinite(result[i]))
                throw new FormatException($"{Tag}: value {i + 1} '{parts[i]}' is not a number");
        }
        return result;
    }

    private static readonly Encoding Latin1 = Encoding.Latin1;

    public override string ToString() => $"{Tag} {VR} {(Items is not null ? $"{Items.Count} items" : Fragments is not null ? $"{Fragments.Fragments.Count} fragments" : $"{Value.Length} bytes")}";
}

/// <summary>Encapsulated pixel data: the basic offset table (possibly empty) and the fragments.</summary>
public sealed record DicomFragments(ReadOnlyMemory<byte> OffsetTable, IReadOnlyList<ReadOnlyMemory<byte>> Fragments);

namespace CementQuant.Dicom;

/// <summary>
/// The elements of a dataset or sequence item, by tag. Typed getters return null when an element is
/// absent or empty, and throw <see cref="FormatException"/> (with the tag and what was expected) when
/// it is present but malformed; callers at the file boundary turn that into a DicomReadException.
/// </summary>
public sealed class DicomDataset
{
    private readonly SortedDictionary<uint, DicomElement> _elements = [];

    public IEnumerable<DicomElement> Elements => _elements.Values;
    public int Count => _elements.Count;

    public void Add(DicomElement element) => _elements[element.Tag.Value] = element;

    public bool Contains(DicomTag tag) => _elements.ContainsKey(tag.Value);

    public DicomElement? Get(DicomTag tag) => _elements.TryGetValue(tag.Value, out var e) ? e : null;

    public string? GetString(DicomTag tag)
    {
        var e = Get(tag);
        if (e is null || e.Items is not null || e.Fragments is not null) return null;
        var s = e.GetString();
        return s.Length == 0 ? null : s;
    }

    public string[] GetStrings(DicomTag tag)
    {
        var e = Get(tag);
        return e is null || e.Items is not null || e.Fragments is not null ? [] : e.GetStrings();
    }

    /// <summary>An unsigned 16-bit attribute (US). Null when absent.</summary>
    public ushort? GetUInt16(DicomTag tag)
    {
        var e = Get(tag);
        if (e is null || e.Value.Length == 0) return null;
        if (e.Value.Length < 2) throw new FormatException($"{tag}: expected a 2-byte US value, found {e.Value.Length} bytes");
        if (e.VR == DicomVR.IS || e.VR == DicomVR.DS) return checked((ushort)e.GetNumbers()[0]);
        return e.GetUInt16();
    }

    /// <summary>Numbers from DS/IS/FD/FL/US/SS/...; null when absent or empty.</summary>
    public double[]? GetNumbers(DicomTag tag)
    {
        var e = Get(tag);
        if (e is null || e.Items is not null || e.Fragments is not null || e.Value.Length == 0) return null;
        var v = e.GetNumbers();
        return v.Length == 0 ? null : v;
    }

    /// <summary>Exactly <paramref name="count"/> numbers, or null when absent; wrong count is a FormatException.</summary>
    public double[]? GetNumbers(DicomTag tag, int count, string name)
    {
        var v = GetNumbers(tag);
        if (v is null) return null;
        if (v.Length != count)
            throw new FormatException($"{name} {tag}: expected {count} value{(count == 1 ? "" : "s")}, found {v.Length}");
        return v;
    }

    public double? GetNumber(DicomTag tag, string name) => GetNumbers(tag, 1, name)?[0];

    /// <summary>First number when several are given (WindowCenter, say); null when absent.</summary>
    public double? GetFirstNumber(DicomTag tag) => GetNumbers(tag)?[0];

    public int? GetInt(DicomTag tag, string name)
    {
        var v = GetNumber(tag, name);
        if (v is null) return null;
        if (v != Math.Floor(v.Value) || v < int.MinValue || v > int.MaxValue)
            throw new FormatException($"{name} {tag}: expected an integer, found {v}");
        return (int)v;
    }

    public IReadOnlyList<DicomDataset> GetSequence(DicomTag tag) => Get(tag)?.Items ?? [];

    /// <summary>First item of a sequence, or null.</summary>
    public DicomDataset? GetItem(DicomTag tag) => GetSequence(tag) is { Count: > 0 } items ? items[0] : null;
}

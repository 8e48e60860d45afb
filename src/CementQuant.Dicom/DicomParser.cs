using System.Buffers.Binary;

namespace CementQuant.Dicom;

/// <summary>
/// Reads a DICOM dataset from a byte buffer (PS3.5 §7): explicit or implicit VR, little or big endian,
/// defined and undefined lengths, nested sequences, encapsulated pixel data. Lenient where real files
/// are commonly wrong (a meta header that names the wrong VR mode, trailing padding), strict where a
/// wrong guess would read garbage (lengths past the end, impossible nesting).
/// </summary>
internal sealed class DicomParser
{
    /// <summary>Deeper nesting than this is refused: no real IOD comes close, hostile files do.</summary>
    public const int MaxDepth = 32;

    private readonly ReadOnlyMemory<byte> _buffer;
    private readonly bool _isPrefix;
    private readonly bool _stopAtPixelData;
    private int _pos;

    /// <param name="buffer">The bytes to parse.</param>
    /// <param name="isPrefix">True when <paramref name="buffer"/> is only the start of the file: running off
    /// its end throws <see cref="NeedMoreDataException"/> instead of reporting truncation.</param>
    /// <param name="stopAtPixelData">Stop at top-level (7FE0,0010) and record where it is instead of reading it.</param>
    public DicomParser(ReadOnlyMemory<byte> buffer, int position, bool isPrefix, bool stopAtPixelData)
    {
        _buffer = buffer; _pos = position; _isPrefix = isPrefix; _stopAtPixelData = stopAtPixelData;
    }

    public bool ExplicitVR { get; set; }
    public bool BigEndian { get; set; }
    public int Position => _pos;

    /// <summary>Offset of the top-level pixel data element's header when parsing stopped there.</summary>
    public long? PixelDataOffset { get; private set; }

    /// <summary>Thrown when the buffer is a prefix of the file and the parse needs bytes past its end.</summary>
    public sealed class NeedMoreDataException : Exception
    {
        public NeedMoreDataException() : base("more data needed") { }
    }

    private ReadOnlySpan<byte> Span => _buffer.Span;
    private int Remaining => _buffer.Length - _pos;

    /// <summary>Reads the file meta group (always explicit VR little endian) at the current position.</summary>
    public DicomDataset ReadFileMeta()
    {
        var meta = new DicomDataset();
        while (Remaining >= 6)
        {
            var group = BinaryPrimitives.ReadUInt16LittleEndian(Span[_pos..]);
            if (group != 0x0002) break;
            // Some writers put the meta group in implicit VR; tell by whether the VR bytes spell a VR.
            var saveExplicit = ExplicitVR; var saveBig = BigEndian;
            ExplicitVR = LooksLikeVR(_pos + 4); BigEndian = false;
            meta.Add(ReadElement(0));
            ExplicitVR = saveExplicit; BigEndian = saveBig;
        }
        return meta;
    }

    /// <summary>Reads elements to the end of the buffer (or to the pixel data when asked to stop there).</summary>
    public DicomDataset ReadDataset()
    {
        var ds = new DicomDataset();
        while (_pos < _buffer.Length)
        {
            if (Remaining < 8)
            {
                if (_isPrefix) throw new NeedMoreDataException();
                if (AllZero(Span[_pos..])) break; // padding after the last element
                throw new InvalidDataException($"{Remaining} stray bytes at offset {_pos} after the last complete element");
            }
            var tag = PeekTag();
            if (tag.Value == 0 && AllZero(Span[_pos..])) break; // zero padding to the end of the file
            if (tag == DicomTag.PixelData && _stopAtPixelData)
            {
                PixelDataOffset = _pos;
                return ds;
            }
            if (tag == new DicomTag(0xFFFC, 0xFFFC)) break; // dataset trailing padding
            ds.Add(ReadElement(0));
        }
        return ds;
    }

    /// <summary>Whether the two bytes at <paramref name="at"/> spell a known VR.</summary>
    public bool LooksLikeVR(int at)
    {
        if (at + 2 > _buffer.Length) return false;
        var vr = new DicomVR((ushort)((Span[at] << 8) | Span[at + 1]));
        return vr.IsKnown;
    }

    private DicomTag PeekTag()
    {
        var s = Span[_pos..];
        return BigEndian
            ? new DicomTag(BinaryPrimitives.ReadUInt16BigEndian(s), BinaryPrimitives.ReadUInt16BigEndian(s[2..]))
            : new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(s), BinaryPrimitives.ReadUInt16LittleEndian(s[2..]));
    }

    private ushort ReadU16(int at) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(Span[at..]) : BinaryPrimitives.ReadUInt16LittleEndian(Span[at..]);
    private uint ReadU32(int at) => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(Span[at..]) : BinaryPrimitives.ReadUInt32LittleEndian(Span[at..]);

    private void Need(int bytes, DicomTag tag, string what)
    {
        if (Remaining >= bytes) return;
        if (_isPrefix) throw new NeedMoreDataException();
        throw new InvalidDataException($"file ends inside {what} of element {tag} at offset {_pos} ({Remaining} of {bytes} bytes present)");
    }

    private DicomElement ReadElement(int depth)
    {
        if (depth > MaxDepth) throw new InvalidDataException($"sequences nested deeper than {MaxDepth} levels at offset {_pos}");
        Need(8, default, "the header");
        var tag = PeekTag();
        var (vr, length) = ReadVrAndLength(tag);

        const uint Undefined = 0xFFFFFFFF;
        if (length == Undefined) return ReadUndefinedLength(tag, vr, depth);

        if (length > (uint)Remaining)
        {
            if (_isPrefix) throw new NeedMoreDataException();
            throw new InvalidDataException($"element {tag} declares {length} bytes at offset {_pos} but only {Remaining} remain");
        }
        var len = (int)length;
        if (vr == DicomVR.SQ || (vr == DicomVR.None && LooksLikeItem(len)))
        {
            var end = _pos + len;
            var items = ReadSequence(tag, end, depth);
            _pos = end;
            return new DicomElement(tag, items);
        }
        var value = _buffer.Slice(_pos, len);
        _pos += len;
        return new DicomElement(tag, vr == DicomVR.None ? DicomVR.UN : vr, value, BigEndian);
    }

    /// <summary>Reads the VR (explicit, or from the dictionary) and the value length of the element at the cursor, and
    /// moves past its header.</summary>
    private (DicomVR Vr, uint Length) ReadVrAndLength(DicomTag tag)
    {
        var itemLike = tag.Group == 0xFFFE;
        if (!ExplicitVR || itemLike)
        {
            var implicitLength = ReadU32(_pos + 4);
            _pos += 8;
            return (itemLike ? DicomVR.None : DicomDictionary.ImplicitVR(tag), implicitLength);
        }
        var vr = new DicomVR((ushort)((Span[_pos + 4] << 8) | Span[_pos + 5]));
        uint length;
        if (!vr.IsKnown)
        {
            // A VR we do not know (or garbage): PS3.5 §6.2 says treat an unknown VR as UN with a 32-bit length
            // only if the two reserved bytes are zero; otherwise the 16-bit length is the safer reading.
            vr = DicomVR.UN;
            Need(12, tag, "the header");
            if (Span[_pos + 6] == 0 && Span[_pos + 7] == 0) { length = ReadU32(_pos + 8); _pos += 12; }
            else { length = ReadU16(_pos + 6); _pos += 8; }
        }
        else if (vr.HasLongLength)
        {
            Need(12, tag, "the header");
            length = ReadU32(_pos + 8);
            _pos += 12;
        }
        else
        {
            length = ReadU16(_pos + 6);
            _pos += 8;
        }
        return (vr, length);
    }

    /// <summary>An element of undefined length: encapsulated pixel data, or a sequence (an undefined-length UN is a
    /// sequence in implicit VR little endian, PS3.5 §6.2.2); anything else is malformed.</summary>
    private DicomElement ReadUndefinedLength(DicomTag tag, DicomVR vr, int depth)
    {
        if (tag == DicomTag.PixelData || (tag.Group == 0x7FE0 && (vr == DicomVR.OB || vr == DicomVR.OW)))
            return new DicomElement(tag, vr == DicomVR.None ? DicomVR.OB : vr, ReadFragments(tag));
        if (vr == DicomVR.SQ || vr == DicomVR.None || vr == DicomVR.UN || !ExplicitVR)
        {
            var saveExplicit = ExplicitVR; var saveBig = BigEndian;
            if (vr == DicomVR.UN) { ExplicitVR = false; BigEndian = false; }
            var items = ReadSequence(tag, int.MaxValue, depth);
            ExplicitVR = saveExplicit; BigEndian = saveBig;
            return new DicomElement(tag, items);
        }
        throw new InvalidDataException($"element {tag} with VR {vr} has an undefined length, which only sequences and pixel data may have");
    }

    private bool LooksLikeItem(int len) => len >= 8 && ReadU16(_pos) == 0xFFFE && ReadU16(_pos + 2) == 0xE000;

    private List<DicomDataset> ReadSequence(DicomTag seqTag, int end, int depth)
    {
        var items = new List<DicomDataset>();
        while (true)
        {
            if (end == int.MaxValue) Need(8, seqTag, "a sequence");
            else if (_pos >= end) return items;
            else if (end - _pos < 8) throw new InvalidDataException($"sequence {seqTag} ends inside an item header at offset {_pos}");
            var tag = PeekTag();
            var len = ReadU32(_pos + 4);
            _pos += 8;
            if (tag == DicomTag.SequenceDelimitation) return items;
            if (tag != DicomTag.Item)
                throw new InvalidDataException($"sequence {seqTag}: expected an item tag at offset {_pos - 8}, found {tag}");
            if (depth + 1 > MaxDepth) throw new InvalidDataException($"sequences nested deeper than {MaxDepth} levels at offset {_pos}");
            var item = new DicomDataset();
            if (len == 0xFFFFFFFF)
            {
                while (true)
                {
                    Need(8, seqTag, "an item");
                    var t = PeekTag();
                    if (t == DicomTag.ItemDelimitation) { _pos += 8; break; }
                    if (t == DicomTag.SequenceDelimitation) break; // missing item delimiter: let the sequence end
                    item.Add(ReadElement(depth + 1));
                }
            }
            else
            {
                if (len > (uint)Remaining)
                {
                    if (_isPrefix) throw new NeedMoreDataException();
                    throw new InvalidDataException($"item of sequence {seqTag} declares {len} bytes at offset {_pos} but only {Remaining} remain");
                }
                var itemEnd = _pos + (int)len;
                while (_pos < itemEnd) item.Add(ReadElement(depth + 1));
                if (_pos != itemEnd) throw new InvalidDataException($"item of sequence {seqTag} overruns its declared length at offset {_pos}");
            }
            items.Add(item);
        }
    }

    private DicomFragments ReadFragments(DicomTag tag)
    {
        var fragments = new List<ReadOnlyMemory<byte>>();
        ReadOnlyMemory<byte>? offsetTable = null;
        while (true)
        {
            Need(8, tag, "the pixel data fragments");
            var t = PeekTag();
            var len = ReadU32(_pos + 4);
            _pos += 8;
            if (t == DicomTag.SequenceDelimitation) break;
            if (t != DicomTag.Item) throw new InvalidDataException($"encapsulated pixel data: expected a fragment item at offset {_pos - 8}, found {t}");
            if (len > (uint)Remaining)
            {
                if (_isPrefix) throw new NeedMoreDataException();
                throw new InvalidDataException($"pixel data fragment declares {len} bytes at offset {_pos} but only {Remaining} remain");
            }
            var value = _buffer.Slice(_pos, (int)len);
            _pos += (int)len;
            if (offsetTable is null) offsetTable = value; else fragments.Add(value);
        }
        return new DicomFragments(offsetTable ?? ReadOnlyMemory<byte>.Empty, fragments);
    }

    private static bool AllZero(ReadOnlySpan<byte> s) => !s.ContainsAnyExcept((byte)0);
}

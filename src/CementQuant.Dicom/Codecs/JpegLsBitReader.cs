using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace CementQuant.Dicom.Codecs;

/// <summary>
/// Reads the entropy-coded bits of a JPEG-LS scan, most significant bit first (T.87 A.1). After an
/// 0xFF byte the encoder stuffs a 0 bit, so the next byte gives only its 7 low bits; an 0xFF followed
/// by a byte with its top bit set is a marker and ends the segment.
/// </summary>
/// <remarks>
/// Bits sit left-aligned in a 64-bit cache; <see cref="_valid"/> counts the usable ones. Past the end
/// of the segment the cache is padded with zero bits, so every read terminates; <see cref="Overrun"/>
/// tells whether any padding was consumed, which the scan decoder checks once per line.
/// </remarks>
internal ref struct JpegLsBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;      // next byte to load into the cache
    private int _nextFF;   // index of the first 0xFF at or after _pos (or _data.Length)
    private ulong _cache;
    private int _valid;
    private int _padBits;  // zero bits appended after the end of the segment, in total

    public JpegLsBitReader(ReadOnlySpan<byte> data, int start)
    {
        _data = data;
        _pos = start;
        _nextFF = FindFF(data, start);
        Fill();
    }

    /// <summary>True when a read went past the last bit of the entropy-coded segment.</summary>
    public readonly bool Overrun => _valid < _padBits;

    /// <summary>Tops the cache up to at least 57 usable bits (padding with zeros at the end of the segment).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Fill()
    {
        if (_pos + 8 <= _nextFF)
        {
            // No 0xFF in the next 8 bytes: load them at once. Bits of a partly loaded byte land where that
            // byte belongs and are OR-ed in again, identically, when it is loaded for real.
            _cache |= BinaryPrimitives.ReadUInt64BigEndian(_data[_pos..]) >> _valid;
            var bytes = (64 - _valid) >> 3;
            _pos += bytes;
            _valid += bytes << 3;
            return;
        }
        FillSlow();
    }

    private void FillSlow()
    {
        var data = _data;
        while (_valid <= 56)
        {
            if (_pos >= data.Length) { Pad(); break; }
            var b = data[_pos];
            if (b == 0xFF && (_pos + 1 >= data.Length || data[_pos + 1] >= 0x80)) { Pad(); break; }
            _cache |= (ulong)b << (56 - _valid);
            _valid += 8;
            _pos++;
            // The stuffed 0 bit after 0xFF: the next byte is loaded one bit earlier, its MSB (0) OR-ed onto the last 1 of the 0xFF.
            if (b == 0xFF) _valid--;
        }
        if (_pos > _nextFF) _nextFF = FindFF(data, _pos);
    }

    private void Pad()
    {
        _padBits += 64 - _valid;
        _valid = 64;
    }

    private static int FindFF(ReadOnlySpan<byte> data, int from)
    {
        if (from >= data.Length) return data.Length;
        var i = data[from..].IndexOf((byte)0xFF);
        return i < 0 ? data.Length : from + i;
    }

    /// <summary>Reads <paramref name="count"/> bits (1..32) as an unsigned number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBits(int count)
    {
        if (_valid < count) Fill();
        var value = (int)(_cache >> (64 - count));
        _cache <<= count;
        _valid -= count;
        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBit()
    {
        if (_valid < 1) Fill();
        var value = (int)(_cache >> 63);
        _cache <<= 1;
        _valid--;
        return value;
    }

    /// <summary>
    /// Decodes a mapped error value MErrval coded with Golomb parameter <paramref name="k"/> and the
    /// limited-length code of T.87 A.5.3: fewer than LIMIT − qbpp − 1 zeros, a 1 and k low bits; or that
    /// many zeros exactly, a 1 and MErrval − 1 in qbpp bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DecodeGolomb(int k, int limit, int qbpp)
    {
        if (_valid < 32) Fill();
        var maxPrefix = limit - qbpp - 1;
        var zeros = BitOperations.LeadingZeroCount(_cache);
        if (zeros + 1 + k <= _valid && zeros < maxPrefix)
        {
            // Whole code word in the cache. Two shifts because a C# shift by 64 is a shift by 0.
            var rest = (_cache << zeros) << 1;
            int value;
            if (k == 0) { value = zeros; _cache = rest; }
            else { value = (zeros << k) | (int)(rest >> (64 - k)); _cache = rest << k; }
            _valid -= zeros + 1 + k;
            return value;
        }
        return DecodeGolombSlow(k, maxPrefix, qbpp);
    }

    private int DecodeGolombSlow(int k, int maxPrefix, int qbpp)
    {
        var zeros = ReadUnary(maxPrefix);
        if (zeros < maxPrefix) return k == 0 ? zeros : (zeros << k) | ReadBits(k);
        return ReadBits(qbpp) + 1;
    }

    /// <summary>Counts zero bits up to and including the next 1; more than <paramref name="maxZeros"/> is corrupt data.</summary>
    private int ReadUnary(int maxZeros)
    {
        var count = 0;
        while (true)
        {
            if (_valid < 57) Fill();
            var zeros = BitOperations.LeadingZeroCount(_cache);
            if (zeros < _valid)
            {
                count += zeros;
                _cache = (_cache << zeros) << 1;
                _valid -= zeros + 1;
                break;
            }
            count += _valid;
            _cache = 0;
            _valid = 0;
            if (count > maxZeros) break;
        }
        if (count > maxZeros)
        {
            if (Overrun) ThrowTruncated();
            ThrowCodeTooLong(count, maxZeros);
        }
        return count;
    }

    /// <summary>
    /// Ends the current interval: drops the unread bits of its last byte and returns the index of the
    /// next marker (its first 0xFF), or the data length when there is none.
    /// </summary>
    public readonly int FindNextMarker()
    {
        var data = _data;
        for (var i = _pos; i + 1 < data.Length; i++)
            if (data[i] == 0xFF && data[i + 1] >= 0x80) return i;
        return data.Length;
    }

    /// <summary>Expects restart marker RSTm (m = <paramref name="index"/>) next and restarts the bit stream after it (T.87 D.2.4).</summary>
    public void ReadRestartMarker(int index)
    {
        var data = _data;
        var at = FindNextMarker();
        var code = at + 1;
        while (code < data.Length && data[code] == 0xFF) code++; // fill bytes before the marker code
        if (code >= data.Length)
            throw new InvalidDataException($"JPEG-LS restart marker RST{index} expected at byte {at}, found the end of the data");
        if (data[code] != 0xD0 + index)
            throw new InvalidDataException($"JPEG-LS restart marker RST{index} (FFD{index}) expected at byte {at}, found FF{data[code]:X2}");
        _pos = code + 1;
        _nextFF = FindFF(data, _pos);
        _cache = 0;
        _valid = 0;
        _padBits = 0;
        Fill();
    }

    [DoesNotReturn]
    private static void ThrowTruncated() =>
        throw new InvalidDataException("JPEG-LS scan data ends before the image is complete");

    [DoesNotReturn]
    private static void ThrowCodeTooLong(int count, int maxZeros) =>
        throw new InvalidDataException($"JPEG-LS code word starts with {count} zero bits, more than the limit of {maxZeros}");
}

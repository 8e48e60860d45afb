using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CementQuant.Reporting;

/// <summary>
/// One gzip member (RFC 1952) whose deflate stream (RFC 1951) is Huffman-only: every byte is a literal,
/// coded with a dynamic Huffman code built for each 64 KiB block. This is what zlib's
/// <c>Z_HUFFMAN_ONLY</c> strategy produces, about three times faster than zlib-ng runs it: on int16 CT the
/// high bytes take a handful of values and the low bytes are noisy, so string matching finds little and
/// costs most of the time (level 1 gives 61 % of the input, Huffman-only 55 %). A block whose code would be
/// larger than the bytes themselves is stored instead, so a member is never more than a few bytes per
/// 32 KiB larger than its input (<see cref="Bound"/>).
/// </summary>
internal static class HuffmanGzip
{
    /// <summary>Bytes per deflate block: small enough to follow the image's statistics row band by row band, large enough that the code table (≈ 130 bytes) is noise.</summary>
    private const int BlockBytes = 1 << 16;
    private const int StoredMax = 1 << 15;
    private const int Literals = 257; // bytes 0..255 and end-of-block
    private const int EndOfBlock = 256;
    private const int MaxBits = 14; // deflate allows 15; 14 lets four codes share one 64-bit store
    private const int MaxCodeLengthBits = 7;
    private static readonly byte[] CodeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

    /// <summary>Output buffer size <see cref="WriteMember"/> needs for <paramref name="inputBytes"/> bytes of input (its largest member plus room for the last 8-byte store).</summary>
    public static int Bound(int inputBytes) => inputBytes + 6 * (inputBytes / StoredMax + 4) + 18 + 64;

    /// <summary>Writes <paramref name="first"/> ++ <paramref name="second"/> as one gzip member into <paramref name="output"/>; returns its length.</summary>
    public static int WriteMember(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> output)
    {
        var total = first.Length + second.Length;
        if (output.Length < Bound(total)) throw new ArgumentException($"output holds {output.Length} bytes, a member of {total} bytes may need {Bound(total)}", nameof(output));
        var w = new BitWriter(output);
        w.WriteBytes([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]); // magic, deflate, no flags, no mtime, Unix
        var crc = new Crc32();
        var tables = new Tables();
        if (total == 0) WriteBlock(ref w, [], last: true, ref tables);
        for (var p = 0; p < 2; p++)
        {
            var part = p == 0 ? first : second;
            crc.Append(part);
            for (var o = 0; o < part.Length; o += BlockBytes)
            {
                var block = part.Slice(o, Math.Min(BlockBytes, part.Length - o));
                var last = o + block.Length == part.Length && (p == 1 || second.IsEmpty);
                WriteBlock(ref w, block, last, ref tables);
            }
        }
        w.AlignToByte();
        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc.GetCurrentHashAsUInt32());
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], (uint)total);
        w.WriteBytes(trailer);
        return w.Position;
    }

    /// <summary>Per-block scratch, reused: literal counts, code lengths and bit-reversed codes.</summary>
    private struct Tables
    {
        public Tables() { }
        public int[] Counts = new int[Literals];
        public byte[] Lengths = new byte[Literals];
        public uint[] Codes = new uint[Literals];
    }

    private static void WriteBlock(ref BitWriter w, ReadOnlySpan<byte> block, bool last, ref Tables t)
    {
        Histogram(block, t.Counts);
        t.Counts[EndOfBlock] = 1;
        CodeLengths(t.Counts, MaxBits, t.Lengths);
        long bits = 0;
        for (var s = 0; s < Literals; s++) bits += (long)t.Counts[s] * t.Lengths[s];
        Span<byte> cl = stackalloc byte[19];
        Span<uint> clCodes = stackalloc uint[19];
        var header = DynamicHeader(t.Lengths, cl, clCodes, out var hclen);
        // Stored costs 5 bytes per ≤ 32 KiB piece (plus at most 7 alignment bits each).
        if (bits + header > 8L * (block.Length + 5 * Math.Max(1, (block.Length + StoredMax - 1) / StoredMax)))
        {
            WriteStored(ref w, block, last);
            return;
        }
        BuildCodes(t.Lengths, t.Codes);
        w.Write(last ? 1u : 0u, 1);
        w.Write(2, 2); // dynamic Huffman
        w.Write(Literals - 257, 5);
        w.Write(1, 5); // two distance codes (unused; a complete one-bit code keeps strict decoders happy)
        w.Write((uint)(hclen - 4), 4);
        for (var i = 0; i < hclen; i++) w.Write(cl[CodeLengthOrder[i]], 3);
        for (var s = 0; s < Literals; s++) w.Write(clCodes[t.Lengths[s]], cl[t.Lengths[s]]);
        w.Write(clCodes[1], cl[1]); w.Write(clCodes[1], cl[1]); // the two distance code lengths
        Encode(ref w, block, t.Lengths, t.Codes, bits);
        w.Write(t.Codes[EndOfBlock], t.Lengths[EndOfBlock]);
    }

    /// <summary>
    /// Bits of the dynamic block header for these literal lengths (code lengths sent one symbol each,
    /// with their own Huffman code of ≤ 7 bits), and that code.
    /// </summary>
    private static int DynamicHeader(byte[] lengths, Span<byte> cl, Span<uint> clCodes, out int hclen)
    {
        Span<int> counts = stackalloc int[19];
        counts.Clear();
        foreach (var l in lengths) counts[l]++;
        counts[1] += 2; // the two distance code lengths
        CodeLengths(counts, MaxCodeLengthBits, cl);
        BuildCodes(cl, clCodes);
        hclen = 19;
        while (hclen > 4 && cl[CodeLengthOrder[hclen - 1]] == 0) hclen--;
        var bits = 3 + 5 + 5 + 4 + 3 * hclen;
        for (var s = 0; s < 19; s++) bits += counts[s] * cl[s];
        return bits;
    }

    private static void WriteStored(ref BitWriter w, ReadOnlySpan<byte> block, bool last)
    {
        var o = 0;
        do
        {
            var n = Math.Min(StoredMax, block.Length - o);
            w.Write(last && o + n == block.Length ? 1u : 0u, 1);
            w.Write(0, 2); // stored
            w.AlignToByte();
            w.Write((ushort)n, 16); // LEN, then NLEN, little-endian
            w.Write((ushort)~n, 16);
            w.WriteBytes(block.Slice(o, n));
            o += n;
        }
        while (o < block.Length);
    }

    /// <summary>Byte counts, four interleaved tables so consecutive equal bytes do not wait on one counter.</summary>
    private static void Histogram(ReadOnlySpan<byte> block, int[] counts)
    {
        Span<int> h = stackalloc int[4 * 256];
        h.Clear();
        var i = 0;
        ref var src = ref MemoryMarshal.GetReference(block);
        ref var t = ref MemoryMarshal.GetReference(h);
        for (; i + 4 <= block.Length; i += 4)
        {
            var q = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, i));
            Unsafe.Add(ref t, (nint)(q & 0xFF))++;
            Unsafe.Add(ref t, 256 + (nint)((q >> 8) & 0xFF))++;
            Unsafe.Add(ref t, 512 + (nint)((q >> 16) & 0xFF))++;
            Unsafe.Add(ref t, 768 + (nint)(q >> 24))++;
        }
        for (; i < block.Length; i++) h[block[i]]++;
        for (var b = 0; b < 256; b++) counts[b] = h[b] + h[256 + b] + h[512 + b] + h[768 + b];
    }

    /// <summary>
    /// Huffman code lengths (0 for unused symbols) limited to <paramref name="maxBits"/>: the two-queue
    /// Huffman construction, then zlib's overflow repair (move leaves up until the Kraft sum fits) with the
    /// longest codes given to the rarest symbols. A lone used symbol gets a one-bit code.
    /// </summary>
    internal static void CodeLengths(ReadOnlySpan<int> counts, int maxBits, Span<byte> lengths)
    {
        var n = counts.Length;
        lengths.Clear();
        // Used symbols sorted by (count, symbol): count in the high bits, symbol in the low 16.
        Span<long> leaves = stackalloc long[n];
        var m = 0;
        for (var s = 0; s < n; s++) if (counts[s] > 0) leaves[m++] = ((long)counts[s] << 16) | (uint)s;
        if (m == 0) return;
        if (m == 1) { lengths[(int)(leaves[0] & 0xFFFF)] = 1; return; }
        leaves = leaves[..m];
        leaves.Sort();
        // Internal node k (0..m−2) is made from the two lightest of the leaf queue and the node queue.
        Span<long> weight = stackalloc long[m - 1];
        Span<int> parent = stackalloc int[2 * m - 1]; // leaves 0..m−1, internal nodes m..2m−2
        int li = 0, ni = 0;
        for (var k = 0; k < m - 1; k++)
        {
            long w = 0;
            for (var pick = 0; pick < 2; pick++)
            {
                if (li < m && (ni >= k || (leaves[li] >> 16) <= weight[ni])) { w += leaves[li] >> 16; parent[li++] = m + k; }
                else { w += weight[ni]; parent[m + ni++] = m + k; }
            }
            weight[k] = w;
        }
        // Depths: the root (last node) is 0; parents always come after their children.
        Span<int> depth = stackalloc int[2 * m - 1];
        depth[2 * m - 2] = 0;
        for (var k = 2 * m - 3; k >= 0; k--) depth[k] = depth[parent[k]] + 1;
        Span<int> perLength = stackalloc int[maxBits + 1];
        perLength.Clear();
        for (var i = 0; i < m; i++) perLength[Math.Min(maxBits, depth[i])]++;
        // Kraft sum in units of 2^−maxBits; each repair step lowers it by one.
        long kraft = 0;
        for (var l = 1; l <= maxBits; l++) kraft += (long)perLength[l] << (maxBits - l);
        while (kraft > 1L << maxBits)
        {
            var b = maxBits - 1;
            while (perLength[b] == 0) b--;
            perLength[b]--; perLength[b + 1] += 2; perLength[maxBits]--;
            kraft--;
        }
        // Rarest symbols (start of the sorted leaves) get the longest codes.
        var at = 0;
        for (var l = maxBits; l >= 1; l--)
            for (var c = 0; c < perLength[l]; c++) lengths[(int)(leaves[at++] & 0xFFFF)] = (byte)l;
    }

    /// <summary>Canonical codes (RFC 1951 §3.2.2), bit-reversed because deflate sends Huffman codes first bit first into an LSB-first stream.</summary>
    internal static void BuildCodes(ReadOnlySpan<byte> lengths, Span<uint> codes)
    {
        Span<int> perLength = stackalloc int[MaxBits + 1];
        perLength.Clear();
        foreach (var l in lengths) if (l > 0) perLength[l]++;
        Span<uint> next = stackalloc uint[MaxBits + 1];
        uint code = 0;
        for (var b = 1; b <= MaxBits; b++)
        {
            code = (code + (uint)perLength[b - 1]) << 1;
            next[b] = code;
        }
        for (var s = 0; s < lengths.Length; s++)
        {
            var l = lengths[s];
            codes[s] = l == 0 ? 0 : Reverse(next[l]++, l);
        }
    }

    private static uint Reverse(uint code, int length)
    {
        uint r = 0;
        for (var i = 0; i < length; i++) { r = (r << 1) | (code & 1); code >>= 1; }
        return r;
    }

    /// <summary>
    /// The literals of a block, four bytes per step: their codes (≤ 14 bits each) go into the 64-bit
    /// accumulator, which is then stored whole (8 bytes) and advanced by its complete bytes only, so
    /// there is no branch on the bit count.
    /// </summary>
    private static void Encode(ref BitWriter w, ReadOnlySpan<byte> block, byte[] lengths, uint[] codes, long bits)
    {
        // The unchecked 8-byte stores below stay inside the buffer: the block's coded size is known exactly.
        if (w.Position + bits / 8 + 16 > w.Buffer.Length) throw new InvalidOperationException("gzip output buffer too small for the block");
        Span<ulong> table = stackalloc ulong[256]; // code | length << 32
        for (var b = 0; b < 256; b++) table[b] = codes[b] | ((ulong)lengths[b] << 32);
        var acc = w.Bits; var n = w.Count; var pos = w.Position;
        ref var dst = ref MemoryMarshal.GetReference(w.Buffer);
        ref var src = ref MemoryMarshal.GetReference(block);
        ref var t = ref MemoryMarshal.GetReference(table);
        var i = 0;
        // n ≤ 7 at the top of each step; four codes add ≤ 56 bits, so the accumulator holds ≤ 63.
        for (; i + 4 <= block.Length; i += 4)
        {
            var q = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, i));
            var a = Unsafe.Add(ref t, (nint)(q & 0xFF));
            var b = Unsafe.Add(ref t, (nint)((q >> 8) & 0xFF));
            var c = Unsafe.Add(ref t, (nint)((q >> 16) & 0xFF));
            var d = Unsafe.Add(ref t, (nint)(q >> 24));
            acc |= (a & 0xFFFFFFFF) << n; n += (int)(a >> 32);
            acc |= (b & 0xFFFFFFFF) << n; n += (int)(b >> 32);
            acc |= (c & 0xFFFFFFFF) << n; n += (int)(c >> 32);
            acc |= (d & 0xFFFFFFFF) << n; n += (int)(d >> 32);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, pos), BitConverter.IsLittleEndian ? acc : BinaryPrimitives.ReverseEndianness(acc));
            var whole = n >> 3; // ≤ 7
            pos += whole; acc >>= whole << 3; n &= 7;
        }
        w.Bits = acc; w.Count = n; w.Position = pos;
        for (; i < block.Length; i++) w.Write(codes[block[i]], lengths[block[i]]);
    }

    /// <summary>LSB-first bit packer over an output span.</summary>
    private ref struct BitWriter(Span<byte> buffer)
    {
        public Span<byte> Buffer = buffer;
        public int Position;
        public ulong Bits;
        public int Count;

        public void Write(uint value, int length)
        {
            Bits |= (ulong)value << Count;
            Count += length;
            while (Count >= 8)
            {
                Buffer[Position++] = (byte)Bits;
                Bits >>= 8;
                Count -= 8;
            }
        }

        public void AlignToByte()
        {
            if (Count > 0) Buffer[Position++] = (byte)Bits;
            Bits = 0;
            Count = 0;
        }

        public void WriteBytes(scoped ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(Buffer[Position..]);
            Position += bytes.Length;
        }
    }
}

using System.IO.Compression;
using CementQuant.Reporting;

namespace CementQuant.Reporting.Tests;

/// <summary>
/// The NIfTI writer's own gzip: Huffman-only members decoded by .NET's zlib-ng inflater and by the gzip
/// tool, parallel concatenated members read back whole, and the length-limited Huffman codes valid.
/// </summary>
public sealed class GzipTests
{
    public static TheoryData<string, int> Inputs()
    {
        var data = new TheoryData<string, int>();
        foreach (var kind in new[] { "zeros", "random", "ct", "two-values" })
            foreach (var length in new[] { 0, 1, 2, 3, 7, 65535, 65536, 65537, 3 * 65536 + 5, 1 << 20 })
                data.Add(kind, length);
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void WriteMember_AnyInput_InflatesToTheInput(string kind, int length)
    {
        var input = Make(kind, length, seed: length);
        // Split as the NIfTI writer does: a small first part (the header) then the rest.
        var cut = Math.Min(length, 352);
        var buffer = new byte[HuffmanGzip.Bound(length)];
        var n = HuffmanGzip.WriteMember(input.AsSpan(0, cut), input.AsSpan(cut), buffer);
        Assert.Equal(input, Inflate(buffer.AsSpan(0, n).ToArray()));
        if (kind == "zeros" && length >= 65536) Assert.True(n < length / 6, $"{n} bytes for {length} zeros");
        if (kind == "random") Assert.True(n <= length + 6 * (length / 32768 + 2) + 18, $"{n} bytes for {length} random bytes: the stored fallback must bound it");
    }

    [Fact]
    public void ParallelMembers_LargeVolume_ReadBackByDotNetAndGzip()
    {
        // 9 MiB + 352 bytes: three members, the last one short, written by two workers.
        var data = new short[9 * 1024 * 1024 / 2 + 1234];
        var src = Make("ct", data.Length * 2, seed: 3);
        Buffer.BlockCopy(src, 0, data, 0, src.Length);
        var header = Make("random", 352, seed: 4);
        var path = Path.GetTempFileName();
        try
        {
            using (var f = File.Create(path)) ParallelGzip.Write(f, header, data, data.Length * 2L, workers: 2);
            var back = Inflate(File.ReadAllBytes(path));
            Assert.Equal(header, back[..352]);
            Assert.Equal(src, back[352..]);
            // The reference decoder accepts every member; without gzip the check is skipped only outside CI.
            if (Peer.Find("gzip") is not null) Peer.Run("gzip", "-t", path);
            else Assert.False(Peer.Required, "gzip is not installed, and CI (CQ_REQUIRE_SHARED_DATA=1 or CI=true) requires the reference decoder");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ParallelMembers_AnyWorkerCount_SameBytes()
    {
        var data = new short[5 * 1024 * 1024];
        Buffer.BlockCopy(Make("ct", data.Length * 2, seed: 5), 0, data, 0, data.Length * 2);
        byte[] Gzip(int workers)
        {
            using var ms = new MemoryStream();
            ParallelGzip.Write(ms, new byte[352], data, data.Length * 2L, workers);
            return ms.ToArray();
        }
        var one = Gzip(1);
        Assert.Equal(one, Gzip(2));
        Assert.Equal(one, Gzip(5));
    }

    [Fact]
    public void CodeLengths_SkewedCounts_StayWithinTheLimitAndFormACompleteCode()
    {
        // Fibonacci counts make a plain Huffman tree as deep as the alphabet.
        var counts = new int[257];
        int a = 1, b = 1;
        for (var s = 0; s < 30; s++) { counts[s] = a; (a, b) = (b, a + b); }
        counts[256] = 1;
        var lengths = new byte[257];
        HuffmanGzip.CodeLengths(counts, 14, lengths);
        Assert.All(lengths, l => Assert.InRange(l, 0, 14));
        Assert.Equal(1.0, lengths.Where(l => l > 0).Sum(l => Math.Pow(2, -l)), 12); // Kraft sum 1: complete
        Assert.Equal(31, lengths.Count(l => l > 0));
        // Rarer symbols never get shorter codes.
        Assert.True(lengths[0] >= lengths[29]);
    }

    [Fact]
    public void CodeLengths_OneSymbol_GetsAOneBitCode()
    {
        var counts = new int[19];
        counts[7] = 5;
        var lengths = new byte[19];
        HuffmanGzip.CodeLengths(counts, 7, lengths);
        Assert.Equal(1, lengths[7]);
        Assert.Equal(1, lengths.Count(l => l > 0));
    }

    private static byte[] Inflate(byte[] gz)
    {
        using var z = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        z.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>"ct": little-endian int16 like a CT slice (air runs at −1024, tissue with noise, some bone).</summary>
    private static byte[] Make(string kind, int length, int seed)
    {
        var rng = new Random(seed);
        var b = new byte[length];
        switch (kind)
        {
            case "random": rng.NextBytes(b); break;
            case "two-values": for (var i = 0; i < length; i++) b[i] = rng.Next(4) == 0 ? (byte)7 : (byte)200; break;
            case "ct":
                for (var i = 0; i + 1 < length; i += 2)
                {
                    var x = i / 2 % 512;
                    short v = x < 100 || x > 400 ? (short)-1024 : (short)(40 + rng.Next(-30, 31) + (x % 97 == 0 ? 900 : 0));
                    b[i] = (byte)v; b[i + 1] = (byte)(v >> 8);
                }
                break;
        }
        return b;
    }
}

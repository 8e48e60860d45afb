using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CementQuant.Reporting;

/// <summary>
/// gzip written by every core, pigz-style: header ++ data is cut into blocks and each block becomes one
/// complete gzip member (<see cref="HuffmanGzip"/>), compressed by whichever worker is free and written
/// in order. RFC 1952 lets members follow each other; gzip, zlib's gzread (ITK, FSL, dcm2niix's readers),
/// Python's gzip/nibabel and .NET's GZipStream read them as one stream. Each worker owns one pooled
/// output buffer for the whole write, so memory stays at workers × block size whatever the input size.
/// </summary>
internal static class ParallelGzip
{
    /// <summary>Input bytes per member: many 64 KiB deflate blocks, and a gzip header and trailer that cost nothing measurable.</summary>
    public const int BlockSize = 4 << 20;

    /// <summary>
    /// Writes <paramref name="header"/> followed by the first <paramref name="dataBytes"/> bytes of
    /// <paramref name="data"/> (an array of unmanaged values, read as its raw bytes) to <paramref name="output"/>.
    /// </summary>
    public static void Write(Stream output, byte[] header, Array data, long dataBytes, int workers)
    {
        if (header.Length > BlockSize) throw new ArgumentException("header larger than a block", nameof(header));
        var total = header.Length + dataBytes;
        var blocks = (int)Math.Max(1, (total + BlockSize - 1) / BlockSize);
        workers = Math.Clamp(workers, 1, blocks);
        var next = -1;   // last block taken by a worker
        var turn = 0;    // next block to be written
        var gate = new object();
        Exception? failure = null;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _ =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(HuffmanGzip.Bound(BlockSize));
            try
            {
                for (int k; (k = Interlocked.Increment(ref next)) < blocks;)
                {
                    var length = 0;
                    try
                    {
                        // Block k covers [k·BlockSize, (k+1)·BlockSize) of header ++ data; only block 0 holds the header.
                        var start = (long)k * BlockSize;
                        var end = Math.Min(total, start + BlockSize);
                        var head = k == 0 ? header : [];
                        length = HuffmanGzip.WriteMember(head, Bytes(data, Math.Max(0, start - header.Length), end - header.Length), buffer);
                    }
                    catch (Exception ex)
                    {
                        Interlocked.CompareExchange(ref failure, ex, null);
                    }
                    lock (gate)
                    {
                        while (turn != k) Monitor.Wait(gate);
                    }
                    // Only the worker whose turn it is gets here; the others wait for it to move the turn on.
                    if (Volatile.Read(ref failure) is null) output.Write(buffer, 0, length);
                    lock (gate)
                    {
                        turn++;
                        Monitor.PulseAll(gate);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
        if (failure is not null) throw new IOException($"gzip compression failed: {failure.Message}", failure);
    }

    /// <summary>Bytes [from, to) of an array of unmanaged values (fewer than 2 GiB of them).</summary>
    private static ReadOnlySpan<byte> Bytes(Array data, long from, long to) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(data), (nint)from), checked((int)(to - from)));
}

using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using CementQuant;
using CementQuant.Dicom;
using CementQuant.Dicom.Codecs;
using CementQuant.Dicom.Series;
using SharpFuzz;

namespace CementQuant.Fuzz;

/// <summary>
/// SharpFuzz harness for the input boundary (docs/fuzzing.md): one target for the DICOM reader (parse, header, sanity
/// layer, then frame 1 decoded when the header passes) and one per codec (RLE, JPEG, JPEG-LS, JPEG 2000) on a raw
/// codestream. The contract under test: bad input throws <see cref="DicomReadException"/> (the reader) or
/// <see cref="InvalidDataException"/>/<see cref="NotSupportedException"/> (a codec), never anything else, and never
/// allocates beyond what the (bounded) declared image needs. Any other exception propagates: a crash for the fuzzer.
/// </summary>
/// <remarks>
/// Codec inputs carry an 8-byte prefix saying what the dataset would declare (rows, columns: 2 bytes each, big
/// endian; BitsAllocated; BitsStored; SamplesPerPixel; PixelRepresentation), then the codestream; the harness
/// caps rows and columns at 1024 because bounding the declared size is the reader's job, not the codec's.
/// </remarks>
public static class Program
{
    private static readonly string[] Targets = ["reader", "rle", "jpeg", "jpegls", "j2k"];

    public static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] is "afl" or "libfuzzer" && Targets.Contains(args[1]))
        {
            var target = Target(args[1]);
            if (args[0] == "afl") Fuzzer.OutOfProcess.Run(stream => { using var ms = new MemoryStream(); stream.CopyTo(ms); target(ms.ToArray()); });
            else Fuzzer.LibFuzzer.Run(span => target(span.ToArray()));
            return 0;
        }
        if (args.Length == 3 && args[0] == "seeds" && Targets.Contains(args[1]))
            return WriteSeeds(args[1], args[2]);
        if (args.Length == 3 && args[0] == "replay" && Targets.Contains(args[1]))
        {
            var sw = Stopwatch.StartNew();
            Target(args[1])(File.ReadAllBytes(args[2]));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{args[2]}: no crash, {sw.Elapsed.TotalMilliseconds:0} ms"));
            return 0;
        }
        if (args.Length >= 3 && args[0] == "smoke" && Targets.Contains(args[1]))
            return Smoke(args[1], args[2], args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 60, args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1);
        Console.Error.WriteLine("""
            usage: cementquant-fuzz afl|libfuzzer <target>        run under afl-fuzz (instrumented) or libfuzzer-dotnet
                   cementquant-fuzz seeds <target> <dicom-folder>  print nothing; writes seed inputs for <target> into ./seeds-<target>
                   cementquant-fuzz replay <target> <input>        runs one input (a crash or slow-*.bin) and times it
                   cementquant-fuzz smoke <target> <seed-folder> [seconds=60] [seed=1]
                                                                   uninstrumented mutation loop (no native fuzzer needed)
            targets: reader, rle, jpeg, jpegls, j2k
            """);
        return 64;
    }

    private static Action<byte[]> Target(string name) => name switch
    {
        "reader" => Reader,
        "rle" => bytes => Codec(bytes, new RleFrameDecoder()),
        "jpeg" => bytes => Codec(bytes, new JpegFrameDecoder()),
        "jpegls" => bytes => Codec(bytes, new JpegLsFrameDecoder()),
        _ => bytes => Codec(bytes, new Jpeg2000FrameDecoder()),
    };

    /// <summary>What analyse does with one file's bytes: parse, type the header (sanity layer included), decode frame 1.</summary>
    private static void Reader(byte[] bytes)
    {
        try
        {
            var file = DicomFile.Parse(bytes, "fuzz.dcm");
            var header = HeaderReader.FromFile(file);
            if (!HeaderSanity.IsAnalysed(header.Kind, header.ImageType) || !file.HasPixelData) return;
            var info = DicomPixelData.GetFrameInfo(file.Dataset, file.Path);
            var destination = new byte[info.FrameBytes];
            DicomPixelData.DecodeFrame(file, info, 0, destination);
        }
        catch (DicomReadException)
        {
            // the contract: refused with a reason naming the file
        }
    }

    private static void Codec(byte[] bytes, IFrameDecoder decoder)
    {
        if (bytes.Length < 8) return;
        var rows = Math.Clamp((int)BinaryPrimitives.ReadUInt16BigEndian(bytes), 1, 1024);
        var columns = Math.Clamp((int)BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2)), 1, 1024);
        int bitsAllocated = bytes[4] > 8 ? 16 : 8, samples = bytes[6] == 3 ? 3 : 1;
        var bitsStored = Math.Clamp((int)bytes[5], 1, bitsAllocated);
        var info = new FrameInfo(rows, columns, samples, bitsAllocated, bitsStored, bytes[7] == 1, 0, samples == 3 ? "RGB" : "MONOCHROME2");
        try
        {
            decoder.Decode(bytes.AsSpan(8), info, new byte[info.FrameBytes]);
        }
        catch (Exception ex) when (ex is InvalidDataException or NotSupportedException)
        {
            // the codec contract
        }
    }

    /// <summary>Seeds from real files: the whole file for the reader, prefix + frame-1 codestream for a codec.</summary>
    private static int WriteSeeds(string target, string folder)
    {
        var output = Directory.CreateDirectory($"seeds-{target}").FullName;
        var count = 0;
        foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (new FileInfo(path).Length > 4 << 20) continue;
            try
            {
                var file = DicomFile.Open(path);
                if (target == "reader") { File.Copy(path, Path.Combine(output, $"{count++:D4}.dcm")); continue; }
                var ts = file.TransferSyntax.Uid;
                var wanted = target switch
                {
                    "rle" => ts == "1.2.840.10008.1.2.5",
                    "jpeg" => ts is "1.2.840.10008.1.2.4.50" or "1.2.840.10008.1.2.4.51" or "1.2.840.10008.1.2.4.57" or "1.2.840.10008.1.2.4.70",
                    "jpegls" => ts is "1.2.840.10008.1.2.4.80" or "1.2.840.10008.1.2.4.81",
                    _ => ts is "1.2.840.10008.1.2.4.90" or "1.2.840.10008.1.2.4.91",
                };
                if (!wanted || file.Dataset.Get(DicomTag.PixelData)?.Fragments is not { } fragments || fragments.Fragments.Count == 0) continue;
                var info = DicomPixelData.GetFrameInfo(file.Dataset, path);
                if (info.Rows > 1024 || info.Columns > 1024 || DicomPixelData.GetNumberOfFrames(file.Dataset, path) != 1) continue;
                var prefix = new byte[8];
                BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)info.Rows);
                BinaryPrimitives.WriteUInt16BigEndian(prefix.AsSpan(2), (ushort)info.Columns);
                (prefix[4], prefix[5], prefix[6], prefix[7]) = ((byte)info.BitsAllocated, (byte)info.BitsStored, (byte)info.SamplesPerPixel, (byte)(info.Signed ? 1 : 0));
                File.WriteAllBytes(Path.Combine(output, $"{count++:D4}.bin"), [.. prefix, .. fragments.Fragments.SelectMany(f => f.ToArray())]);
            }
            catch (DicomReadException)
            {
                // not a seed
            }
        }
        Console.WriteLine($"{count} seeds in {output}");
        return count > 0 ? 0 : 2;
    }

    /// <summary>
    /// A blind mutation loop for machines without afl-fuzz or libFuzzer: byte flips, truncations, splices, 16/32-bit
    /// interesting values, for a fixed time. Prints each distinct crash (exception type and top frame) with the input
    /// saved as crash-*.bin, and the slowest input and the largest allocation seen.
    /// </summary>
    private static int Smoke(string target, string seedFolder, double seconds, int seed)
    {
        var run = Target(target);
        var seeds = Directory.GetFiles(seedFolder).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).Where(b => b.Length > 0).ToArray();
        if (seeds.Length == 0) { Console.Error.WriteLine($"no seeds in {seedFolder}"); return 2; }
        var rng = new Random(seed);
        var crashes = new Dictionary<string, int>(StringComparer.Ordinal);
        long executions = 0, maxAllocated = 0;
        var slowest = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        uint[] interesting = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 16384, 65535];
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            var input = (byte[])seeds[rng.Next(seeds.Length)].Clone();
            for (var m = rng.Next(1, 6); m > 0 && input.Length > 0; m--)
            {
                var at = rng.Next(2) == 0 ? rng.Next(Math.Min(input.Length, 2048)) : rng.Next(input.Length);
                switch (rng.Next(5))
                {
                    case 0: input[at] = (byte)rng.Next(256); break;
                    case 1: input = input[..at]; break;
                    case 2 when at + 2 <= input.Length: BinaryPrimitives.WriteUInt16LittleEndian(input.AsSpan(at), (ushort)interesting[rng.Next(interesting.Length)]); break;
                    case 3 when at + 4 <= input.Length: BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(at), interesting[rng.Next(interesting.Length)]); break;
                    default:
                        var other = seeds[rng.Next(seeds.Length)];
                        var from = rng.Next(other.Length);
                        input = [.. input[..at], .. other[from..Math.Min(other.Length, from + rng.Next(1, 512))]];
                        break;
                }
            }
            var before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            try
            {
                run(input);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var frame = new StackTrace(ex, fNeedFileInfo: true).GetFrames().FirstOrDefault(f => f.GetFileName() is not null);
                var key = $"{ex.GetType().Name} at {frame?.GetMethod()?.DeclaringType?.Name}.{frame?.GetMethod()?.Name}:{frame?.GetFileLineNumber()}";
                if (!crashes.TryGetValue(key, out var n))
                {
                    File.WriteAllBytes($"crash-{target}-{crashes.Count}.bin", input);
                    Console.WriteLine($"crash {crashes.Count}: {key}: {ex.Message}");
                }
                crashes[key] = n + 1;
            }
            if (sw.Elapsed > slowest)
            {
                slowest = sw.Elapsed;
                if (slowest > TimeSpan.FromSeconds(2)) File.WriteAllBytes($"slow-{target}.bin", input);
            }
            maxAllocated = Math.Max(maxAllocated, GC.GetAllocatedBytesForCurrentThread() - before);
            executions++;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target}: {executions} executions in {clock.Elapsed.TotalSeconds:0} s from {seeds.Length} seeds; {crashes.Count} distinct crashes ({crashes.Values.Sum()} in all); slowest input {slowest.TotalMilliseconds:0} ms; largest allocation {maxAllocated >> 20} MiB"));
        return crashes.Count == 0 ? 0 : 1;
    }
}

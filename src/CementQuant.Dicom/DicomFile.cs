using System.IO.Compression;

namespace CementQuant.Dicom;

/// <summary>
/// A parsed DICOM file: its file meta group (empty for ACR-NEMA style files without one), its dataset
/// and transfer syntax. Opened header-only, it stops before the pixel data and reads only as many bytes
/// of the file as the headers need.
/// </summary>
public sealed class DicomFile
{
    private DicomFile(string path, DicomDataset meta, DicomDataset dataset, TransferSyntax syntax, bool hasPreamble, bool headerOnly)
    {
        Path = path; Meta = meta; Dataset = dataset; TransferSyntax = syntax; HasPreamble = hasPreamble; HeaderOnly = headerOnly;
    }

    public string Path { get; }
    public DicomDataset Meta { get; }
    public DicomDataset Dataset { get; }
    public TransferSyntax TransferSyntax { get; }
    public bool HasPreamble { get; }

    /// <summary>True when the pixel data was not read (open the file again without headerOnly to get it).</summary>
    public bool HeaderOnly { get; }

    /// <summary>True when the file has top-level pixel data (read or, header-only, seen and skipped).</summary>
    public bool HasPixelData => HeaderOnly || Dataset.Contains(DicomTag.PixelData)
        || Dataset.Contains(DicomTag.FloatPixelData) || Dataset.Contains(DicomTag.DoubleFloatPixelData);

    /// <summary>Files larger than this are not DICOM images we analyse; refusing them early bounds memory.</summary>
    public const long MaxFileBytes = 2L * 1024 * 1024 * 1024 - 64;

    /// <summary>Opens and parses a file. Throws <see cref="DicomReadException"/> naming the file on any problem.</summary>
    public static DicomFile Open(string path, bool headerOnly = false)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            var fileLength = stream.Length;
            if (fileLength > MaxFileBytes) throw new DicomReadException(path, $"file of {fileLength} bytes is too large");
            if (!headerOnly) return Parse(ReadExactly(stream, (int)fileLength, path), path, headerOnly: false, isPrefix: false);
            // Header-only: read a prefix and grow it until the headers fit. Most CT headers fit in the first 16 KB.
            var chunk = (int)Math.Min(fileLength, 16 * 1024);
            while (true)
            {
                stream.Position = 0;
                var bytes = ReadExactly(stream, chunk, path);
                try
                {
                    return Parse(bytes, path, headerOnly: true, isPrefix: chunk < fileLength);
                }
                catch (DicomParser.NeedMoreDataException)
                {
                    chunk = (int)Math.Min(fileLength, (long)chunk * 4);
                }
            }
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new DicomReadException(path, $"cannot read the file: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new DicomReadException(path, "permission denied", ex);
        }
    }

    private static byte[] ReadExactly(Stream stream, int count, string path)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(count);
        var read = 0;
        while (read < count)
        {
            var n = stream.Read(bytes, read, count - read);
            if (n == 0) throw new DicomReadException(path, "the file shrank while it was being read");
            read += n;
        }
        return bytes;
    }

    /// <summary>Parses a complete file held in memory.</summary>
    public static DicomFile Parse(ReadOnlyMemory<byte> bytes, string path, bool headerOnly = false) =>
        Parse(bytes, path, headerOnly, isPrefix: false);

    private static DicomFile Parse(ReadOnlyMemory<byte> bytes, string path, bool headerOnly, bool isPrefix)
    {
        try
        {
            return ParseCore(bytes, path, headerOnly, isPrefix);
        }
        catch (DicomParser.NeedMoreDataException) { throw; }
        catch (DicomReadException) { throw; }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or OverflowException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new DicomReadException(path, ex.Message, ex);
        }
    }

    private static DicomFile ParseCore(ReadOnlyMemory<byte> bytes, string path, bool headerOnly, bool isPrefix)
    {
        var span = bytes.Span;
        var hasPreamble = span.Length >= 132 && span.Slice(128, 4).SequenceEqual("DICM"u8);
        var start = hasPreamble ? 132 : span.Length >= 4 && span[..4].SequenceEqual("DICM"u8) ? 4 : 0;
        if (!hasPreamble && !LooksLikeDataset(span[start..]))
        {
            if (isPrefix && span.Length < 132) throw new DicomParser.NeedMoreDataException();
            throw new DicomReadException(path, span.Length == 0 ? "not a DICOM file (empty file)" : "not a DICOM file (no 'DICM' prefix and no plausible first element)");
        }

        var parser = new DicomParser(bytes, start, isPrefix, headerOnly) { ExplicitVR = true };
        var meta = parser.ReadFileMeta();
        var tsUid = meta.GetString(DicomTag.TransferSyntaxUID);
        var datasetStart = parser.Position;
        TransferSyntax syntax;
        if (tsUid is null)
        {
            syntax = GuessSyntax(span[datasetStart..]);
        }
        else
        {
            syntax = TransferSyntax.FromUid(tsUid);
        }

        ReadOnlyMemory<byte> body = bytes;
        var bodyStart = datasetStart;
        if (syntax.Deflated)
        {
            if (isPrefix) throw new DicomParser.NeedMoreDataException();
            body = Inflate(bytes[datasetStart..], path);
            bodyStart = 0;
        }

        var ds = new DicomParser(body, bodyStart, isPrefix, headerOnly)
        {
            ExplicitVR = syntax.ExplicitVR,
            BigEndian = syntax.BigEndian,
        };
        // Lenient: some files declare one VR mode and use the other. The first element tells.
        if (body.Length - bodyStart >= 8)
        {
            var looksExplicit = ds.LooksLikeVR(bodyStart + 4);
            if (syntax.ExplicitVR && !looksExplicit) ds.ExplicitVR = false;
            else if (!syntax.ExplicitVR && looksExplicit && !syntax.BigEndian) ds.ExplicitVR = true;
        }
        var dataset = ds.ReadDataset();
        return new DicomFile(path, meta, dataset, syntax, hasPreamble, headerOnly && ds.PixelDataOffset is not null);
    }

    /// <summary>Without a preamble, accept the bytes when the first tag is in a low standard group
    /// (0002–0028): an ACR-NEMA 2.0 style dataset or a bare Part 10 stream.</summary>
    private static bool LooksLikeDataset(ReadOnlySpan<byte> s)
    {
        if (s.Length < 8) return false;
        var groupLE = s[0] | (s[1] << 8);
        var groupBE = (s[0] << 8) | s[1];
        return (groupLE is >= 0x0002 and <= 0x0028) || (groupBE is >= 0x0002 and <= 0x0028);
    }

    private static TransferSyntax GuessSyntax(ReadOnlySpan<byte> s)
    {
        if (s.Length < 8) return TransferSyntax.ImplicitVRLittleEndian;
        var groupLE = s[0] | (s[1] << 8);
        var bigEndian = groupLE > 0x00FF && (s[1] | (s[0] << 8)) <= 0x00FF;
        var explicitVR = new DicomVR((ushort)((s[4] << 8) | s[5])).IsKnown;
        return bigEndian ? TransferSyntax.ExplicitVRBigEndian
            : explicitVR ? TransferSyntax.ExplicitVRLittleEndian : TransferSyntax.ImplicitVRLittleEndian;
    }

    /// <summary>Inflated datasets larger than this are refused (a deflate bomb would otherwise fill memory): the largest
    /// image the header sanity layer lets through (a 512 Mi-voxel enhanced CT is 1 GiB) is not sent deflated in practice.</summary>
    public const int MaxInflatedBytes = 512 * 1024 * 1024;

    /// <summary>Largest inflated/compressed ratio accepted once the inflated data passes 64 MiB. Deflate reaches 1032:1 at
    /// most, on constant bytes; a real dataset (header and noisy pixels) stays far below 100:1.</summary>
    public const int MaxInflateRatio = 200;

    /// <summary>
    /// Inflates in two passes: the first only counts (in a fixed 80 KB buffer) and refuses a bomb by size or ratio,
    /// the second writes into one array of the exact size. Peak memory is the inflated size once, never the
    /// doubling growth and final copy of a MemoryStream (which took a 1 MB bomb to 3.8 GB).
    /// </summary>
    private static byte[] Inflate(ReadOnlyMemory<byte> compressed, string path)
    {
        var s = compressed.Span;
        // PS3.5 says raw deflate (RFC 1951); some writers add a zlib header (RFC 1950). Accept both.
        var zlib = s.Length >= 2 && (s[0] & 0x0F) == 8 && ((s[0] << 8) | s[1]) % 31 == 0;
        var input = compressed.ToArray();
        Stream Open() => zlib ? new ZLibStream(new MemoryStream(input, writable: false), CompressionMode.Decompress)
            : new DeflateStream(new MemoryStream(input, writable: false), CompressionMode.Decompress);
        try
        {
            long total = 0;
            var buffer = new byte[81920];
            using (var counter = Open())
            {
                int n;
                while ((n = counter.Read(buffer, 0, buffer.Length)) > 0)
                {
                    total += n;
                    if (total > MaxInflatedBytes)
                        throw new DicomReadException(path, $"deflated dataset of {input.Length} bytes inflates past {MaxInflatedBytes} bytes (deflate bomb?)");
                    if (total > (64L << 20) && total > (long)MaxInflateRatio * input.Length)
                        throw new DicomReadException(path, $"deflated dataset of {input.Length} bytes inflates more than {MaxInflateRatio}:1 (deflate bomb?)");
                }
            }
            var output = GC.AllocateUninitializedArray<byte>((int)total);
            using var inflater = Open();
            inflater.ReadExactly(output);
            return output;
        }
        catch (InvalidDataException ex)
        {
            throw new DicomReadException(path, $"deflated dataset is corrupt: {ex.Message}", ex);
        }
    }
}

using System.Diagnostics;
using CementQuant.Dicom.Series;

namespace CementQuant.Dicom.Tests;

/// <summary>
/// Issue 21 at the input boundary: the fuzz corpus (<see cref="FuzzCorpus"/>, 300+ files made at test time with
/// fixed seeds) read file by file as analyse reads it (header, grouping, then the CT loader or the radiograph
/// loader). Every file is either used or rejected with a reason naming it; nothing else is thrown; no file
/// allocates more than a small multiple of its own size plus what its (sanity-checked) header declares, and
/// none takes long. The named regressions of the issue each have their own test below.
/// </summary>
public sealed class HostileInputTests(HostileInputTests.CorpusFixture corpus, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<HostileInputTests.CorpusFixture>, IDisposable
{
    /// <summary>The corpus, written once for the class and deleted after it.</summary>
    public sealed class CorpusFixture : IDisposable
    {
        public string Folder { get; } = Directory.CreateTempSubdirectory("cq-fuzz-corpus-").FullName;

        public CorpusFixture() => FuzzCorpus.Write(Folder);

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }

    private string Corpus => corpus.Folder;

    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-hostile-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private sealed record Outcome(string Path, string Result, long Allocated, TimeSpan Time);

    /// <summary>What analyse does with one file, on this thread: header, group, load. Returns "used ..." or the reason.</summary>
    private static string Process(string path)
    {
        InstanceHeader header;
        try
        {
            header = HeaderReader.Read(path);
        }
        catch (DicomReadException ex)
        {
            Assert.Equal(path, ex.Path);
            return "rejected: " + ex.Problem;
        }
        var group = SeriesGrouper.Group([header]).Single();
        if (!group.Usable) return "skipped: " + group.Reason;
        try
        {
            if (group.Kind is InstanceKind.CtSlice or InstanceKind.EnhancedCt)
            {
                var v = CtVolumeLoader.Load(group, jobs: 1);
                return $"used: CT {v.Hu.SizeX}×{v.Hu.SizeY}×{v.Hu.SizeZ}";
            }
            var r = RadiographLoader.Load(header);
            return $"used: radiograph {r.Pixels.Width}×{r.Pixels.Height}";
        }
        catch (DicomReadException ex)
        {
            Assert.Equal(path, ex.Path);
            return "rejected: " + ex.Problem;
        }
        catch (SeriesAssemblyException ex)
        {
            Assert.Contains(path, ex.Series, StringComparison.Ordinal);
            return "failed: " + ex.Problem;
        }
    }

    [Fact]
    public void Process_FuzzCorpus_EveryFileUsedOrNamedWithinBounds()
    {
        var files = Directory.GetFiles(Corpus).Order(StringComparer.Ordinal).ToArray();
        Assert.True(files.Length >= 300, $"the corpus has {files.Length} files");
        var outcomes = new List<Outcome>();
        foreach (var f in files)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            var result = Process(f);
            outcomes.Add(new Outcome(f, result, GC.GetAllocatedBytesForCurrentThread() - before, sw.Elapsed));
        }
        foreach (var o in outcomes)
            output.WriteLine($"{Path.GetFileName(o.Path)}\t{o.Allocated}\t{o.Time.TotalMilliseconds:0}ms\t{o.Result}");
        foreach (var o in outcomes)
        {
            Assert.False(string.IsNullOrWhiteSpace(o.Result), o.Path);
            // Bound: the file read a few times, the largest image a sane header may declare here (64 × 128 pixels ×
            // 4 frames, a few copies), and slack. The 16384² and bomb files must stay inside it too.
            var size = new FileInfo(o.Path).Length;
            Assert.True(o.Allocated < 4 * size + (24L << 20), $"{Path.GetFileName(o.Path)}: {o.Result}: allocated {o.Allocated} bytes");
            Assert.True(o.Time < TimeSpan.FromSeconds(10), $"{Path.GetFileName(o.Path)} took {o.Time}");
        }
        // The originals load; the monsters are refused by name.
        Assert.All(outcomes.Where(o => o.Path.Contains("-original", StringComparison.Ordinal) && !o.Path.Contains("bigendian", StringComparison.Ordinal)),
            o => Assert.StartsWith("used", o.Result, StringComparison.Ordinal));
        Assert.All(outcomes.Where(o => o.Path.Contains("16384", StringComparison.Ordinal) || o.Path.Contains("bomb", StringComparison.Ordinal)),
            o => Assert.StartsWith("rejected", o.Result, StringComparison.Ordinal));
    }

    private byte[] Base(string name) => File.ReadAllBytes(Directory.GetFiles(Corpus, $"*-{name}-original.dcm").Single());

    private string WithField(string baseName, DicomTag tag, string vr, string value)
    {
        var bytes = FuzzCorpus.SetElement(Base(baseName), tag, vr, vr == "US"
            ? BitConverter.GetBytes(ushort.Parse(value, System.Globalization.CultureInfo.InvariantCulture))
            : System.Text.Encoding.ASCII.GetBytes(value.Length % 2 == 1 ? value + " " : value))!;
        var path = Path.Combine(_tmp, "IM0042");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData("ct", "PixelSpacing", "DS", "0\\0", "PixelSpacing (0028,0030): expected two values from 0.01 to 10 mm, found 0\\0")]
    [InlineData("ct", "PixelSpacing", "DS", "1e-300\\1e-300", "PixelSpacing (0028,0030)")]
    [InlineData("ct", "PixelSpacing", "DS", "1e6\\1e6", "PixelSpacing (0028,0030)")]
    [InlineData("dx", "PixelSpacing", "DS", "0\\0", "PixelSpacing (0028,0030)")]
    [InlineData("ct", "Rows", "US", "65535", "Rows (0028,0010)")]
    [InlineData("enh", "Rows", "US", "65535", "Rows (0028,0010)")]
    [InlineData("enh", "BitsAllocated", "US", "12", "BitsAllocated (0028,0100)")]
    [InlineData("enh", "BitsAllocated", "US", "64", "BitsAllocated (0028,0100)")]
    [InlineData("ct", "BitsStored", "US", "17", "BitsStored (0028,0101)")]
    [InlineData("ct", "SamplesPerPixel", "US", "2", "SamplesPerPixel (0028,0002)")]
    [InlineData("ct", "PixelRepresentation", "US", "2", "PixelRepresentation (0028,0103)")]
    [InlineData("ct", "PhotometricInterpretation", "CS", "PALETTE COLOR", "PALETTE COLOR")]
    [InlineData("ct", "RescaleSlope", "DS", "0", "RescaleSlope (0028,1053)")]
    [InlineData("ct", "RescaleSlope", "DS", "1e308", "RescaleSlope (0028,1053)")]
    [InlineData("ct", "HighBit", "US", "100", "HighBit (0028,0102)")]
    [InlineData("dx", "HighBit", "US", "100", "HighBit (0028,0102)")]
    [InlineData("dx", "Rows", "US", "16384", "Rows (0028,0010)")]
    public void Read_HostileHeaderField_RejectedNamingFileAndTag(string baseName, string field, string vr, string value, string expected)
    {
        var tag = (DicomTag)typeof(DicomTag).GetField(field)!.GetValue(null)!;
        var path = WithField(baseName, tag, vr, value);
        var ex = Assert.Throws<DicomReadException>(() => HeaderReader.Read(path));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("in '" + path + "'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ct", "PixelSpacing", "DS", "0.5\\0.5")]
    [InlineData("ct", "RescaleSlope", "DS", "0.5")]
    [InlineData("ct", "PhotometricInterpretation", "CS", "MONOCHROME1")]
    [InlineData("dx", "PixelSpacing", "DS", "0.1\\0.1")]
    public void Read_PlausibleHeaderField_Accepted(string baseName, string field, string vr, string value)
    {
        var tag = (DicomTag)typeof(DicomTag).GetField(field)!.GetValue(null)!;
        var h = HeaderReader.Read(WithField(baseName, tag, vr, value));
        Assert.True(HeaderSanity.IsAnalysed(h.Kind, h.ImageType));
    }

    /// <summary>Found by the SharpFuzz harness's smoke run: a DT shorter than 8 characters threw ArgumentOutOfRangeException.</summary>
    [Theory]
    [InlineData("2026")]
    [InlineData("-")]
    public void Read_AcquisitionDateTimeShorterThanADate_NoTimeNoException(string value)
    {
        var h = HeaderReader.Read(WithField("dx", DicomTag.AcquisitionDateTime, "DT", value));
        Assert.Null(h.AcquiredAt);
    }

    [Fact]
    public void Read_J2kRadiographDeclaring16384Squared_RejectedBeforeDecoding()
    {
        var file = Directory.GetFiles(Corpus, "*-j2k-cr-16384.dcm").Single();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<DicomReadException>(() => HeaderReader.Read(file));
        Assert.Contains("16384", ex.Problem, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void Open_DeflateBomb_RefusedWithoutInflatingIntoMemory()
    {
        foreach (var file in Directory.GetFiles(Corpus, "*deflate-bomb*"))
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var ex = Assert.Throws<DicomReadException>(() => DicomFile.Open(file));
            Assert.Contains("deflate bomb", ex.Problem, StringComparison.Ordinal);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 * new FileInfo(file).Length + (1 << 20), file);
        }
    }

    [Fact]
    public void Group_FileWithoutUidsInAnotherFolder_NotMergedIntoThatSeries()
    {
        string Copy(string folder, string name, byte[] bytes)
        {
            Directory.CreateDirectory(Path.Combine(_tmp, folder));
            var p = Path.Combine(_tmp, folder, name);
            File.WriteAllBytes(p, bytes);
            return p;
        }
        var noUids = FuzzCorpus.SetElement(FuzzCorpus.SetElement(Base("dx"), DicomTag.StudyInstanceUID, "UI", [])!, DicomTag.SeriesInstanceUID, "UI", [])!;
        var a = Copy("a", "1.dcm", noUids);
        var b = Copy("b", "1.dcm", noUids);
        var groups = SeriesGrouper.Group([HeaderReader.Read(a), HeaderReader.Read(b)]);
        Assert.Equal(2, groups.Count);
    }

    [Fact]
    public void EnumerateFiles_SymlinkedFolderAndLoop_FollowedOnce()
    {
        var real = Directory.CreateDirectory(Path.Combine(_tmp, "store")).FullName;
        File.WriteAllBytes(Path.Combine(real, "IM1.dcm"), Base("ct"));
        var input = Directory.CreateDirectory(Path.Combine(_tmp, "input")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(input, "linked"), real);
        Directory.CreateSymbolicLink(Path.Combine(real, "loop"), input); // store/loop → input → linked → store ...
        File.CreateSymbolicLink(Path.Combine(input, "file.dcm"), Path.Combine(real, "IM1.dcm"));
        var files = DicomScanner.EnumerateFiles([input]);
        Assert.Equal([Path.Combine(input, "file.dcm"), Path.Combine(input, "linked", "IM1.dcm")], files);
    }

    /// <summary>A JPEG codestream: SOI, SOF (marker, precision, rows × columns, one component), the given extra segments, EOI.</summary>
    private static byte[] Jpeg(byte sof, int rows, int columns, params byte[][] segments)
    {
        byte[] frame = [0xFF, sof, 0, 11, 8, (byte)(rows >> 8), (byte)rows, (byte)(columns >> 8), (byte)columns, 1, 1, 0x11, 0];
        return [0xFF, 0xD8, .. frame, .. segments.SelectMany(x => x), .. new byte[339], 0xFF, 0xD9];
    }

    private static readonly CementQuant.Dicom.Codecs.FrameInfo Info512 = new(512, 512, 1, 8, 8, false, 0, "MONOCHROME2");

    /// <summary>Found by the harness: JpegLibrary took 2.7 s over a 512 × 512 frame header with no scan after it.</summary>
    [Fact]
    public void Decode_JpegFrameWithoutScan_RefusedAtOnce()
    {
        var sw = Stopwatch.StartNew();
        var ex = Assert.Throws<InvalidDataException>(() => new CementQuant.Dicom.Codecs.JpegFrameDecoder().Decode(Jpeg(0xC0, 512, 512), Info512, new byte[512 * 512]));
        Assert.Contains("no scan", ex.Message, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"{sw.Elapsed}");
    }

    /// <summary>Found by the harness: a Huffman table of class 8 (only 0 and 1 exist) cost JpegLibrary seconds on a 3 × 3 image.</summary>
    [Theory]
    [InlineData(0x80, 1)]
    [InlineData(0x04, 1)]
    [InlineData(0x00, 0)]
    [InlineData(0x00, 3)]
    public void Decode_JpegHuffmanTableInvalid_Refused(byte classAndId, byte codesOfLengthOne)
    {
        byte[] dht = [0xFF, 0xC4, 0, (byte)(2 + 17 + codesOfLengthOne), classAndId, codesOfLengthOne, .. new byte[15], .. Enumerable.Repeat((byte)0, codesOfLengthOne)];
        byte[] sos = [0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0];
        var ex = Assert.Throws<InvalidDataException>(() => new CementQuant.Dicom.Codecs.JpegFrameDecoder().Decode(Jpeg(0xC0, 8, 8, dht, sos), Info512 with { Rows = 8, Columns = 8 }, new byte[64]));
        Assert.Contains("DHT", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_JpegTooShortForItsFrame_Refused()
    {
        byte[] sos = [0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0];
        var big = new CementQuant.Dicom.Codecs.FrameInfo(4096, 4096, 1, 8, 8, false, 0, "MONOCHROME2");
        var ex = Assert.Throws<InvalidDataException>(() => new CementQuant.Dicom.Codecs.JpegFrameDecoder().Decode(Jpeg(0xC0, 4096, 4096, sos), big, new byte[4096 * 4096]));
        Assert.Contains("too short", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Found by the harness: a lossless scan naming Huffman table 4..15 threw IndexOutOfRangeException.</summary>
    [Fact]
    public void Decode_JpegLosslessScanNamingTable9_InvalidDataException()
    {
        byte[] dht = [0xFF, 0xC4, 0, 2 + 17 + 1, 0x00, 1, .. new byte[15], 0];
        byte[] sos = [0xFF, 0xDA, 0, 8, 1, 1, 0x90, 1, 0, 0];
        var info = new CementQuant.Dicom.Codecs.FrameInfo(8, 8, 1, 8, 8, false, 0, "MONOCHROME2");
        var ex = Assert.Throws<InvalidDataException>(() => new CementQuant.Dicom.Codecs.JpegFrameDecoder().Decode(Jpeg(0xC3, 8, 8, dht, sos), info, new byte[64]));
        Assert.Contains("Huffman table 9", ex.Message, StringComparison.Ordinal);
    }
}

using System.Security.Cryptography;
using CementQuant.Dicom.Series;

namespace CementQuant.Dicom.Tests;

/// <summary>
/// Every file under ../shared/data/conformance either loads (header, then every frame of an image) or is
/// rejected with a one-line reason naming the file; none crashes, hangs, or allocates more than its size
/// plus the image it declares. Which of the two, and what (dimensions, photometric, bits, a hash of the decoded
/// frames; or the reason), is pinned per file in <c>testdata/conformance-outcomes.tsv</c> and compared exactly:
/// rejecting a file that loaded, or decoding it to other pixels, fails.
/// </summary>
public class ConformanceRobustnessTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        var files = FileList();
        if (files.Count == 0) data.Add("(missing)");
        foreach (var f in files) data.Add(f);
        return data;
    }

    private static List<string> FileList()
    {
        var root = SharedData.Path("conformance");
        return Directory.Exists(root)
            ? [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal)]
            : [];
    }

    /// <summary>Reads one file the way analyze would; returns what happened, in one line.</summary>
    internal static string LoadOrReject(string path)
    {
        try
        {
            var header = HeaderReader.Read(path);
            if (header.Kind is InstanceKind.NonImage) return "non-image";
            var file = DicomFile.Open(path);
            var info = DicomPixelData.GetFrameInfo(file.Dataset, path);
            var frames = DicomPixelData.GetNumberOfFrames(file.Dataset, path);
            var buffer = new byte[info.FrameBytes];
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (var f = 0; f < Math.Min(frames, 4); f++)
            {
                DicomPixelData.DecodeFrame(file, info, f, buffer);
                hash.AppendData(buffer);
            }
            return $"loaded {info.Columns}x{info.Rows}x{frames} {info.PhotometricInterpretation} {info.SamplesPerPixel}x{info.BitsAllocated}/{info.BitsStored}{(info.Signed ? "s" : "u")} sha256:{Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}";
        }
        catch (DicomReadException ex)
        {
            Assert.Contains(path, ex.Message);
            Assert.DoesNotContain('\n', ex.Message);
            Assert.False(string.IsNullOrWhiteSpace(ex.Problem));
            return "rejected: " + ex.Problem;
        }
    }

    [SharedDataTheory]
    [MemberData(nameof(Files))]
    public void Load_ConformanceFile_LoadsOrRejectsWithinBounds(string relative)
    {
        var path = SharedData.Path("conformance", relative);
        var size = new FileInfo(path).Length;
        var task = Task.Run(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var outcome = LoadOrReject(path);
            return (outcome, allocated: GC.GetAllocatedBytesForCurrentThread() - before);
        });
        Assert.True(task.Wait(TimeSpan.FromSeconds(20)), $"'{relative}' took longer than 20 s");
        var (outcome, allocated) = task.Result;
        if (!Golden.Bless)
        {
            Assert.True(Outcomes.Value.TryGetValue(relative, out var expected), $"'{relative}' has no row in testdata/{OutcomesFile}");
            Assert.Equal(expected, outcome);
        }
        // Bound: the file three times (read, inflate, fragment join) + four times the frames decoded (our buffer and
        // a codec's working planes) + slack. A header that lies about its size is refused before any of that.
        var allowed = 3 * size + DeclaredImageBytes(path) + (8 << 20);
        Assert.True(allocated <= allowed, $"'{relative}' ({outcome}) allocated {allocated} bytes, allowed {allowed}");
    }

    private const string OutcomesFile = "conformance-outcomes.tsv";

    private static readonly Lazy<Dictionary<string, string>> Outcomes = new(() => Golden.ReadTable(OutcomesFile));

    /// <summary>The golden table lists exactly the files on disk (a new or vanished file is a visible change); under
    /// CQ_BLESS_GOLDEN=1 this writes the table from the current outcomes.</summary>
    [SharedDataFact]
    public void OutcomeTable_EveryConformanceFile_ListedExactlyOnce()
    {
        var files = FileList();
        if (Golden.Bless)
        {
            Golden.Check(OutcomesFile, Golden.FormatTable("expected outcome of LoadOrReject per file under ../shared/data/conformance (ConformanceRobustnessTests)",
                files.Select(f => KeyValuePair.Create(f, LoadOrReject(SharedData.Path("conformance", f))))));
            return;
        }
        Assert.Equal(files.Order(StringComparer.Ordinal), Outcomes.Value.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(Outcomes.Value.Values, v => v.StartsWith("loaded ", StringComparison.Ordinal));
        Assert.Contains(Outcomes.Value.Values, v => v.StartsWith("rejected: ", StringComparison.Ordinal));
    }

    private static long DeclaredImageBytes(string path)
    {
        try
        {
            var f = DicomFile.Open(path, headerOnly: true);
            var info = DicomPixelData.GetFrameInfo(f.Dataset, path);
            return info.FrameBytes * Math.Min(4, DicomPixelData.GetNumberOfFrames(f.Dataset, path)) * 4;
        }
        catch (DicomReadException)
        {
            return 0;
        }
    }
}

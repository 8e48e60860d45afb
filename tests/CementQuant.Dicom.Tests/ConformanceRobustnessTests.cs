using System.Diagnostics;
using CementQuant.Dicom.Series;

namespace CementQuant.Dicom.Tests;

/// <summary>
/// Every file under ../shared/data/conformance either loads (header, then every frame of an image) or is
/// rejected with a one-line reason naming the file; none crashes, hangs, or allocates more than its size
/// plus the image it declares.
/// </summary>
public class ConformanceRobustnessTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        var root = SharedData.Path("conformance");
        if (!Directory.Exists(root)) { data.Add("(missing)"); return data; }
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(root, f));
        return data;
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
            for (var f = 0; f < Math.Min(frames, 4); f++) DicomPixelData.DecodeFrame(file, info, f, buffer);
            return "loaded";
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
        // Bound: the file three times (read, inflate, fragment join) + four times the frames decoded (our buffer and
        // a codec's working planes) + slack. A header that lies about its size is refused before any of that.
        var allowed = 3 * size + DeclaredImageBytes(path) + (8 << 20);
        Assert.True(allocated <= allowed, $"'{relative}' ({outcome}) allocated {allocated} bytes, allowed {allowed}");
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

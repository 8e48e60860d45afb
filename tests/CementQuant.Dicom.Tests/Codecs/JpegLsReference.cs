using System.Security.Cryptography;
using System.Text;
using CementQuant.Dicom.Codecs;

namespace CementQuant.Dicom.Tests.Codecs;

/// <summary>
/// The JPEG-LS files of <c>../shared/data/conformance</c> and their ground truth: the same file
/// decompressed by GDCM (<c>gdcmconv --raw --force</c>, CharLS inside) and read back with our own reader.
/// </summary>
internal static class JpegLsReference
{
    /// <summary>
    /// Files the peers cannot decode either, so they have no ground truth. GH364.dcm (fo-dicom edge case)
    /// has a broken meta group length and item structure: gdcmconv and dcmdjpls both refuse to read it.
    /// </summary>
    private static readonly string[] Excluded = ["fo-dicom/edge_cases/GH364.dcm"];

    private static readonly Lazy<IReadOnlyList<string>> s_files = new(Discover);

    /// <summary>Conformance files (relative to the conformance folder, '/' separated) in JPEG-LS transfer syntaxes.</summary>
    public static IReadOnlyList<string> Files => s_files.Value;

    public static string FullPath(string relative) => SharedData.Path(["conformance", .. relative.Split('/')]);

    /// <summary>xunit rows: one per file; a placeholder row when the shared data is absent (the theory is skipped then).</summary>
    public static IEnumerable<object[]> Rows(Func<string, bool>? filter = null)
    {
        if (!SharedData.Available) return [["(shared data absent)"]];
        return Files.Where(f => filter is null || filter(f)).Select(f => new object[] { f }).ToList();
    }

    private static List<string> Discover()
    {
        var root = SharedData.Path("conformance");
        var found = new List<string>();
        if (!Directory.Exists(root)) return found;
        foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (Excluded.Contains(relative)) continue;
            try
            {
                var f = DicomFile.Open(path, headerOnly: true);
                if (f.TransferSyntax == TransferSyntax.JpegLsLossless || f.TransferSyntax == TransferSyntax.JpegLsNearLossless) found.Add(relative);
            }
            catch (CementQuantException)
            {
                // not a DICOM file we can read (readmes, licences, deliberately broken files)
            }
        }
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>All frames of a file decoded with <see cref="DicomPixelData.DecodeFrame"/>.</summary>
    public static (FrameInfo Info, byte[][] Frames) DecodeAll(string path)
    {
        var file = DicomFile.Open(path);
        var info = DicomPixelData.GetFrameInfo(file.Dataset, file.Path);
        var count = DicomPixelData.GetNumberOfFrames(file.Dataset, file.Path);
        var frames = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            frames[i] = new byte[info.FrameBytes];
            DicomPixelData.DecodeFrame(file, info, i, frames[i]);
        }
        return (info, frames);
    }

    /// <summary>The file decompressed by GDCM into a temporary cache, decoded with our native-syntax path.</summary>
    public static (FrameInfo Info, byte[][] Frames) DecodeWithGdcm(string path)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(path) + "|" + new FileInfo(path).Length)))[..16];
        var dir = Path.Combine(Path.GetTempPath(), "cementquant-jpegls-ref");
        Directory.CreateDirectory(dir);
        var raw = Path.Combine(dir, hash + ".dcm");
        if (!File.Exists(raw))
        {
            var tmp = raw + "." + Environment.ProcessId + ".tmp";
            Peer.Run("gdcmconv", "--raw", "--force", path, tmp);
            File.Move(tmp, raw, overwrite: true);
        }
        return DecodeAll(raw);
    }

    /// <summary>NEAR of the first scan of the first frame (0 for lossless).</summary>
    public static int Near(string path)
    {
        var file = DicomFile.Open(path);
        var fragments = file.Dataset.Get(DicomTag.PixelData)!.Fragments!;
        var frame = DicomPixelData.FrameBytes(fragments, 0, DicomPixelData.GetNumberOfFrames(file.Dataset, path), file.TransferSyntax).Span;
        for (var i = 0; i + 4 < frame.Length; i++)
        {
            if (frame[i] != 0xFF || frame[i + 1] != 0xDA) continue;
            var ns = frame[i + 4];
            return frame[i + 5 + 2 * ns];
        }
        throw new InvalidDataException("no SOS marker");
    }

    /// <summary>The compressed bytes of frame 0 and its frame description, for corruption tests.</summary>
    public static (byte[] Frame, FrameInfo Info) FirstFrame(string path)
    {
        var file = DicomFile.Open(path);
        var info = DicomPixelData.GetFrameInfo(file.Dataset, file.Path);
        var fragments = file.Dataset.Get(DicomTag.PixelData)!.Fragments!;
        var bytes = DicomPixelData.FrameBytes(fragments, 0, DicomPixelData.GetNumberOfFrames(file.Dataset, path), file.TransferSyntax);
        return (bytes.ToArray(), info);
    }
}

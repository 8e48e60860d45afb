using CementQuant.Dicom.Codecs;

namespace CementQuant.Dicom.Tests.Codecs;

/// <summary>
/// The trusted peer's pixels: <c>gdcmconv --raw --force</c> writes the file uncompressed into a temporary
/// folder and our own <see cref="DicomFile"/> reads the result back (native pixel data needs no codec).
/// </summary>
internal static class GdcmReference
{
    public sealed record Result(FrameInfo Info, string PhotometricInterpretation, byte[][] Frames);

    /// <summary>All frames of <paramref name="path"/> as gdcm decodes them, in the native little-endian layout.</summary>
    public static Result Decode(string path)
    {
        var dir = Directory.CreateTempSubdirectory("cq-gdcm-");
        try
        {
            var raw = System.IO.Path.Combine(dir.FullName, "raw.dcm");
            Peer.Run("gdcmconv", "--raw", "--force", path, raw);
            var file = DicomFile.Open(raw);
            var info = DicomPixelData.GetFrameInfo(file.Dataset, raw);
            var frames = new byte[DicomPixelData.GetNumberOfFrames(file.Dataset, raw)][];
            for (var i = 0; i < frames.Length; i++)
            {
                frames[i] = new byte[info.FrameBytes];
                DicomPixelData.DecodeFrame(file, info, i, frames[i]);
            }
            return new Result(info, info.PhotometricInterpretation, frames);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>All frames of <paramref name="path"/> as we decode them.</summary>
    public static (FrameInfo Info, byte[][] Frames) DecodeOurs(string path)
    {
        var file = DicomFile.Open(path);
        var info = DicomPixelData.GetFrameInfo(file.Dataset, path);
        var frames = new byte[DicomPixelData.GetNumberOfFrames(file.Dataset, path)][];
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i] = new byte[info.FrameBytes];
            DicomPixelData.DecodeFrame(file, info, i, frames[i]);
        }
        return (info, frames);
    }

    /// <summary>Largest absolute difference between two frames of samples of <paramref name="bytesPerSample"/> bytes (unsigned compare).</summary>
    /// <summary>Every frame of our decode equals GDCM's byte for byte.</summary>
    public static void AssertEqualsGdcm(string path)
    {
        var (info, ours) = DecodeOurs(path);
        var gdcm = Decode(path);
        Assert.Equal(gdcm.Frames.Length, ours.Length);
        for (var i = 0; i < ours.Length; i++)
        {
            var first = FirstDifference(ours[i], gdcm.Frames[i], info.BytesPerSample);
            Assert.True(first < 0, $"frame {i + 1}: first differing sample at {first}");
        }
    }

    /// <summary>Every frame of our decode is within <paramref name="tolerance"/> stored units of GDCM's.</summary>
    public static void AssertWithinGdcm(string path, int tolerance)
    {
        var (info, ours) = DecodeOurs(path);
        var gdcm = Decode(path);
        Assert.Equal(gdcm.Frames.Length, ours.Length);
        Assert.Equal(gdcm.Info.FrameBytes, info.FrameBytes);
        for (var i = 0; i < ours.Length; i++)
        {
            var max = MaxAbsDifference(ours[i], gdcm.Frames[i], info.BytesPerSample);
            Assert.True(max <= tolerance, $"frame {i + 1}: max |ours - gdcm| = {max} > {tolerance}");
        }
    }

    public static int MaxAbsDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int bytesPerSample)
    {
        if (a.Length != b.Length) throw new ArgumentException($"frames differ in length: {a.Length} and {b.Length} bytes");
        var max = 0;
        for (var i = 0; i + bytesPerSample <= a.Length; i += bytesPerSample)
        {
            int va = a[i], vb = b[i];
            if (bytesPerSample == 2) { va |= a[i + 1] << 8; vb |= b[i + 1] << 8; }
            max = Math.Max(max, Math.Abs(va - vb));
        }
        return max;
    }

    /// <summary>Index of the first differing sample, for failure messages; -1 when equal.</summary>
    public static int FirstDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int bytesPerSample)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++) if (a[i] != b[i]) return i / bytesPerSample;
        return a.Length == b.Length ? -1 : n / bytesPerSample;
    }
}

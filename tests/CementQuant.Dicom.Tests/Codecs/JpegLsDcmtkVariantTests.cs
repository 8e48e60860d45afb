using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CementQuant.Dicom.Tests.Codecs;

/// <summary>
/// Streams the conformance files do not cover, made at test time by dcmtk's encoder (<c>dcmcjpls</c>)
/// from uncompressed shared files: explicit thresholds and RESET, NEAR without an LSE segment
/// (default thresholds widened by NEAR), all three interleave modes for colour, LSE per scan,
/// the "cooked" encoder, odd-length fragments padded with fill bytes before EOI. Each must decode as
/// GDCM decodes it, and be exact (lossless) or within NEAR (near-lossless) of the source.
/// </summary>
public class JpegLsDcmtkVariantTests
{
    private const string Ct = "cornerstoneWADOImageLoader_testImages/CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm";
    private const string Mr = "pydicom-data/emri_small.dcm";   // 10 frames, 12 of 16 bits, unsigned
    private const string Rgb = "pydicom-data/SC_rgb.dcm";      // 8-bit RGB

    [SharedDataTheory]
    [InlineData(Ct, "+el", 0)]                                          // signed 16-bit CT, lossless
    [InlineData(Ct, "+el +t1 5 +t2 20 +t3 100 +rs 32", 0)]              // explicit LSE thresholds and RESET
    [InlineData(Ct, "+el +pc", 0)]
    [InlineData(Mr, "+en +md 1", 1)]                                    // multi-frame near-lossless
    [InlineData(Mr, "+en +md 3 +t1 10 +t2 30 +t3 90 +rs 16", 3)]
    [InlineData(Mr, "+en +md 10 +pc", 10)]                              // no LSE: defaults for MAXVAL 4095, NEAR 10
    [InlineData(Rgb, "+el +is", 0)]                                     // sample interleaved
    [InlineData(Rgb, "+el +il", 0)]                                     // line interleaved
    [InlineData(Rgb, "+el +in", 0)]                                     // three scans
    [InlineData(Rgb, "+en +md 2 +is", 2)]
    [InlineData(Rgb, "+en +md 4 +il", 4)]
    [InlineData(Rgb, "+en +md 7 +in +rs 200", 7)]                       // an LSE before every scan
    public void DecodeFrame_DcmtkEncodedVariant_MatchesGdcmAndSource(string source, string options, int near)
    {
        var sourcePath = JpegLsReference.FullPath(source);
        var encoded = Encode(sourcePath, options);
        var (info, frames) = JpegLsReference.DecodeAll(encoded);
        var (_, gdcmFrames) = JpegLsReference.DecodeWithGdcm(encoded);
        var (sourceInfo, sourceFrames) = JpegLsReference.DecodeAll(sourcePath);

        Assert.Equal(sourceInfo.FrameBytes, info.FrameBytes);
        Assert.Equal(sourceFrames.Length, frames.Length);
        for (var f = 0; f < frames.Length; f++)
        {
            Assert.True(frames[f].AsSpan().SequenceEqual(gdcmFrames[f]), $"frame {f + 1} differs from GDCM");
            var maxDiff = MaxDifference(frames[f], sourceFrames[f], info.BytesPerSample, info.BitsStored);
            Assert.True(maxDiff <= near, $"frame {f + 1}: a sample is {maxDiff} from the source, NEAR is {near}");
        }
    }

    /// <summary>Largest difference between samples, over the stored bits (the encoder codes only those).</summary>
    private static int MaxDifference(byte[] a, byte[] b, int bytesPerSample, int bitsStored)
    {
        var mask = (1 << bitsStored) - 1;
        var max = 0;
        for (var i = 0; i < a.Length; i += bytesPerSample)
        {
            int x = bytesPerSample == 1 ? a[i] : BinaryPrimitives.ReadUInt16LittleEndian(a.AsSpan(i));
            int y = bytesPerSample == 1 ? b[i] : BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(i));
            max = Math.Max(max, Math.Abs((x & mask) - (y & mask)));
        }
        return max;
    }

    /// <summary>Runs dcmcjpls once per source and option set; the result is cached in the temp folder.</summary>
    private static string Encode(string source, string options)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(source + "|" + options)))[..16];
        var dir = Path.Combine(Path.GetTempPath(), "cementquant-jpegls-ref");
        Directory.CreateDirectory(dir);
        var output = Path.Combine(dir, "dcmcjpls-" + key + ".dcm");
        if (!File.Exists(output))
        {
            var tmp = output + "." + Environment.ProcessId + ".tmp";
            Peer.Run("dcmcjpls", [.. options.Split(' '), source, tmp]);
            File.Move(tmp, output, overwrite: true);
        }
        return output;
    }
}

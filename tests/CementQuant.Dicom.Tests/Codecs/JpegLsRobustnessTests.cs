using CementQuant.Dicom.Codecs;

namespace CementQuant.Dicom.Tests.Codecs;

/// <summary>
/// Damaged JPEG-LS frames must decode or be refused with <see cref="InvalidDataException"/> /
/// <see cref="NotSupportedException"/>: never another exception, never a hang. Fixed seeds keep the
/// variants reproducible.
/// </summary>
public class JpegLsRobustnessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>One file per decoder path: 16-bit CT (ILV 0), sample- and line-interleaved colour, multi-scan near-lossless colour.</summary>
    public static IEnumerable<object[]> Sources() => SharedData.Available
        ? [
            ["cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm"],
            ["pydicom-data/JLSL_RGB_ILV2.dcm"],
            ["pydicom_test_files/SC_rgb_jls_lossy_line.dcm"],
            ["pydicom-data/JLSN_RGB_ILV0.dcm"],
        ]
        : [["(shared data absent)"]];

    [SharedDataTheory]
    [MemberData(nameof(Sources))]
    public async Task Decode_TruncatedFrame_DecodesOrThrowsInvalidData(string file)
    {
        var (frame, info) = JpegLsReference.FirstFrame(JpegLsReference.FullPath(file));
        var random = new Random(1234);
        var lengths = Enumerable.Range(0, 40) // every cut inside the headers
            .Concat(Enumerable.Range(0, 60).Select(_ => random.Next(frame.Length)))
            .Append(frame.Length - 2) // EOI missing
            .Append(frame.Length - 1);
        foreach (var length in lengths)
            await AssertDecodesOrRejects(frame[..length], info, $"truncated to {length} of {frame.Length} bytes");
    }

    [SharedDataTheory]
    [MemberData(nameof(Sources))]
    public async Task Decode_ByteFlippedFrame_DecodesOrThrowsInvalidData(string file)
    {
        var (frame, info) = JpegLsReference.FirstFrame(JpegLsReference.FullPath(file));
        var random = new Random(5678);
        for (var variant = 0; variant < 100; variant++)
        {
            var damaged = (byte[])frame.Clone();
            var flips = 1 + random.Next(4);
            var positions = new List<int>();
            for (var i = 0; i < flips; i++)
            {
                // A third of the damage lands in the marker segments, where the parser is exercised.
                var at = variant % 3 == 0 ? random.Next(Math.Min(64, frame.Length)) : random.Next(frame.Length);
                damaged[at] = variant % 5 == 0 ? (byte)0xFF : (byte)random.Next(256);
                positions.Add(at);
            }
            await AssertDecodesOrRejects(damaged, info, $"variant {variant}: bytes changed at {string.Join(", ", positions)}");
        }
    }

    private static async Task AssertDecodesOrRejects(byte[] data, FrameInfo info, string what)
    {
        var work = Task.Run(() =>
        {
            try
            {
                new JpegLsFrameDecoder().Decode(data, info, new byte[info.FrameBytes]);
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        });
        var finished = await Task.WhenAny(work, Task.Delay(Timeout));
        Assert.True(finished == work, $"{what}: decoding did not finish within {Timeout.TotalSeconds} s");
        var error = await work;
        Assert.True(error is null or InvalidDataException or NotSupportedException, $"{what}: {error}");
    }
}

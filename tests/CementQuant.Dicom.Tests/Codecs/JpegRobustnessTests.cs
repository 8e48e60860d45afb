using CementQuant.Dicom.Codecs;

namespace CementQuant.Dicom.Tests.Codecs;

/// <summary>
/// Damaged JPEG, JPEG lossless and JPEG 2000 frames (truncated, bytes overwritten; fixed seeds) must neither
/// crash nor hang the process: each decode finishes within seconds and either succeeds or throws one of the
/// exceptions <see cref="DicomPixelData.DecodeFrame"/> turns into a <see cref="DicomReadException"/>.
/// </summary>
public class JpegRobustnessTests
{
    private const int Variants = 50;
    private static readonly TimeSpan PerDecode = TimeSpan.FromSeconds(5);

    public static TheoryData<string> Files() => new(
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEGProcess14SV1TransferSyntax_1.2.840.10008.1.2.4.70.dcm",
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEGProcess14TransferSyntax_1.2.840.10008.1.2.4.57.dcm",
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm",
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEGProcess10_12TransferSyntax_1.2.840.10008.1.2.4.55.dcm",
        "pydicom_test_files/SC_rgb_dcmtk_+eb+cy+s2.dcm",
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm",
        "pydicom-data/US1_J2KI.dcm");

    [SharedDataTheory]
    [MemberData(nameof(Files))]
    public void Decode_DamagedFrame_DecodesOrThrowsInvalidData(string relative)
    {
        var file = DicomFile.Open(SharedData.Path("conformance", relative));
        var info = DicomPixelData.GetFrameInfo(file.Dataset, file.Path);
        var fragments = file.Dataset.Get(DicomTag.PixelData)!.Fragments!;
        var frame = DicomPixelData.FrameBytes(fragments, 0, DicomPixelData.GetNumberOfFrames(file.Dataset, file.Path), file.TransferSyntax).ToArray();
        var decoder = file.TransferSyntax.CreateDecoder()!;
        var destination = new byte[info.FrameBytes];
        var random = new Random(20240611);
        var outcomes = new Dictionary<string, int>();
        for (var v = 0; v < Variants; v++)
        {
            var damaged = Damage(frame, v, random);
            var outcome = "decoded";
            var task = Task.Run(() =>
            {
                try
                {
                    decoder.Decode(damaged, info, destination);
                }
                catch (Exception ex) when (ex is InvalidDataException or NotSupportedException)
                {
                    outcome = ex.GetType().Name;
                }
            });
            Assert.True(task.Wait(PerDecode), $"variant {v} ({damaged.Length} of {frame.Length} bytes) did not finish within {PerDecode.TotalSeconds} s");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        // Truncation below the headers must be among the refusals.
        Assert.True(outcomes.GetValueOrDefault("InvalidDataException") > 0, string.Join(", ", outcomes));
    }

    /// <summary>Even variants are truncated (some inside the headers), odd ones get 1–16 bytes overwritten past the first 2.</summary>
    private static byte[] Damage(byte[] frame, int variant, Random random)
    {
        if (variant % 2 == 0)
        {
            var length = variant < 10 ? random.Next(0, Math.Min(400, frame.Length)) : random.Next(0, frame.Length);
            return frame.AsSpan(0, length).ToArray();
        }
        var copy = (byte[])frame.Clone();
        var count = random.Next(1, 17);
        for (var i = 0; i < count; i++) copy[random.Next(2, copy.Length)] = (byte)random.Next(256);
        return copy;
    }
}

using System.Buffers.Binary;
using CementQuant.Dicom.Codecs;

namespace CementQuant.Dicom.Tests.Codecs;

public class JpegLsFrameDecoderTests
{
    public static IEnumerable<object[]> ConformanceFiles() => JpegLsReference.Rows();

    public static IEnumerable<object[]> NearLosslessFiles() =>
        JpegLsReference.Rows(f => DicomFile.Open(JpegLsReference.FullPath(f), headerOnly: true).TransferSyntax == TransferSyntax.JpegLsNearLossless);

    [SharedDataTheory]
    [MemberData(nameof(ConformanceFiles))]
    public void DecodeFrame_ConformanceFile_MatchesGdcmByteForByte(string file)
    {
        var path = JpegLsReference.FullPath(file);
        var (info, frames) = JpegLsReference.DecodeAll(path);
        var (refInfo, refFrames) = JpegLsReference.DecodeWithGdcm(path);

        Assert.Equal(refInfo.FrameBytes, info.FrameBytes);
        Assert.Equal(refFrames.Length, frames.Length);
        for (var f = 0; f < frames.Length; f++)
        {
            var mismatch = frames[f].AsSpan().CommonPrefixLength(refFrames[f]);
            Assert.True(mismatch == frames[f].Length,
                $"frame {f + 1}: first difference at byte {mismatch} (sample {mismatch / info.BytesPerSample}) of {frames[f].Length}");
        }
    }

    [SharedDataTheory]
    [MemberData(nameof(NearLosslessFiles))]
    public void DecodeFrame_NearLosslessFile_HasNonZeroNear(string file)
    {
        // Guards the near-lossless rows above: the lossy transfer syntax really exercises NEAR > 0.
        Assert.InRange(JpegLsReference.Near(JpegLsReference.FullPath(file)), 1, 255);
    }

    /// <summary>
    /// T.87's guarantee for near-lossless coding: every reconstructed sample is within NEAR of the original.
    /// Each lossy file is paired with a lossless encoding of the same image.
    /// </summary>
    [SharedDataTheory]
    [InlineData("cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEGLSLossyTransferSyntax_1.2.840.10008.1.2.4.81.dcm",
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm")]
    [InlineData("pylibjpeg-data/JPEGLS/RG2_JLSN.dcm", "pylibjpeg-data/JPEGLSLossless/RG2_JLSL.dcm")]
    [InlineData("pydicom-data/JLSN_RGB_ILV0.dcm", "pydicom-data/JLSL_RGB_ILV0.dcm")]
    [InlineData("pylibjpeg-data/JPEGLS/CT1_JLSN.dcm", "fo-dicom/transfer_syntax/D_CLUNIE_CT1_RLE_FRAGS.dcm")]
    [InlineData("pydicom_test_files/SC_rgb_jls_lossy_line.dcm", "pydicom-data/SC_rgb.dcm")]
    [InlineData("pydicom_test_files/SC_rgb_jls_lossy_sample.dcm", "pydicom-data/SC_rgb.dcm")]
    public void DecodeFrame_NearLosslessAgainstOriginal_DiffersByAtMostNear(string lossy, string original)
    {
        var lossyPath = JpegLsReference.FullPath(lossy);
        var near = JpegLsReference.Near(lossyPath);
        var (info, frames) = JpegLsReference.DecodeAll(lossyPath);
        var (origInfo, origFrames) = JpegLsReference.DecodeAll(JpegLsReference.FullPath(original));
        Assert.Equal(origInfo.FrameBytes, info.FrameBytes);

        var maxDiff = 0;
        var bps = info.BytesPerSample;
        for (var i = 0; i < frames[0].Length; i += bps)
        {
            int a = bps == 1 ? frames[0][i] : BinaryPrimitives.ReadUInt16LittleEndian(frames[0].AsSpan(i));
            int b = bps == 1 ? origFrames[0][i] : BinaryPrimitives.ReadUInt16LittleEndian(origFrames[0].AsSpan(i));
            maxDiff = Math.Max(maxDiff, Math.Abs(a - b));
        }
        Assert.InRange(maxDiff, 1, near); // 1: the file is really lossy, so the test compares something
    }

    [Fact]
    public void Decode_HandBuiltConstantImage_AllZeroAcrossStuffedByte()
    {
        // 4×4, 8 bits, all zero: run mode throughout. Rows code as 1111, 11, 11, 1 (RUNindex climbing
        // 0→9), so the data is 11111111 then a stuffed 0 bit and the last 1: FF 40.
        byte[] stream = [.. Header(4, 4), 0xFF, 0x40, 0xFF, 0xD9];
        var info = new FrameInfo(4, 4, 1, 8, 8, false, 0, "MONOCHROME2");
        var dst = Enumerable.Repeat((byte)0xAA, 16).ToArray();

        new JpegLsFrameDecoder().Decode(stream, info, dst);

        Assert.All(dst, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Decode_HandBuiltRunInterruption_ReconstructsValue()
    {
        // 1×1, 8 bits, value 5: run bit 0, then the interruption sample with RItype 1, k = 2:
        // EMErrval = 2·5 − 1 = 9 → unary 00 1, low bits 01 → bits 0 00101 → 0x14.
        byte[] stream = [.. Header(1, 1), 0x14, 0xFF, 0xD9];
        var info = new FrameInfo(1, 1, 1, 8, 8, false, 0, "MONOCHROME2");
        var dst = new byte[1];

        new JpegLsFrameDecoder().Decode(stream, info, dst);

        Assert.Equal(5, dst[0]);
    }

    [Fact]
    public void Decode_HandBuiltStreamMissingData_ThrowsInvalidData()
    {
        byte[] stream = [.. Header(4, 4), 0xFF, 0xD9];
        var info = new FrameInfo(4, 4, 1, 8, 8, false, 0, "MONOCHROME2");

        var ex = Assert.Throws<InvalidDataException>(() => new JpegLsFrameDecoder().Decode(stream, info, new byte[16]));
        Assert.Contains("ends before the image is complete", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_RestartIntervalOfTwoLines_ResetsRunIndexAtMarker()
    {
        // 4×4 zeros, DRI 2: each interval codes 1111 11 from a fresh RUNindex, padded to 0xFC, then RST0.
        byte[] stream = [.. Header(4, 4, restartInterval: 2), 0xFC, 0xFF, 0xD0, 0xFC, 0xFF, 0xD9];
        var info = new FrameInfo(4, 4, 1, 8, 8, false, 0, "MONOCHROME2");
        var dst = Enumerable.Repeat((byte)0xAA, 16).ToArray();

        new JpegLsFrameDecoder().Decode(stream, info, dst);

        Assert.All(dst, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Decode_RestartIntervalOfOneLine_ResetsContextsAndPreviousLine()
    {
        // 1×2, value 5 in both lines, DRI 1: after RST0 the second line is coded exactly like the first
        // (previous line zero, fresh contexts), so both intervals are 0x14.
        byte[] stream = [.. Header(1, 2, restartInterval: 1), 0x14, 0xFF, 0xD0, 0x14, 0xFF, 0xD9];
        var info = new FrameInfo(2, 1, 1, 8, 8, false, 0, "MONOCHROME2");
        var dst = new byte[2];

        new JpegLsFrameDecoder().Decode(stream, info, dst);

        Assert.Equal([5, 5], dst);
    }

    [Fact]
    public void Decode_RestartMarkerMissing_ThrowsInvalidData()
    {
        byte[] stream = [.. Header(1, 2, restartInterval: 1), 0x14, 0x14, 0xFF, 0xD9];
        var info = new FrameInfo(2, 1, 1, 8, 8, false, 0, "MONOCHROME2");

        var ex = Assert.Throws<InvalidDataException>(() => new JpegLsFrameDecoder().Decode(stream, info, new byte[2]));
        Assert.Contains("RST0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_SizeDifferentFromDicomHeader_ThrowsInvalidData()
    {
        byte[] stream = [.. Header(4, 4), 0xFF, 0x40, 0xFF, 0xD9];
        var info = new FrameInfo(4, 5, 1, 8, 8, false, 0, "MONOCHROME2");

        var ex = Assert.Throws<InvalidDataException>(() => new JpegLsFrameDecoder().Decode(stream, info, new byte[20]));
        Assert.Contains("4×4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_MappingTableSelected_ThrowsNotSupported()
    {
        var stream = Header(4, 4).Concat(new byte[] { 0xFF, 0x40, 0xFF, 0xD9 }).ToArray();
        stream[Array.IndexOf(stream, (byte)0xDA) + 5] = 1; // Tm of the scan's only component
        var info = new FrameInfo(4, 4, 1, 8, 8, false, 0, "MONOCHROME2");

        Assert.Throws<NotSupportedException>(() => new JpegLsFrameDecoder().Decode(stream, info, new byte[16]));
    }

    [Fact]
    public void Decode_BaselineJpeg_ThrowsNotSupported()
    {
        byte[] stream = [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 8, 0, 4, 0, 4, 1, 1, 0x11, 0, 0xFF, 0xD9];
        var info = new FrameInfo(4, 4, 1, 8, 8, false, 0, "MONOCHROME2");

        Assert.Throws<NotSupportedException>(() => new JpegLsFrameDecoder().Decode(stream, info, new byte[16]));
    }

    /// <summary>SOI, SOF55 (8 bits, one component), optionally DRI, SOS (NEAR 0, ILV 0) for a width × height image.</summary>
    private static byte[] Header(int width, int height, int restartInterval = 0) =>
    [
        0xFF, 0xD8,
        0xFF, 0xF7, 0x00, 0x0B, 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0,
        .. restartInterval > 0 ? new byte[] { 0xFF, 0xDD, 0x00, 0x04, (byte)(restartInterval >> 8), (byte)restartInterval } : [],
        0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0, 0,
    ];
}

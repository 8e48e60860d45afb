using CementQuant.Dicom.Codecs;

namespace CementQuant.Dicom.Tests.Codecs;

/// <summary>
/// JPEG (T.81) frames against gdcm: lossless processes must equal <c>gdcmconv --raw</c> byte for byte;
/// DCT (lossy) processes may differ by the IDCT's rounding.
/// </summary>
public class JpegFrameDecoderTests
{
    /// <summary>
    /// Lossy tolerance in stored units. JpegLibrary's IDCT is floating point, libjpeg's (gdcm) the integer
    /// "islow" one; on the conformance files they differ by at most 1, 8-bit and 12-bit alike. 2 leaves room
    /// for rounding at clamped extremes without hiding real errors (a wrong upsampling or colour
    /// conversion shows up as tens to hundreds).
    /// </summary>
    private const int LossyTolerance = 2;

    private static readonly string[] Lossless =
    [
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEGProcess14SV1TransferSyntax_1.2.840.10008.1.2.4.70.dcm",
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEGProcess14TransferSyntax_1.2.840.10008.1.2.4.57.dcm",
        "fo-dicom/edge_cases/OutOfBoundsOverlay.dcm",
        "fo-dicom/transfer_syntax/GH538-jpeg14sv1.dcm",
        "fo-dicom/xray/CR-ModalitySequenceLUT.dcm",
        "orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.4.57.dcm",
        "orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.4.70.dcm",
        "orthanc-tests/edge_cases/2024-05-30-GuillemVela.dcm",
        "pydicom-data/JPEG-LL.dcm",
        "pydicom-data/JPGLosslessP14SV1_1s_1f_8b.dcm",
        "pydicom-data/bad_sequence.dcm",
        "pydicom_test_files/SC_rgb_jpeg_gdcm.dcm",
        "pylibjpeg-data/JPEGLossless/JPEGLossless_1s_1f_i_16_16_bad.dcm",
        "pylibjpeg-data/JPEGLossless/JPEGLossless_1s_1f_u_16_12.dcm",
        "pylibjpeg-data/JPEGLosslessSV1/JPEG-LL.dcm",
        "pylibjpeg-data/JPEGLosslessSV1/JPEGLosslessP14SV1_1s_1f_u_08_08.dcm",
        "pylibjpeg-data/JPEGLosslessSV1/JPEGLosslessP14SV1_1s_1f_u_16_16.dcm",
        "pylibjpeg-data/JPEGLosslessSV1/JPEGLosslessP14SV1_3s_2f_u_08_08.dcm",
        "pylibjpeg-data/JPEGLosslessSV1/RG2_JPLL.dcm",
        "pylibjpeg-data/JPEGLosslessSV1/SC_rgb_jpeg_gdcm.dcm",
        // Not here because gdcm cannot decode them either (each is checked below to fail cleanly with us):
        // orthanc-tests/edge_cases/2026-03-16-OD-OF-OL.dcm (no Pixel Data), orthanc-tests/edge_cases/DummyCTInvalidRows.dcm
        // and pydicom_test_files/UN_sequence.dcm (no Rows).
    ];

    private static readonly string[] Lossy =
    [
        // Baseline (process 1), 8-bit grey and colour: YBR_FULL, YBR_FULL_422 (4:2:2 and 4:2:0), RGB with and without Adobe markers.
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm",
        "fo-dicom/transfer_syntax/GH538-jpeg1.dcm",
        "fo-dicom/transfer_syntax/HasFragmentSequence.dcm",
        "orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.4.50.dcm",
        "orthanc-tests/xray/Monochrome1-Jpeg.dcm",
        "pydicom_test_files/SC_jpeg_no_color_transform.dcm",
        "pydicom_test_files/SC_jpeg_no_color_transform_2.dcm",
        "pydicom_test_files/SC_rgb_dcmtk_+eb+cr.dcm",
        "pydicom_test_files/SC_rgb_dcmtk_+eb+cy+n1.dcm",
        "pydicom_test_files/SC_rgb_dcmtk_+eb+cy+n2.dcm",
        "pydicom_test_files/SC_rgb_dcmtk_+eb+cy+np.dcm",
        "pydicom_test_files/SC_rgb_dcmtk_+eb+cy+s2.dcm",
        "pydicom_test_files/SC_rgb_dcmtk_+eb+cy+s4.dcm",
        "pydicom_test_files/SC_rgb_jpeg_app14_dcmd.dcm",
        "pydicom_test_files/SC_rgb_jpeg_dcmtk.dcm",
        "pydicom_test_files/SC_rgb_jpeg_lossy_gdcm.dcm",
        "pydicom_test_files/SC_rgb_small_odd_jpeg.dcm",
        "pydicom_test_files/examples_ybr_color.dcm",
        "pylibjpeg-data/JPEGBaseline/JPEGBaseline_1s_1f_u_08_08.dcm",
        "pylibjpeg-data/JPEGBaseline/SC_rgb_jpeg_lossy_gdcm.dcm",
        // Extended (process 2/4), 12-bit in 16.
        "cornerstoneWADOImageLoader_testImages/CT0012.fragmented_no_bot_jpeg_baseline.51.dcm",
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm",
        "orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.4.51.dcm",
        "pydicom_test_files/JPEG-lossy.dcm",
        "pydicom_test_files/JPGExtended.dcm",
        "pylibjpeg-data/JPEGExtended/JPEGExtended_1s_1f_u_16_12.dcm",
        "pylibjpeg-data/JPEGExtended/JPEGExtended_3s_1f_u_08_08.dcm",
        "pylibjpeg-data/JPEGExtended/RG2_JPLY.dcm",
        "pylibjpeg-data/JPEGExtended/RG2_JPLY_fixed.dcm",
        // Spectral selection (6/8) and full progression (10/12), retired but still in the wild.
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEGProcess6_8TransferSyntax_1.2.840.10008.1.2.4.53.dcm",
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEGProcess10_12TransferSyntax_1.2.840.10008.1.2.4.55.dcm",
        // Not here: fo-dicom/transfer_syntax/multiframe.dcm, which gdcm refuses ("Could not change the Transfer
        // Syntax"): its 14th frame is a 55×240 JPEG in a 240×240 dataset; we refuse that frame too (below).
    ];

    public static TheoryData<string> LosslessFiles() => new(Lossless);

    public static TheoryData<string> LossyFiles() => new(Lossy);

    [SharedDataTheory]
    [MemberData(nameof(LosslessFiles))]
    public void Decode_LosslessConformanceFile_EqualsGdcmBytes(string relative) =>
        GdcmReference.AssertEqualsGdcm(SharedData.Path("conformance", relative));

    [SharedDataTheory]
    [MemberData(nameof(LossyFiles))]
    public void Decode_LossyConformanceFile_WithinToleranceOfGdcm(string relative) =>
        GdcmReference.AssertWithinGdcm(SharedData.Path("conformance", relative), LossyTolerance);

    [SharedDataTheory]
    [InlineData("orthanc-tests/edge_cases/2026-03-16-OD-OF-OL.dcm")]
    [InlineData("orthanc-tests/edge_cases/DummyCTInvalidRows.dcm")]
    [InlineData("pydicom_test_files/UN_sequence.dcm")]
    [InlineData("fo-dicom/transfer_syntax/multiframe.dcm")]
    public void Decode_FileGdcmCannotDecode_ThrowsDicomReadException(string relative)
    {
        var path = SharedData.Path("conformance", relative);
        Assert.Throws<DicomReadException>(() => GdcmReference.DecodeOurs(path));
    }

    /// <summary>
    /// Selection values 2–7 and point transforms are rare in the conformance files, so dcmtk's encoder makes
    /// them from native sources (signed 16-bit CT, 8-bit grey, 8- and 16-bit RGB); gdcm decodes the same
    /// file, and with point transform 0 the result must also equal the original pixels.
    /// </summary>
    [SharedDataTheory]
    [MemberData(nameof(PredictorCases))]
    public void Decode_DcmtkLosslessWithPredictor_EqualsGdcmAndSource(string source, int selectionValue, int pointTransform)
    {
        var dir = Directory.CreateTempSubdirectory("cq-jpegll-");
        try
        {
            var src = SharedData.Path("conformance", source);
            var encoded = System.IO.Path.Combine(dir.FullName, "ll.dcm");
            Peer.Run("dcmcjpeg", "+el", "+sv", selectionValue.ToString(), "+pt", pointTransform.ToString(), src, encoded);
            var (info, ours) = GdcmReference.DecodeOurs(encoded);
            Assert.Equal(TransferSyntax.JpegLossless14, DicomFile.Open(encoded, headerOnly: true).TransferSyntax);
            var gdcm = GdcmReference.Decode(encoded);
            var (_, original) = GdcmReference.DecodeOurs(src);
            for (var i = 0; i < ours.Length; i++)
            {
                Assert.True(GdcmReference.FirstDifference(ours[i], gdcm.Frames[i], info.BytesPerSample) < 0, $"frame {i + 1} differs from gdcm");
                if (pointTransform == 0)
                    Assert.True(GdcmReference.FirstDifference(ours[i], original[i], info.BytesPerSample) < 0, $"frame {i + 1} differs from the source");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    public static TheoryData<string, int, int> PredictorCases()
    {
        const string Ct = "cornerstoneWADOImageLoader_testImages/CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm";
        var data = new TheoryData<string, int, int>();
        for (var sv = 1; sv <= 7; sv++)
        {
            data.Add(Ct, sv, 0);
            data.Add(Ct, sv, 3);
            data.Add("pylibjpeg-data/LittleEndianExplicit/OBXXXX1A.dcm", sv, 0);
            data.Add("pylibjpeg-data/LittleEndianExplicit/SC_rgb.dcm", sv, 0);
            data.Add("pylibjpeg-data/LittleEndianExplicit/SC_rgb_16bit.dcm", sv, 0);
        }
        return data;
    }

    [Fact]
    public void Decode_NotJpeg_ThrowsInvalidDataException()
    {
        var info = new FrameInfo(2, 2, 1, 16, 16, false, 0, "MONOCHROME2");
        Assert.Throws<InvalidDataException>(() => new JpegFrameDecoder().Decode([1, 2, 3, 4, 5], info, new byte[8]));
    }

    [Theory]
    [InlineData(0xCB, "arithmetic")]  // lossless, arithmetic coding
    [InlineData(0xC7, "hierarchical")] // differential lossless
    public void Decode_UnsupportedFrameType_ThrowsNotSupportedException(int sof, string expected)
    {
        byte[] stream = [0xFF, 0xD8, 0xFF, (byte)sof, 0, 11, 16, 0, 2, 0, 2, 1, 1, 0x11, 0, 0xFF, 0xD9];
        var info = new FrameInfo(2, 2, 1, 16, 16, false, 0, "MONOCHROME2");
        var ex = Assert.Throws<NotSupportedException>(() => new JpegFrameDecoder().Decode(stream, info, new byte[8]));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}

using CementQuant.Dicom.Codecs;

namespace CementQuant.Dicom.Tests.Codecs;

/// <summary>JPEG 2000 frames (OpenCV/OpenJPEG) against <c>gdcmconv --raw</c> (gdcm's own OpenJPEG).</summary>
public class Jpeg2000FrameDecoderTests
{
    /// <summary>
    /// Irreversible (9/7) files may differ from gdcm by rounding in stored units. Both sides use OpenJPEG, and
    /// on the conformance files the results are in fact identical; 2 is the tolerance the lossy JPEG tests use.
    /// </summary>
    private const int LossyTolerance = 2;

    private static readonly string[] Lossless =
    [
        "cornerstoneWADOImageLoader_testImages/CT1_J2KR",
        "cornerstoneWADOImageLoader_testImages/CT2_J2KR",
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm",
        "orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.4.90.dcm",
        "orthanc-tests/edge_cases/2022-03-08-RicSmi.dcm",
        "pydicom-data/693_J2KR.dcm",
        "pydicom-data/MR2_J2KR.dcm",
        "pydicom-data/RG3_J2KR.dcm",
        "pydicom-data/US1_J2KR.dcm",
        "pydicom-data/emri_small_jpeg_2k_lossless.dcm",
        "pydicom-data/explicit_VR-UN.dcm",
        "pydicom_test_files/GDCMJ2K_TextGBR.dcm",
        "pydicom_test_files/J2K_pixelrep_mismatch.dcm",
        "pydicom_test_files/MR_small_jp2klossless.dcm",
        "pydicom_test_files/examples_jpeg2k.dcm",
        "pylibjpeg-data/JPEG2000Lossless/693_J2KR.dcm",
        "pylibjpeg-data/JPEG2000Lossless/966_fixed.dcm",
        "pylibjpeg-data/JPEG2000Lossless/GDCMJ2K_TextGBR.dcm",
        "pylibjpeg-data/JPEG2000Lossless/J2K_pixelrep_mismatch.dcm",
        "pylibjpeg-data/JPEG2000Lossless/JPEG2KLossless_1s_1f_u_16_16.dcm",
        "pylibjpeg-data/JPEG2000Lossless/MR2_J2KR.dcm",
        "pylibjpeg-data/JPEG2000Lossless/MR_small_jp2klossless.dcm",
        "pylibjpeg-data/JPEG2000Lossless/NM_Kakadu44_SOTmarkerincons.dcm",
        "pylibjpeg-data/JPEG2000Lossless/RG3_J2KR.dcm",
        "pylibjpeg-data/JPEG2000Lossless/TOSHIBA_J2K_OpenJPEGv2Regression.dcm",
        "pylibjpeg-data/JPEG2000Lossless/TOSHIBA_J2K_SIZ0_PixRep1.dcm",
        "pylibjpeg-data/JPEG2000Lossless/TOSHIBA_J2K_SIZ1_PixRep0.dcm",
        "pylibjpeg-data/JPEG2000Lossless/US1_J2KR.dcm",
        "pylibjpeg-data/JPEG2000Lossless/emri_small_jpeg_2k_lossless.dcm",
        "pylibjpeg-data/JPEG2000Lossless/explicit_VR-UN.dcm",
        // Not here: pylibjpeg-data/JPEG2000Lossless/966.dcm (truncated codestream: gdcm says "Stream too short,
        // expected SOT"; 966_fixed.dcm above is the repaired file), and pydicom-data/liver_j2k.dcm and
        // liver_nonbyte_aligned_j2k.dcm (BitsAllocated 1, which our reader refuses before any codec runs).
    ];

    private static readonly string[] Lossy =
    [
        "cornerstoneWADOImageLoader_testImages/CTImage.dcm_JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm",
        "fo-dicom/transfer_syntax/CT1_J2KI",
        "orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.4.91.dcm",
        "pydicom-data/MR2_J2KI.dcm",
        "pydicom-data/RG1_J2KI.dcm",
        "pydicom-data/RG3_J2KI.dcm",
        "pydicom-data/US1_J2KI.dcm",
        "pydicom_test_files/693_J2KI.dcm",
        "pydicom_test_files/JPEG2000.dcm",
        "pydicom_test_files/SC_rgb_gdcm_KY.dcm",
        "pylibjpeg-data/JPEG2000/693_J2KI.dcm",
        "pylibjpeg-data/JPEG2000/ELSCINT1_JP2vsJ2K.dcm",
        "pylibjpeg-data/JPEG2000/JPEG2000.dcm",
        "pylibjpeg-data/JPEG2000/MAROTECH_CT_JP2Lossy.dcm",
        "pylibjpeg-data/JPEG2000/MR2_J2KI.dcm",
        "pylibjpeg-data/JPEG2000/OsirixFake16BitsStoredFakeSpacing.dcm",
        "pylibjpeg-data/JPEG2000/RG1_J2KI.dcm",
        "pylibjpeg-data/JPEG2000/RG3_J2KI.dcm",
        "pylibjpeg-data/JPEG2000/SC_rgb_gdcm_KY.dcm",
        "pylibjpeg-data/JPEG2000/US1_J2KI.dcm",
        // Not here: pydicom_test_files/JPEG2000-embedded-sequence-delimiter.dcm; gdcm: "Invalid number of tiles"
        // (its SIZ is corrupt, Xsiz 3722445056). Checked below to fail cleanly.
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

    [SharedDataFact]
    public void Decode_CorruptSiz_ThrowsDicomReadException()
    {
        var path = SharedData.Path("conformance", "pydicom_test_files", "JPEG2000-embedded-sequence-delimiter.dcm");
        var ex = Assert.Throws<DicomReadException>(() => GdcmReference.DecodeOurs(path));
        Assert.Contains("SIZ", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>OpenCV refuses signed components; the decoder must still produce the signed CT values (HU-range raw values below zero).</summary>
    [SharedDataFact]
    public void Decode_SignedCtCodestream_MatchesNativeFile()
    {
        var dir = SharedData.Path("conformance", "cornerstoneWADOImageLoader_testImages");
        var (_, j2k) = GdcmReference.DecodeOurs(System.IO.Path.Combine(dir, "CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm"));
        var (_, native) = GdcmReference.DecodeOurs(System.IO.Path.Combine(dir, "CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm"));
        Assert.Equal(native[0], j2k[0]);
    }

    [Fact]
    public void Decode_NeitherCodestreamNorJp2_ThrowsInvalidDataException()
    {
        var info = new FrameInfo(2, 2, 1, 16, 16, false, 0, "MONOCHROME2");
        Assert.Throws<InvalidDataException>(() => new Jpeg2000FrameDecoder().Decode([0xFF, 0xD8, 0xFF, 0xE0, 0, 0], info, new byte[8]));
    }
}

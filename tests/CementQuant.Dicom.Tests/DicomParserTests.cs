namespace CementQuant.Dicom.Tests;

public class DicomParserTests
{
    [SharedDataFact]
    public void Open_CornerstoneExplicitLittle_ReadsImagePixelModule()
    {
        var f = DicomFile.Open(SharedData.Path("conformance", "cornerstoneWADOImageLoader_testImages", "CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm"));
        Assert.Equal(TransferSyntax.ExplicitVRLittleEndian, f.TransferSyntax);
        var info = DicomPixelData.GetFrameInfo(f.Dataset, f.Path);
        Assert.Equal(512, info.Rows);
        Assert.Equal("CT", f.Dataset.GetString(DicomTag.Modality));
    }
}

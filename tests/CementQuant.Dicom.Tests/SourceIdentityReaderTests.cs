using CementQuant.Dicom.Outputs;
using CementQuant.Dicom.Series;

namespace CementQuant.Dicom.Tests;

/// <summary>The identity a SEG/SR inherits comes from the analysed series itself: the patient and study the writer
/// put in its files, its Frame of Reference and each slice's SOP Instance UID in volume order.</summary>
public sealed class SourceIdentityReaderTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-identity-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    [Fact]
    public void Read_WrittenSeries_CarriesPatientStudyFrameOfReferenceAndSliceUids()
    {
        var g = new ImageGeometry(new Vec3(-10, -10, 50), new Vec3(1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 2));
        var v = SeriesAssemblyTests.RandomVolume(6, 6, 5, g, 4);
        var o = new CtSeriesWriteOptions { PatientName = "DOE^JANE", PatientId = "P-77", PatientBirthDate = "19510203", StudyDate = "20260315", AccessionNumber = "ACC9", ShuffleSeed = 5 };
        CtSeriesWriter.Write(_tmp, v, o);
        var scan = DicomScanner.Scan(DicomScanner.EnumerateFiles([_tmp]));
        var group = Assert.Single(SeriesGrouper.Group(scan.Instances));
        var ct = CtVolumeLoader.Load(group);

        var id = SourceIdentityReader.Read(group.First.Path, group.First.SeriesInstanceUid, ct);

        Assert.Equal(("DOE^JANE", "P-77", "19510203", "20260315", "ACC9"), (id.PatientName, id.PatientId, id.PatientBirthDate, id.StudyDate, id.AccessionNumber));
        Assert.Equal(o.StudyInstanceUid, id.StudyInstanceUid);
        Assert.Equal(o.SeriesInstanceUid, id.SeriesInstanceUid);
        Assert.Equal(o.FrameOfReferenceUid, id.FrameOfReferenceUid);
        Assert.Equal(HeaderReader.CtImageStorage, id.SliceSopClassUid);
        var byZ = scan.Instances.OrderBy(h => h.Position!.Value.Z).Select(h => h.SopInstanceUid).ToList();
        Assert.Equal(byZ, id.SliceSopInstanceUids);
    }

    [Fact]
    public void Read_VolumeWithoutFrameOfReference_IsRefusedNamingTheFile()
    {
        var g = new ImageGeometry(new Vec3(0, 0, 0), new Vec3(1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 1));
        var ct = new CtVolume(new Volume<short>(2, 2, 2, g), [], null, "HFS") { SliceSopInstanceUids = ["1.2.3", "1.2.4"] };
        var ex = Assert.Throws<DicomReadException>(() => SourceIdentityReader.Read("/nowhere/IM0001.dcm", "1.2", ct));
        Assert.Contains("IM0001.dcm", ex.Message, StringComparison.Ordinal);
    }
}

using CementQuant.Dicom.Series;

namespace CementQuant.Dicom.Outputs;

/// <summary>
/// The <see cref="DicomSourceIdentity"/> of a loaded CT series, for the SEG and SR derived from it: patient and study
/// attributes from the series' own first file (a PACS files the derived objects by them), the series, its Frame of
/// Reference and every slice's SOP Instance UID in volume order from the loader (<see cref="CtVolume"/>), so the
/// derived objects reference exactly the images that were analysed.
/// </summary>
public static class SourceIdentityReader
{
    private static readonly DicomTag PatientSex = new(0x0010, 0x0040), StudyTime = new(0x0008, 0x0030),
        StudyId = new(0x0020, 0x0010), ReferringPhysician = new(0x0008, 0x0090);

    /// <param name="firstFile">A file of the series (any: patient and study attributes are the same in each).</param>
    /// <exception cref="DicomReadException">The file cannot be read, or the series lacks the UIDs a derived object must reference.</exception>
    public static DicomSourceIdentity Read(string firstFile, string seriesInstanceUid, CtVolume ct)
    {
        ArgumentNullException.ThrowIfNull(ct);
        if (ct.FrameOfReferenceUid.Length == 0 || ct.SliceSopInstanceUids.Count == 0 || ct.SliceSopInstanceUids.Any(u => u.Length == 0))
            throw new DicomReadException(firstFile, "no Frame of Reference or SOP Instance UIDs, so no DICOM SEG/SR can reference it");
        var ds = DicomFile.Open(firstFile, headerOnly: true).Dataset;
        string Text(DicomTag t) => ds.GetString(t) ?? "";
        var study = Text(DicomTag.StudyInstanceUID);
        if (study.Length == 0) throw new DicomReadException(firstFile, "no StudyInstanceUID, so no DICOM SEG/SR can join its study");
        return new DicomSourceIdentity(
            Text(DicomTag.PatientName), Text(DicomTag.PatientID), Text(DicomTag.PatientBirthDate), Text(PatientSex),
            study, Text(DicomTag.StudyDate), Text(StudyTime), Text(StudyId), Text(DicomTag.AccessionNumber), Text(ReferringPhysician),
            seriesInstanceUid, ct.FrameOfReferenceUid, ct.SopClassUid, ct.SliceSopInstanceUids);
    }
}

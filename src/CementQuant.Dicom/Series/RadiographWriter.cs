using System.Runtime.InteropServices;

namespace CementQuant.Dicom.Series;

/// <summary>What a projection radiograph needs besides its pixels, as DICOM states it.</summary>
public sealed record RadiographWriteOptions
{
    public string PatientName { get; init; } = "PHANTOM^CEMENTQUANT";
    public string PatientId { get; init; } = "CQ-PHANTOM";
    public string StudyInstanceUid { get; init; } = DicomWriter.NewUid();
    public string SeriesInstanceUid { get; init; } = DicomWriter.NewUid();
    public string SopInstanceUid { get; init; } = DicomWriter.NewUid();
    public string StudyDate { get; init; } = "20260101";
    public int SeriesNumber { get; init; } = 100;
    /// <summary>ImagerPixelSpacing: (row spacing, column spacing) at the detector, mm.</summary>
    public required (double Row, double Column) ImagerPixelSpacing { get; init; }
    public required string PhotometricInterpretation { get; init; }
    /// <summary>PatientOrientation (0020,0020): direction of the rows then of the columns, e.g. "L\F".</summary>
    public required string PatientOrientation { get; init; }
    /// <summary>ViewPosition (0018,5101): AP, PA, LL, RL.</summary>
    public required string ViewPosition { get; init; }
    public int BitsStored { get; init; } = 12;
    public double? MagnificationFactor { get; init; }
}

/// <summary>Writes a digital X-ray (DX, for presentation) image with its projection geometry attributes.</summary>
public static class RadiographWriter
{
    public static void Write(string path, int width, int height, ReadOnlySpan<ushort> pixels, RadiographWriteOptions o)
    {
        if (pixels.Length != width * height) throw new ArgumentException($"{pixels.Length} pixels for a {width}×{height} image", nameof(pixels));
        var bytes = MemoryMarshal.AsBytes(pixels).ToArray();
        var w = new DicomWriter()
            .AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100")
            .AddStrings(DicomTag.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY")
            .AddString(DicomTag.StudyDate, DicomVR.DA, o.StudyDate)
            .AddString(DicomTag.Modality, DicomVR.CS, "DX")
            .AddString(DicomTag.SeriesDescription, DicomVR.LO, $"phantom radiograph {o.ViewPosition}")
            .AddString(DicomTag.PatientName, DicomVR.PN, o.PatientName)
            .AddString(DicomTag.PatientID, DicomVR.LO, o.PatientId)
            .AddString(DicomTag.BodyPartExamined, DicomVR.CS, "LSPINE")
            .AddDecimals(DicomTag.ImagerPixelSpacing, o.ImagerPixelSpacing.Row, o.ImagerPixelSpacing.Column)
            .AddString(DicomTag.ViewPosition, DicomVR.CS, o.ViewPosition)
            .AddString(DicomTag.StudyInstanceUID, DicomVR.UI, o.StudyInstanceUid)
            .AddString(DicomTag.SeriesInstanceUID, DicomVR.UI, o.SeriesInstanceUid)
            .AddInteger(DicomTag.SeriesNumber, o.SeriesNumber)
            .AddInteger(DicomTag.InstanceNumber, 1)
            .AddString(DicomTag.PatientOrientation, DicomVR.CS, o.PatientOrientation)
            .AddUInt16(DicomTag.SamplesPerPixel, 1)
            .AddString(DicomTag.PhotometricInterpretation, DicomVR.CS, o.PhotometricInterpretation)
            .AddUInt16(DicomTag.Rows, (ushort)height)
            .AddUInt16(DicomTag.Columns, (ushort)width)
            .AddUInt16(DicomTag.BitsAllocated, 16)
            .AddUInt16(DicomTag.BitsStored, (ushort)o.BitsStored)
            .AddUInt16(DicomTag.HighBit, (ushort)(o.BitsStored - 1))
            .AddUInt16(DicomTag.PixelRepresentation, 0)
            .AddPixelData(bytes, sixteenBit: true);
        if (o.MagnificationFactor is { } m) w.AddDecimals(DicomTag.EstimatedRadiographicMagnificationFactor, m);
        w.Save(path, HeaderReader.DigitalXRayForPresentation, o.SopInstanceUid);
    }
}

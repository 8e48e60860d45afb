using System.Globalization;
using System.Runtime.InteropServices;

namespace CementQuant.Dicom.Series;

/// <summary>How a CT volume is stored as a DICOM series (the acquisition variants a reader must survive).</summary>
public sealed record CtSeriesWriteOptions
{
    public string PatientName { get; init; } = "PHANTOM^CEMENTQUANT";
    public string PatientId { get; init; } = "CQ-PHANTOM";
    public string PatientBirthDate { get; init; } = "19400101";
    public string AccessionNumber { get; init; } = "";
    public string StudyInstanceUid { get; init; } = DicomWriter.NewUid();
    public string SeriesInstanceUid { get; init; } = DicomWriter.NewUid();
    public string FrameOfReferenceUid { get; init; } = DicomWriter.NewUid();
    public string StudyDate { get; init; } = "20260101";
    public string StudyDescription { get; init; } = "CementQuant phantom";
    public string SeriesDescription { get; init; } = "phantom CT";
    public int SeriesNumber { get; init; } = 1;
    /// <summary>HFS, FFS, HFP, FFP: only a label; the geometry itself says where the patient is.</summary>
    public string PatientPosition { get; init; } = "HFS";
    /// <summary>Signed (PixelRepresentation 1) or unsigned storage.</summary>
    public bool SignedStorage { get; init; } = true;
    /// <summary>Rescale intercept; unsigned storage needs a negative one (−1024 typical) to hold air.</summary>
    public int RescaleIntercept { get; init; }
    public int BitsStored { get; init; } = 16;
    public double? SliceThickness { get; init; }
    /// <summary>Name files in a shuffled order (seeded) instead of by slice index.</summary>
    public int? ShuffleSeed { get; init; }
    public string FilePrefix { get; init; } = "IM";
}

/// <summary>Writes a HU volume as a single-frame CT series, one file per slice, geometry exact.</summary>
public static class CtSeriesWriter
{
    public static IReadOnlyList<string> Write(string folder, Volume<short> hu, CtSeriesWriteOptions o)
    {
        Directory.CreateDirectory(folder);
        var g = hu.Geometry;
        var rowCos = g.ColumnStep.Normalized();
        var colCos = g.RowStep.Normalized();
        var order = Enumerable.Range(0, hu.SizeZ).ToArray();
        if (o.ShuffleSeed is { } seed) new Random(seed).Shuffle(order);
        var inv = CultureInfo.InvariantCulture;
        var lo = o.SignedStorage ? -(1 << (o.BitsStored - 1)) : 0;
        var hi = o.SignedStorage ? (1 << (o.BitsStored - 1)) - 1 : (1 << o.BitsStored) - 1;
        var paths = new string[hu.SizeZ];
        Parallel.For(0, hu.SizeZ, k =>
        {
            var slice = hu.Slice(k);
            var pixels = new byte[slice.Length * 2];
            var dst = MemoryMarshal.Cast<byte, ushort>(pixels.AsSpan());
            for (var p = 0; p < slice.Length; p++)
                dst[p] = unchecked((ushort)Math.Clamp(slice[p] - o.RescaleIntercept, lo, hi));
            var ipp = g.ToPatient(0, 0, k);
            var sop = DicomWriter.UidFrom($"{o.SeriesInstanceUid}/{k}");
            var w = new DicomWriter()
                .AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100")
                .AddStrings(DicomTag.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY", "AXIAL")
                .AddString(DicomTag.StudyDate, DicomVR.DA, o.StudyDate)
                .AddString(DicomTag.AccessionNumber, DicomVR.SH, o.AccessionNumber)
                .AddString(DicomTag.Modality, DicomVR.CS, "CT")
                .AddString(DicomTag.StudyDescription, DicomVR.LO, o.StudyDescription)
                .AddString(DicomTag.SeriesDescription, DicomVR.LO, o.SeriesDescription)
                .AddString(DicomTag.PatientName, DicomVR.PN, o.PatientName)
                .AddString(DicomTag.PatientID, DicomVR.LO, o.PatientId)
                .AddString(DicomTag.PatientBirthDate, DicomVR.DA, o.PatientBirthDate)
                .AddString(DicomTag.BodyPartExamined, DicomVR.CS, "LSPINE")
                .AddDecimals(DicomTag.SliceThickness, o.SliceThickness ?? g.SliceSpacing)
                .AddString(DicomTag.PatientPosition, DicomVR.CS, o.PatientPosition)
                .AddString(DicomTag.StudyInstanceUID, DicomVR.UI, o.StudyInstanceUid)
                .AddString(DicomTag.SeriesInstanceUID, DicomVR.UI, o.SeriesInstanceUid)
                .AddInteger(DicomTag.SeriesNumber, o.SeriesNumber)
                .AddInteger(DicomTag.InstanceNumber, k + 1)
                .AddDecimals(DicomTag.ImagePositionPatient, ipp.X, ipp.Y, ipp.Z)
                .AddDecimals(DicomTag.ImageOrientationPatient, rowCos.X, rowCos.Y, rowCos.Z, colCos.X, colCos.Y, colCos.Z)
                .AddString(DicomTag.FrameOfReferenceUID, DicomVR.UI, o.FrameOfReferenceUid)
                .AddUInt16(DicomTag.SamplesPerPixel, 1)
                .AddString(DicomTag.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2")
                .AddUInt16(DicomTag.Rows, (ushort)hu.SizeY)
                .AddUInt16(DicomTag.Columns, (ushort)hu.SizeX)
                .AddDecimals(DicomTag.PixelSpacing, g.RowSpacing, g.ColumnSpacing)
                .AddUInt16(DicomTag.BitsAllocated, 16)
                .AddUInt16(DicomTag.BitsStored, (ushort)o.BitsStored)
                .AddUInt16(DicomTag.HighBit, (ushort)(o.BitsStored - 1))
                .AddUInt16(DicomTag.PixelRepresentation, (ushort)(o.SignedStorage ? 1 : 0))
                .AddDecimals(DicomTag.WindowCenter, 400)
                .AddDecimals(DicomTag.WindowWidth, 1800)
                .AddDecimals(DicomTag.RescaleIntercept, o.RescaleIntercept)
                .AddDecimals(DicomTag.RescaleSlope, 1)
                .AddString(DicomTag.RescaleType, DicomVR.LO, "HU")
                .AddPixelData(pixels, sixteenBit: true);
            var path = Path.Combine(folder, string.Create(inv, $"{o.FilePrefix}{order[k] + 1:D4}.dcm"));
            w.Save(path, HeaderReader.CtImageStorage, sop);
            paths[k] = path;
        });
        return paths;
    }
}

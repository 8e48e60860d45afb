namespace CementQuant.Dicom.Series;

/// <summary>What a file is, as far as deciding whether and how to analyse it goes.</summary>
public enum InstanceKind
{
    /// <summary>One axial (or any plane) CT image with position and orientation: a slice of a volume.</summary>
    CtSlice,
    /// <summary>Enhanced (multi-frame) CT: a whole volume in one file with per-frame positions.</summary>
    EnhancedCt,
    /// <summary>A projection radiograph (DX, CR, RF, XA single frame) or a digitised film.</summary>
    Radiograph,
    /// <summary>A CT scout / localizer / topogram: a projection, not part of the volume.</summary>
    Localizer,
    /// <summary>No pixel data: structured reports, RT structures, dose sheets, presentation states.</summary>
    NonImage,
    /// <summary>Secondary capture, screenshots, derived reformats without a usable geometry.</summary>
    SecondaryCapture,
    /// <summary>An image of a modality we do not analyse (MR, US, NM, PT, ...).</summary>
    OtherImage,
}

/// <summary>
/// The header fields of one file that scanning, grouping and volume assembly need, typed once at the
/// file boundary. Patient-identifying fields are kept only for the --include-phi outputs.
/// </summary>
public sealed record InstanceHeader
{
    public required string Path { get; init; }
    public required InstanceKind Kind { get; init; }
    public required string KindReason { get; init; }
    public string TransferSyntaxUid { get; init; } = "";
    public string TransferSyntaxName { get; init; } = "";
    public bool CanDecode { get; init; }
    public string StudyInstanceUid { get; init; } = "";
    public string SeriesInstanceUid { get; init; } = "";
    public string SopInstanceUid { get; init; } = "";
    public string SopClassUid { get; init; } = "";
    public string FrameOfReferenceUid { get; init; } = "";
    public string Modality { get; init; } = "";
    public string[] ImageType { get; init; } = [];
    public int? SeriesNumber { get; init; }
    public int? InstanceNumber { get; init; }
    public string SeriesDescription { get; init; } = "";
    public string PatientId { get; init; } = "";
    /// <summary>IssuerOfPatientID (0010,0021): with PatientId, what patient_key is the keyed hash of.</summary>
    public string IssuerOfPatientId { get; init; } = "";
    public string PatientName { get; init; } = "";
    public string StudyDate { get; init; } = "";
    /// <summary>When the image was taken: AcquisitionDateTime, else AcquisitionDate/Time, else ContentDate/Time (null when absent).</summary>
    public DateTime? AcquiredAt { get; init; }
    public string PatientPosition { get; init; } = "";
    public int Rows { get; init; }
    public int Columns { get; init; }
    public int NumberOfFrames { get; init; } = 1;
    public int SamplesPerPixel { get; init; } = 1;
    public int BitsAllocated { get; init; }
    public int BitsStored { get; init; }
    public bool Signed { get; init; }
    public string PhotometricInterpretation { get; init; } = "";
    /// <summary>ImagePositionPatient of the (first) frame; null when absent.</summary>
    public Vec3? Position { get; init; }
    /// <summary>ImageOrientationPatient row cosines (direction of increasing column index).</summary>
    public Vec3? RowCosines { get; init; }
    /// <summary>ImageOrientationPatient column cosines (direction of increasing row index).</summary>
    public Vec3? ColumnCosines { get; init; }
    /// <summary>PixelSpacing: (spacing between rows, spacing between columns) in mm.</summary>
    public (double Row, double Column)? PixelSpacing { get; init; }
    public (double Row, double Column)? ImagerPixelSpacing { get; init; }
    public double? SliceThickness { get; init; }
    public double? SpacingBetweenSlices { get; init; }
    public double? GantryTilt { get; init; }
    public double RescaleSlope { get; init; } = 1;
    public double RescaleIntercept { get; init; }
    public string ViewPosition { get; init; } = "";
    public string[] PatientOrientation { get; init; } = [];
    /// <summary>Per-frame positions of an enhanced multi-frame image (null for single-frame files).</summary>
    public Vec3[]? FramePositions { get; init; }
    /// <summary>Per-frame rescale (slope, intercept) of an enhanced image, when it varies per frame.</summary>
    public (double Slope, double Intercept)[]? FrameRescale { get; init; }
}

using System.Globalization;

namespace CementQuant.Dicom.Series;

/// <summary>
/// The header sanity layer: every dimension, spacing, bit depth, photometric interpretation and rescale of a
/// file that would be analysed (CT slice, enhanced CT, radiograph, CT scout) checked for range and consistency
/// before anything is allocated from it. A hostile or absurd header becomes one line naming the tag, what was
/// expected and what was found; the file is then a problems.csv row, never an allocation of gigabytes or a
/// crash in a later stage (PixelSpacing 0\0 or 1e-300 would divide by zero in the locator's grids, Rows 65535
/// × NumberOfFrames 10000 would ask for terabytes).
/// </summary>
/// <remarks>
/// The bounds are wide enough for every clinical image (and every file in the conformance collection) and
/// narrow enough that the largest image that passes fits the run's memory budget:
/// a CT volume of at most <see cref="MaxCtVoxels"/> voxels (1 GiB of int16 HU, 512 × 512 × 2048),
/// a radiograph of at most <see cref="MaxRadiographPixels"/> pixels, at most <see cref="MaxExtentMm"/>
/// across (the radiograph stage resamples to a fixed working grid in mm, so extent, not pixel count, sizes it).
/// </remarks>
public static class HeaderSanity
{
    /// <summary>Largest CT slice side in pixels (clinical CT is 512 to 2048).</summary>
    public const int MaxCtSide = 4096;

    /// <summary>Largest radiograph side in pixels (a 43 cm detector at 0.1 mm is 4300; stitched long views reach about 9000).</summary>
    public const int MaxRadiographSide = 12288;

    /// <summary>Largest radiograph in pixels: 64 Mi (256 MiB as the radiograph stage's float image).</summary>
    public const long MaxRadiographPixels = 64L << 20;

    /// <summary>Largest CT volume in voxels: 512 Mi (1 GiB of int16 HU; 512 × 512 × 2048).</summary>
    public const long MaxCtVoxels = 512L << 20;

    /// <summary>Finest and coarsest pixel spacing accepted, mm.</summary>
    public const double MinSpacingMm = 0.01, MaxSpacingMm = 10;

    /// <summary>Largest physical extent of one image side, mm (a CT field of view is at most 500 mm; a stitched radiograph about 1 m).</summary>
    public const double MaxExtentMm = 1500;

    /// <summary>Largest length of a CT stack along the slice normal, mm (a whole-body scan is about 2 m).</summary>
    public const double MaxStackMm = 3000;

    /// <summary>|RescaleSlope| bounds and the largest |RescaleIntercept|.</summary>
    public const double MinSlope = 1e-6, MaxSlope = 1e4, MaxIntercept = 1e5;

    /// <summary>Largest |coordinate| of ImagePositionPatient, mm.</summary>
    public const double MaxPositionMm = 1e5;

    /// <summary>True for the kinds analyse loads pixels of: they pass through <see cref="Check"/>.</summary>
    public static bool IsAnalysed(InstanceKind kind, string[] imageType) =>
        kind is InstanceKind.CtSlice or InstanceKind.EnhancedCt or InstanceKind.Radiograph
        || (kind == InstanceKind.Localizer && HeaderReader.IsLocalizerImageType(imageType));

    /// <summary>Null when the header is sane, else the reason (without the file name: the caller's exception adds it).</summary>
    public static string? Check(InstanceHeader h, DicomDataset ds)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(ds);
        var ct = h.Kind is InstanceKind.CtSlice or InstanceKind.EnhancedCt;
        return CheckPixelModule(h, ds, ct) ?? CheckSpacing(h, ds, ct) ?? CheckRescale(h, ds) ?? CheckGeometry(h, ds, ct);
    }

    private static string? CheckPixelModule(InstanceHeader h, DicomDataset ds, bool ct)
    {
        var photometric = h.PhotometricInterpretation.Trim().ToUpperInvariant();
        var expectedSamples = photometric switch
        {
            "MONOCHROME1" or "MONOCHROME2" or "PALETTE COLOR" => 1,
            "RGB" or "YBR_FULL" or "YBR_FULL_422" or "YBR_PARTIAL_422" or "YBR_PARTIAL_420" or "YBR_ICT" or "YBR_RCT" => 3,
            _ => 0,
        };
        if (expectedSamples == 0)
            return $"PhotometricInterpretation (0028,0004): expected MONOCHROME1, MONOCHROME2, PALETTE COLOR, RGB or YBR_*, found '{photometric}'";
        if (h.SamplesPerPixel != expectedSamples)
            return Inv($"SamplesPerPixel (0028,0002): expected {expectedSamples} for {photometric}, found {h.SamplesPerPixel}");
        if (photometric == "PALETTE COLOR")
            return "PhotometricInterpretation (0028,0004): PALETTE COLOR holds colour indices, not a grey image to measure";
        if (!ct && expectedSamples != 1)
            return Inv($"PhotometricInterpretation (0028,0004): expected a monochrome radiograph, found {photometric}");
        var representation = ds.GetUInt16(DicomTag.PixelRepresentation);
        if (representation is > 1)
            return Inv($"PixelRepresentation (0028,0103): expected 0 (unsigned) or 1 (signed), found {representation}");
        var highBit = ds.GetUInt16(DicomTag.HighBit);
        if (highBit is { } hb && hb != h.BitsStored - 1)
            return Inv($"HighBit (0028,0102): expected BitsStored − 1 = {h.BitsStored - 1}, found {hb}");
        if (h.SamplesPerPixel > 1 && ds.GetUInt16(DicomTag.PlanarConfiguration) is > 1 and var planar)
            return Inv($"PlanarConfiguration (0028,0006): expected 0 or 1, found {planar}");

        var maxSide = ct ? MaxCtSide : MaxRadiographSide;
        if (h.Rows > maxSide || h.Columns > maxSide)
            return Inv($"Rows (0028,0010) × Columns (0028,0011): expected at most {maxSide} × {maxSide} for {(ct ? "a CT image" : "a radiograph")}, found {h.Rows} × {h.Columns}");
        if (!ct && (long)h.Rows * h.Columns > MaxRadiographPixels)
            return Inv($"Rows (0028,0010) × Columns (0028,0011): expected at most {MaxRadiographPixels} pixels for a radiograph, found {h.Rows} × {h.Columns}");
        if (h.Kind == InstanceKind.EnhancedCt && (long)h.Rows * h.Columns * h.NumberOfFrames > MaxCtVoxels)
            return Inv($"NumberOfFrames (0028,0008): {h.Columns} × {h.Rows} × {h.NumberOfFrames} voxels exceed the limit of {MaxCtVoxels} for one CT volume");
        return null;
    }

    private static string? CheckSpacing(InstanceHeader h, DicomDataset ds, bool ct)
    {
        if (h.PixelSpacing is { } ps && Bad(ps))
            return Inv($"PixelSpacing (0028,0030): expected two values from {MinSpacingMm} to {MaxSpacingMm} mm, found {Raw(ds, DicomTag.PixelSpacing, ps)}");
        if (!ct && h.ImagerPixelSpacing is { } ips && Bad(ips))
            return Inv($"ImagerPixelSpacing (0018,1164): expected two values from {MinSpacingMm} to {MaxSpacingMm} mm, found {Raw(ds, DicomTag.ImagerPixelSpacing, ips)}");
        // The radiograph loader assumes 1 mm without either spacing; the extent must be plausible with that too.
        var (row, column) = h.PixelSpacing ?? h.ImagerPixelSpacing ?? (1.0, 1.0);
        var (height, width) = (h.Rows * row, h.Columns * column);
        if (height > MaxExtentMm || width > MaxExtentMm)
        {
            var source = h.PixelSpacing is not null ? "PixelSpacing" : h.ImagerPixelSpacing is not null ? "ImagerPixelSpacing" : "the 1 mm assumed without PixelSpacing";
            return Inv($"image extent {width:0.#} × {height:0.#} mm ({h.Columns} × {h.Rows} pixels at {source}): expected at most {MaxExtentMm} mm a side");
        }
        foreach (var (tag, name, value) in new[] { (DicomTag.SliceThickness, "SliceThickness (0018,0050)", h.SliceThickness), (DicomTag.SpacingBetweenSlices, "SpacingBetweenSlices (0018,0088)", h.SpacingBetweenSlices) })
            if (ct && value is { } v && (!double.IsFinite(v) || Math.Abs(v) > 100))
                return Inv($"{name}: expected at most 100 mm, found {ds.GetString(tag)?.Trim() ?? Inv($"{v}")}");
        return null;

        static bool Bad((double A, double B) s) => !InRange(s.A) || !InRange(s.B);
        static bool InRange(double v) => double.IsFinite(v) && v >= MinSpacingMm && v <= MaxSpacingMm;
    }

    private static string? CheckRescale(InstanceHeader h, DicomDataset ds)
    {
        var pairs = h.FrameRescale ?? [(h.RescaleSlope, h.RescaleIntercept)];
        foreach (var (slope, intercept) in pairs)
        {
            if (!double.IsFinite(slope) || Math.Abs(slope) < MinSlope || Math.Abs(slope) > MaxSlope)
                return Inv($"RescaleSlope (0028,1053): expected a non-zero value of magnitude {MinSlope} to {MaxSlope}, found {ds.GetString(DicomTag.RescaleSlope)?.Trim() ?? Inv($"{slope}")}");
            if (!double.IsFinite(intercept) || Math.Abs(intercept) > MaxIntercept)
                return Inv($"RescaleIntercept (0028,1052): expected a value within ±{MaxIntercept}, found {ds.GetString(DicomTag.RescaleIntercept)?.Trim() ?? Inv($"{intercept}")}");
        }
        return null;
    }

    private static string? CheckGeometry(InstanceHeader h, DicomDataset ds, bool ct)
    {
        if (!ct) return null;
        var positions = h.FramePositions ?? (h.Position is { } p ? [p] : []);
        foreach (var q in positions)
            if (!Finite(q) || Math.Abs(q.X) > MaxPositionMm || Math.Abs(q.Y) > MaxPositionMm || Math.Abs(q.Z) > MaxPositionMm)
                return Inv($"ImagePositionPatient (0020,0032): expected three finite values within ±{MaxPositionMm} mm, found {ds.GetString(DicomTag.ImagePositionPatient)?.Trim() ?? q.ToString()}");
        if (h.RowCosines is { } r && h.ColumnCosines is { } c && (!Finite(r) || !Finite(c) || r.Length < 1e-3 || c.Length < 1e-3))
            return Inv($"ImageOrientationPatient (0020,0037): expected two non-zero direction vectors, found {ds.GetString(DicomTag.ImageOrientationPatient)?.Trim() ?? $"{r} {c}"}");
        return null;

        static bool Finite(Vec3 v) => double.IsFinite(v.X) && double.IsFinite(v.Y) && double.IsFinite(v.Z);
    }

    private static string Raw(DicomDataset ds, DicomTag tag, (double A, double B) typed) =>
        ds.GetString(tag)?.Trim() ?? Inv($"{typed.A}\\{typed.B}");

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;

namespace CementQuant.Dicom.Series;

/// <summary>Turns a parsed file's dataset into a typed <see cref="InstanceHeader"/> and says what the file is.</summary>
public static class HeaderReader
{
    public const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
    public const string EnhancedCtImageStorage = "1.2.840.10008.5.1.4.1.1.2.1";
    public const string LegacyConvertedEnhancedCtImageStorage = "1.2.840.10008.5.1.4.1.1.2.2";
    public const string ComputedRadiographyStorage = "1.2.840.10008.5.1.4.1.1.1";
    public const string DigitalXRayForPresentation = "1.2.840.10008.5.1.4.1.1.1.1";
    public const string DigitalXRayForProcessing = "1.2.840.10008.5.1.4.1.1.1.1.1";
    public const string SecondaryCaptureStorage = "1.2.840.10008.5.1.4.1.1.7";

    /// <summary>Reads the header of <paramref name="path"/> without its pixel data.</summary>
    public static InstanceHeader Read(string path) => FromFile(DicomFile.Open(path, headerOnly: true));

    public static InstanceHeader FromFile(DicomFile file)
    {
        try
        {
            return Build(file);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new DicomReadException(file.Path, ex.Message, ex);
        }
    }

    private static InstanceHeader Build(DicomFile file)
    {
        var ds = file.Dataset;
        var sopClass = ds.GetString(DicomTag.SOPClassUID) ?? file.Meta.GetString(DicomTag.MediaStorageSOPClassUID) ?? "";
        var modality = Text(ds, DicomTag.Modality).ToUpperInvariant();
        var imageType = ds.GetStrings(DicomTag.ImageType).Select(s => s.ToUpperInvariant()).ToArray();
        var frames = DicomPixelData.GetNumberOfFrames(ds, file.Path);
        var hasPixels = file.HasPixelData;

        Vec3? position = ToVec(ds.GetNumbers(DicomTag.ImagePositionPatient, 3, "ImagePositionPatient"));
        var iop = ds.GetNumbers(DicomTag.ImageOrientationPatient, 6, "ImageOrientationPatient");
        (double, double)? spacing = ToPair(ds.GetNumbers(DicomTag.PixelSpacing, 2, "PixelSpacing"));
        double slope = ds.GetNumber(DicomTag.RescaleSlope, "RescaleSlope") ?? 1;
        double intercept = ds.GetNumber(DicomTag.RescaleIntercept, "RescaleIntercept") ?? 0;
        var (framePositions, frameRescale) = FunctionalGroups(ds, frames, ref position, ref iop, ref spacing, ref slope, ref intercept);

        var (kind, reason) = Classify(sopClass, modality, imageType, hasPixels, frames, position, iop, spacing, framePositions);
        // A file that would be analysed must have a decodable pixel module: its failure names the file (never
        // "0 samples per pixel, colour" further on); files that are only listed keep a best-effort description.
        var analysed = hasPixels && HeaderSanity.IsAnalysed(kind, imageType);
        var info = analysed ? DicomPixelData.GetFrameInfo(ds, file.Path)
            : hasPixels && kind != InstanceKind.NonImage ? TryFrameInfo(ds, file.Path) : null;

        var header = new InstanceHeader
        {
            Path = file.Path,
            Kind = kind,
            KindReason = reason,
            TransferSyntaxUid = file.TransferSyntax.Uid,
            TransferSyntaxName = file.TransferSyntax.Name,
            CanDecode = file.TransferSyntax.CanDecode,
            StudyInstanceUid = Text(ds, DicomTag.StudyInstanceUID),
            SeriesInstanceUid = Text(ds, DicomTag.SeriesInstanceUID),
            SopInstanceUid = ds.GetString(DicomTag.SOPInstanceUID) ?? file.Meta.GetString(DicomTag.MediaStorageSOPInstanceUID) ?? "",
            SopClassUid = sopClass,
            FrameOfReferenceUid = Text(ds, DicomTag.FrameOfReferenceUID),
            Modality = modality,
            ImageType = imageType,
            SeriesNumber = TryInt(ds, DicomTag.SeriesNumber),
            InstanceNumber = TryInt(ds, DicomTag.InstanceNumber),
            SeriesDescription = Text(ds, DicomTag.SeriesDescription),
            PatientId = Text(ds, DicomTag.PatientID),
            IssuerOfPatientId = Text(ds, new DicomTag(0x0010, 0x0021)), // IssuerOfPatientID
            PatientName = Text(ds, DicomTag.PatientName),
            StudyDate = Text(ds, DicomTag.StudyDate),
            AcquiredAt = AcquiredAt(ds),
            PatientPosition = Text(ds, DicomTag.PatientPosition).ToUpperInvariant(),
            NumberOfFrames = frames,
            SamplesPerPixel = 0, // the pixel module, where there is one, fills this and the other pixel fields below
            Position = position,
            RowCosines = iop is null ? null : new Vec3(iop[0], iop[1], iop[2]),
            ColumnCosines = iop is null ? null : new Vec3(iop[3], iop[4], iop[5]),
            PixelSpacing = spacing,
            ImagerPixelSpacing = ToPair(ds.GetNumbers(DicomTag.ImagerPixelSpacing, 2, "ImagerPixelSpacing")),
            SliceThickness = ds.GetFirstNumber(DicomTag.SliceThickness),
            SpacingBetweenSlices = ds.GetFirstNumber(DicomTag.SpacingBetweenSlices),
            GantryTilt = ds.GetFirstNumber(DicomTag.GantryDetectorTilt),
            RescaleSlope = slope,
            RescaleIntercept = intercept,
            ViewPosition = Text(ds, DicomTag.ViewPosition).ToUpperInvariant(),
            PatientOrientation = ds.GetStrings(DicomTag.PatientOrientation),
            FramePositions = framePositions,
            FrameRescale = frameRescale,
        };
        if (info is not null) header = WithPixelModule(header, info);
        if (analysed && HeaderSanity.Check(header, ds) is { } insane) throw new DicomReadException(file.Path, insane);
        return header;
    }

    /// <summary>Enhanced multi-frame: geometry and rescale live in the functional groups (per frame, else shared). Fills in
    /// what the top level lacks and returns the per-frame positions and rescale (the latter null when all frames agree).</summary>
    private static (Vec3[]? Positions, (double, double)[]? Rescale) FunctionalGroups(DicomDataset ds, int frames, ref Vec3? position,
        ref double[]? iop, ref (double, double)? spacing, ref double slope, ref double intercept)
    {
        var shared = ds.GetItem(DicomTag.SharedFunctionalGroupsSequence);
        var perFrame = ds.GetSequence(DicomTag.PerFrameFunctionalGroupsSequence);
        if (perFrame.Count == 0 && shared is null) return (null, null);
        DicomDataset? Group(int frame, DicomTag seq) =>
            (frame < perFrame.Count ? perFrame[frame].GetItem(seq) : null) ?? shared?.GetItem(seq);
        iop ??= Group(0, DicomTag.PlaneOrientationSequence)?.GetNumbers(DicomTag.ImageOrientationPatient, 6, "ImageOrientationPatient");
        spacing ??= ToPair(Group(0, DicomTag.PixelMeasuresSequence)?.GetNumbers(DicomTag.PixelSpacing, 2, "PixelSpacing"));
        if (perFrame.Count != frames) return (null, null);
        var framePositions = new Vec3[frames];
        var frameRescale = new (double, double)[frames];
        for (var f = 0; f < frames; f++)
        {
            var p = ToVec(Group(f, DicomTag.PlanePositionSequence)?.GetNumbers(DicomTag.ImagePositionPatient, 3, "ImagePositionPatient"));
            if (p is null) return (null, null);
            framePositions[f] = p.Value;
            var pvt = Group(f, DicomTag.PixelValueTransformationSequence);
            frameRescale[f] = (pvt?.GetNumber(DicomTag.RescaleSlope, "RescaleSlope") ?? slope, pvt?.GetNumber(DicomTag.RescaleIntercept, "RescaleIntercept") ?? intercept);
        }
        position ??= framePositions[0];
        (slope, intercept) = frameRescale[0];
        return (framePositions, frameRescale.All(r => r == frameRescale[0]) ? null : frameRescale);
    }

    /// <summary>The image pixel module's description (without it: zero sizes, unsigned, no photometric interpretation).</summary>
    private static InstanceHeader WithPixelModule(InstanceHeader header, Codecs.FrameInfo info) => header with
    {
        Rows = info.Rows,
        Columns = info.Columns,
        SamplesPerPixel = info.SamplesPerPixel,
        BitsAllocated = info.BitsAllocated,
        BitsStored = info.BitsStored,
        Signed = info.Signed,
        PhotometricInterpretation = info.PhotometricInterpretation,
    };

    /// <summary>A string attribute, empty when absent.</summary>
    private static string Text(DicomDataset ds, DicomTag tag) => ds.GetString(tag) ?? "";

    /// <summary>DT, or DA + TM, as a time (fractions of a second kept, time zone ignored); null when absent or malformed.</summary>
    private static DateTime? AcquiredAt(DicomDataset ds)
    {
        var dt = ds.GetString(DicomTag.AcquisitionDateTime)?.Trim();
        if (string.IsNullOrEmpty(dt))
        {
            var (date, time) = (ds.GetString(DicomTag.AcquisitionDate)?.Trim(), ds.GetString(DicomTag.AcquisitionTime)?.Trim());
            if (string.IsNullOrEmpty(time)) (date, time) = (ds.GetString(DicomTag.ContentDate)?.Trim(), ds.GetString(DicomTag.ContentTime)?.Trim());
            if (string.IsNullOrEmpty(time)) return null;
            dt = (string.IsNullOrEmpty(date) ? "19000101" : date) + time.Replace(":", "", StringComparison.Ordinal);
        }
        var zone = dt.Length > 8 ? dt.IndexOfAny(['+', '-'], 8) : -1; // a DT shorter than a date has no zone (found by fuzzing)
        if (zone > 0) dt = dt[..zone];
        var frac = dt.IndexOf('.', StringComparison.Ordinal);
        var whole = (frac >= 0 ? dt[..frac] : dt).PadRight(14, '0');
        if (whole.Length != 14 || !DateTime.TryParseExact(whole, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)) return null;
        if (frac >= 0 && double.TryParse("0" + dt[frac..], NumberStyles.Float, CultureInfo.InvariantCulture, out var f)) t = t.AddSeconds(f);
        return t;
    }

    private static Codecs.FrameInfo? TryFrameInfo(DicomDataset ds, string path)
    {
        try { return DicomPixelData.GetFrameInfo(ds, path); }
        catch (DicomReadException) { return null; }
    }

    private static int? TryInt(DicomDataset ds, DicomTag tag)
    {
        try { return (int?)ds.GetFirstNumber(tag); }
        catch (FormatException) { return null; }
    }

    private static (InstanceKind, string) Classify(string sopClass, string modality, string[] imageType, bool hasPixels,
        int frames, Vec3? position, double[]? iop, (double, double)? spacing, Vec3[]? framePositions)
    {
        var what = modality.Length > 0 ? $"modality {modality}" : $"SOP class {(sopClass.Length > 0 ? sopClass : "unknown")}";
        if (!hasPixels) return (InstanceKind.NonImage, $"no pixel data ({what})");
        if (IsLocalizerImageType(imageType))
            return (InstanceKind.Localizer, "localizer (ImageType says LOCALIZER)");
        var isCt = modality == "CT" || sopClass is CtImageStorage or EnhancedCtImageStorage or LegacyConvertedEnhancedCtImageStorage;
        if (sopClass.StartsWith(SecondaryCaptureStorage, StringComparison.Ordinal) || modality is "OT" or "SC")
            return (InstanceKind.SecondaryCapture, $"secondary capture ({what})");
        if (isCt)
        {
            if (framePositions is not null && iop is not null && spacing is not null)
                return (InstanceKind.EnhancedCt, $"enhanced CT, {frames} frames");
            if (frames > 1) return (InstanceKind.EnhancedCt, $"multi-frame CT without per-frame positions ({frames} frames)");
            if (position is null || iop is null || spacing is null)
                return (InstanceKind.Localizer, "CT image without ImagePositionPatient, ImageOrientationPatient or PixelSpacing: not a volume slice");
            return (InstanceKind.CtSlice, "CT slice");
        }
        if (modality is "DX" or "CR" or "RF" or "RG" || sopClass is ComputedRadiographyStorage or DigitalXRayForPresentation or DigitalXRayForProcessing)
            return frames == 1 ? (InstanceKind.Radiograph, $"radiograph ({what})") : (InstanceKind.OtherImage, $"multi-frame {what} (fluoroscopy run) is not analysed");
        return (InstanceKind.OtherImage, $"{what} is not analysed");
    }

    /// <summary>ImageType names a CT scout: LOCALIZER (PS3.3 C.8.2.1.1.1), or a vendor's SCOUT or TOPOGRAM.</summary>
    public static bool IsLocalizerImageType(string[] imageType) =>
        imageType.Contains("LOCALIZER") || imageType.Contains("SCOUT") || imageType.Contains("TOPOGRAM");

    private static Vec3? ToVec(double[]? v) => v is null ? null : new Vec3(v[0], v[1], v[2]);
    private static (double, double)? ToPair(double[]? v) => v is null ? null : (v[0], v[1]);
}

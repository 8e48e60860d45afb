using System.Globalization;

namespace CementQuant.Dicom.Outputs;

/// <summary>A coded concept (code value, coding scheme designator, code meaning) as DICOM code sequence items carry it.</summary>
public sealed record DicomCode(string Value, string Scheme, string Meaning)
{
    public DicomWriter ToItem() => DicomWriter.Item()
        .AddString(new DicomTag(0x0008, 0x0100), DicomVR.SH, Value)
        .AddString(new DicomTag(0x0008, 0x0102), DicomVR.SH, Scheme)
        .AddString(new DicomTag(0x0008, 0x0104), DicomVR.LO, Meaning);
}

/// <summary>
/// The identity a derived object inherits from its source series so a PACS files it with the study
/// (shared/spec/METRICS.md "DICOM outputs"): patient, study, the CT series and its frame of reference,
/// and the SOP instance of every slice of the analysed volume in volume order.
/// </summary>
public sealed record DicomSourceIdentity(
    string PatientName, string PatientId, string PatientBirthDate, string PatientSex,
    string StudyInstanceUid, string StudyDate, string StudyTime, string StudyId, string AccessionNumber, string ReferringPhysicianName,
    string SeriesInstanceUid, string FrameOfReferenceUid, string SliceSopClassUid, IReadOnlyList<string> SliceSopInstanceUids);

/// <summary>One segment: label, codes, and a function filling one slice's mask (1 inside) for slice z.</summary>
public sealed record SegmentDefinition(string Label, DicomCode Category, DicomCode Type, DicomCode? AnatomicRegion, Action<int, Span<byte>> FillSlice);

/// <summary>
/// Writes a binary DICOM Segmentation (PS3.3 A.51) over a CT volume: one frame per segment and non-empty slice,
/// 1 bit per pixel packed contiguously across frames (PS3.5 §8.1.1), per-frame position, segment identification
/// and derivation from the source slice, shared orientation and pixel measures, dimensions (segment, position).
/// Deterministic: UIDs come from <paramref name="key"/>, so rerunning the same analysis writes the same bytes.
/// </summary>
public static class SegmentationWriter
{
    public const string SopClassUid = "1.2.840.10008.5.1.4.1.1.66.4";
    public const string AlgorithmName = "CementQuant";

    public static string AlgorithmVersion => typeof(SegmentationWriter).Assembly.GetName().Version?.ToString(3) ?? "0";

    /// <summary>The SEG's SOP instance and series UIDs for a key (a site-keyed series key, never a raw UID).</summary>
    public static (string Series, string Instance) Uids(string key) =>
        (DicomWriter.UidFrom($"cementquant/seg/{key}/series"), DicomWriter.UidFrom($"cementquant/seg/{key}/instance"));

    /// <returns>The number of frames written.</returns>
    public static int Write(string path, string key, DicomSourceIdentity source, int columns, int rows, ImageGeometry geometry,
        IReadOnlyList<SegmentDefinition> segments, DateTime contentTime)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(segments);
        var slices = source.SliceSopInstanceUids.Count;
        var (seriesUid, instanceUid) = Uids(key);
        var w = new DicomWriter();
        WriteIdentity(w, source, contentTime);
        w.AddString(DicomTag.Modality, DicomVR.CS, "SEG")
            .AddUid(DicomTag.SeriesInstanceUID, seriesUid)
            .AddString(DicomTag.SeriesNumber, DicomVR.IS, "9901")
            .AddString(DicomTag.SeriesDescription, DicomVR.LO, "CementQuant segmentation")
            .AddString(DicomTag.InstanceNumber, DicomVR.IS, "1")
            .AddUid(DicomTag.FrameOfReferenceUID, source.FrameOfReferenceUid)
            .AddString(new DicomTag(0x0020, 0x1040), DicomVR.LO, "") // PositionReferenceIndicator, type 2
            .AddStrings(DicomTag.ImageType, DicomVR.CS, "DERIVED", "PRIMARY")
            .AddString(new DicomTag(0x0070, 0x0080), DicomVR.CS, "CEMENTQUANT")          // ContentLabel
            .AddString(new DicomTag(0x0070, 0x0081), DicomVR.LO, "Vertebral bodies and bone cement") // ContentDescription
            .AddString(new DicomTag(0x0070, 0x0084), DicomVR.PN, "")                     // ContentCreatorName, type 2
            .AddString(new DicomTag(0x0062, 0x0001), DicomVR.CS, "BINARY")               // SegmentationType
            .AddString(new DicomTag(0x0028, 0x2110), DicomVR.CS, "00")                   // LossyImageCompression
            .AddUInt16(DicomTag.SamplesPerPixel, 1)
            .AddString(DicomTag.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2")
            .AddUInt16(DicomTag.Rows, (ushort)rows)
            .AddUInt16(DicomTag.Columns, (ushort)columns)
            .AddUInt16(DicomTag.BitsAllocated, 1)
            .AddUInt16(DicomTag.BitsStored, 1)
            .AddUInt16(DicomTag.HighBit, 0)
            .AddUInt16(DicomTag.PixelRepresentation, 0);

        var segmentItems = new List<DicomWriter>();
        for (var s = 0; s < segments.Count; s++)
        {
            var d = segments[s];
            var item = DicomWriter.Item()
                .AddUInt16(new DicomTag(0x0062, 0x0004), (ushort)(s + 1))        // SegmentNumber
                .AddString(new DicomTag(0x0062, 0x0005), DicomVR.LO, d.Label)      // SegmentLabel
                .AddString(new DicomTag(0x0062, 0x0008), DicomVR.CS, "AUTOMATIC")  // SegmentAlgorithmType
                .AddString(new DicomTag(0x0062, 0x0009), DicomVR.LO, AlgorithmName)
                .AddSequence(new DicomTag(0x0062, 0x0003), d.Category.ToItem())   // SegmentedPropertyCategoryCodeSequence
                .AddSequence(new DicomTag(0x0062, 0x000F), d.Type.ToItem());      // SegmentedPropertyTypeCodeSequence
            if (d.AnatomicRegion is not null) item.AddSequence(new DicomTag(0x0008, 0x2218), d.AnatomicRegion.ToItem());
            segmentItems.Add(item);
        }
        w.AddSequence(new DicomTag(0x0062, 0x0002), [.. segmentItems]);

        // Shared groups: orientation and pixel measures of the CT grid.
        var rowDir = geometry.ColumnStep * (1 / geometry.ColumnSpacing);
        var colDir = geometry.RowStep * (1 / geometry.RowSpacing);
        var spacing = geometry.SliceSpacing;
        w.AddSequence(DicomTag.SharedFunctionalGroupsSequence, DicomWriter.Item()
            .AddSequence(DicomTag.PlaneOrientationSequence, DicomWriter.Item()
                .AddDecimals(DicomTag.ImageOrientationPatient, rowDir.X, rowDir.Y, rowDir.Z, colDir.X, colDir.Y, colDir.Z))
            .AddSequence(DicomTag.PixelMeasuresSequence, DicomWriter.Item()
                .AddDecimals(DicomTag.PixelSpacing, geometry.RowSpacing, geometry.ColumnSpacing)
                .AddDecimals(DicomTag.SliceThickness, spacing)
                .AddDecimals(DicomTag.SpacingBetweenSlices, spacing)));

        // Frames: segment-major, slice order within a segment; empty slices are not stored.
        var frameBits = (long)rows * columns;
        var frames = new List<DicomWriter>();
        var packed = new List<byte[]>();
        var slice = new byte[checked(rows * columns)];
        for (var s = 0; s < segments.Count; s++)
        {
            for (var z = 0; z < slices; z++)
            {
                Array.Clear(slice);
                segments[s].FillSlice(z, slice);
                if (!slice.AsSpan().ContainsAnyExcept((byte)0)) continue;
                packed.Add((byte[])slice.Clone());
                var p = geometry.ToPatient(0, 0, z);
                frames.Add(DicomWriter.Item()
                    .AddSequence(DicomTag.FrameContentSequence, DicomWriter.Item()
                        .AddUInt32(DicomTag.DimensionIndexValues, (uint)(s + 1), (uint)(z + 1)))
                    .AddSequence(DicomTag.PlanePositionSequence, DicomWriter.Item()
                        .AddDecimals(DicomTag.ImagePositionPatient, p.X, p.Y, p.Z))
                    .AddSequence(new DicomTag(0x0062, 0x000A), DicomWriter.Item()     // SegmentIdentificationSequence
                        .AddUInt16(new DicomTag(0x0062, 0x000B), (ushort)(s + 1)))    // ReferencedSegmentNumber
                    .AddSequence(new DicomTag(0x0008, 0x9124), DicomWriter.Item()     // DerivationImageSequence
                        .AddSequence(new DicomTag(0x0008, 0x9215), Segmentation.ToItem()) // DerivationCodeSequence
                        .AddSequence(new DicomTag(0x0008, 0x2112), Reference(source.SliceSopClassUid, source.SliceSopInstanceUids[z])
                            .AddSequence(new DicomTag(0x0040, 0xA170), SourceImage.ToItem()))));
            }
        }
        if (frames.Count == 0) throw new InvalidOperationException("a segmentation needs at least one non-empty frame");
        w.AddString(DicomTag.NumberOfFrames, DicomVR.IS, frames.Count.ToString(CultureInfo.InvariantCulture));
        w.AddSequence(DicomTag.PerFrameFunctionalGroupsSequence, [.. frames]);

        var dimensionOrganization = DicomWriter.UidFrom($"cementquant/seg/{key}/dimensions");
        w.AddSequence(new DicomTag(0x0020, 0x9221), DicomWriter.Item().AddUid(new DicomTag(0x0020, 0x9164), dimensionOrganization));
        w.AddSequence(new DicomTag(0x0020, 0x9222),
            Dimension(dimensionOrganization, new DicomTag(0x0062, 0x000B), new DicomTag(0x0062, 0x000A), "Segment number"),
            Dimension(dimensionOrganization, DicomTag.ImagePositionPatient, DicomTag.PlanePositionSequence, "Image position"));

        // Common instance reference: every slice of the source series the frames derive from.
        w.AddSequence(new DicomTag(0x0008, 0x1115), DicomWriter.Item()
            .AddUid(DicomTag.SeriesInstanceUID, source.SeriesInstanceUid)
            .AddSequence(new DicomTag(0x0008, 0x114A), [.. source.SliceSopInstanceUids.Select(u => Reference(source.SliceSopClassUid, u))]));

        // 1 bit per pixel, least significant bit first, frames contiguous at the bit level.
        var bytes = new byte[(frameBits * frames.Count + 7) / 8];
        for (var f = 0; f < packed.Count; f++)
        {
            var bit = f * frameBits;
            foreach (var v in packed[f])
            {
                if (v != 0) bytes[bit >> 3] |= (byte)(1 << (int)(bit & 7));
                bit++;
            }
        }
        w.AddPixelData(bytes, sixteenBit: false);
        w.Save(path, SopClassUid, instanceUid);
        return frames.Count;
    }

    private static readonly DicomCode Segmentation = new("113076", "DCM", "Segmentation");
    private static readonly DicomCode SourceImage = new("121322", "DCM", "Source image for image processing operation");

    private static DicomWriter Reference(string sopClass, string sopInstance) => DicomWriter.Item()
        .AddUid(new DicomTag(0x0008, 0x1150), sopClass)
        .AddUid(new DicomTag(0x0008, 0x1155), sopInstance);

    private static DicomWriter Dimension(string organization, DicomTag index, DicomTag functionalGroup, string description) => DicomWriter.Item()
        .AddUid(new DicomTag(0x0020, 0x9164), organization)
        .AddTags(new DicomTag(0x0020, 0x9165), index)
        .AddTags(new DicomTag(0x0020, 0x9167), functionalGroup)
        .AddString(new DicomTag(0x0020, 0x9421), DicomVR.LO, description);

    /// <summary>Patient, study, equipment and content date: the modules every derived output shares.</summary>
    internal static void WriteIdentity(DicomWriter w, DicomSourceIdentity s, DateTime contentTime)
    {
        var date = contentTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var time = contentTime.ToString("HHmmss", CultureInfo.InvariantCulture);
        w.AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100")
            .AddString(DicomTag.PatientName, DicomVR.PN, s.PatientName)
            .AddString(DicomTag.PatientID, DicomVR.LO, s.PatientId)
            .AddString(DicomTag.PatientBirthDate, DicomVR.DA, s.PatientBirthDate)
            .AddString(new DicomTag(0x0010, 0x0040), DicomVR.CS, s.PatientSex)
            .AddUid(DicomTag.StudyInstanceUID, s.StudyInstanceUid)
            .AddString(DicomTag.StudyDate, DicomVR.DA, s.StudyDate)
            .AddString(new DicomTag(0x0008, 0x0030), DicomVR.TM, s.StudyTime)
            .AddString(new DicomTag(0x0020, 0x0010), DicomVR.SH, s.StudyId)
            .AddString(DicomTag.AccessionNumber, DicomVR.SH, s.AccessionNumber)
            .AddString(new DicomTag(0x0008, 0x0090), DicomVR.PN, s.ReferringPhysicianName)
            .AddString(new DicomTag(0x0008, 0x0070), DicomVR.LO, "CementQuant")       // Manufacturer
            .AddString(new DicomTag(0x0008, 0x1090), DicomVR.LO, "CementQuant")       // ManufacturerModelName
            .AddString(new DicomTag(0x0018, 0x1000), DicomVR.LO, "1")                 // DeviceSerialNumber
            .AddString(new DicomTag(0x0018, 0x1020), DicomVR.LO, AlgorithmVersion)    // SoftwareVersions
            .AddString(DicomTag.ContentDate, DicomVR.DA, date)
            .AddString(DicomTag.ContentTime, DicomVR.TM, time);
    }
}

namespace CementQuant.Dicom;

/// <summary>
/// The few VRs an implicit-VR reader must know: sequences (to descend into them) and binary numbers
/// (to read them as numbers). Every other implicit element is kept as bytes and read as text on demand.
/// </summary>
internal static class DicomDictionary
{
    private static readonly Dictionary<uint, DicomVR> Vrs = new()
    {
        [DicomTag.SamplesPerPixel.Value] = DicomVR.US,
        [DicomTag.PlanarConfiguration.Value] = DicomVR.US,
        [DicomTag.Rows.Value] = DicomVR.US,
        [DicomTag.Columns.Value] = DicomVR.US,
        [DicomTag.BitsAllocated.Value] = DicomVR.US,
        [DicomTag.BitsStored.Value] = DicomVR.US,
        [DicomTag.HighBit.Value] = DicomVR.US,
        [DicomTag.PixelRepresentation.Value] = DicomVR.US,
        [DicomTag.PixelPaddingValue.Value] = DicomVR.US,
        [DicomTag.PixelPaddingRangeLimit.Value] = DicomVR.US,
        [DicomTag.LUTDescriptor.Value] = DicomVR.US,
        [DicomTag.LUTData.Value] = DicomVR.OW,
        [DicomTag.PixelData.Value] = DicomVR.OW,
        [DicomTag.FileMetaInformationGroupLength.Value] = DicomVR.UL,
        [DicomTag.ModalityLUTSequence.Value] = DicomVR.SQ,
        [DicomTag.VOILUTSequence.Value] = DicomVR.SQ,
        [DicomTag.SharedFunctionalGroupsSequence.Value] = DicomVR.SQ,
        [DicomTag.PerFrameFunctionalGroupsSequence.Value] = DicomVR.SQ,
        [DicomTag.PlanePositionSequence.Value] = DicomVR.SQ,
        [DicomTag.PlaneOrientationSequence.Value] = DicomVR.SQ,
        [DicomTag.PixelMeasuresSequence.Value] = DicomVR.SQ,
        [DicomTag.PixelValueTransformationSequence.Value] = DicomVR.SQ,
        [DicomTag.FrameContentSequence.Value] = DicomVR.SQ,
        [0x00081140] = DicomVR.SQ, // ReferencedImageSequence
        [0x00082112] = DicomVR.SQ, // SourceImageSequence
        [0x00081115] = DicomVR.SQ, // ReferencedSeriesSequence
        [0x00081110] = DicomVR.SQ, // ReferencedStudySequence
        [0x00081111] = DicomVR.SQ, // ReferencedPerformedProcedureStepSequence
        [0x00400275] = DicomVR.SQ, // RequestAttributesSequence
        [0x00880200] = DicomVR.SQ, // IconImageSequence
        [0x00082218] = DicomVR.SQ, // AnatomicRegionSequence
        [0x00540220] = DicomVR.SQ, // ViewCodeSequence
        [0x00400260] = DicomVR.SQ, // PerformedProtocolCodeSequence
        [0x00089215] = DicomVR.SQ, // DerivationCodeSequence
        [0x00189321] = DicomVR.SQ, // CTExposureSequence
        [0x00209071] = DicomVR.SQ, // FrameAnatomySequence
        [0x00209222] = DicomVR.SQ, // DimensionIndexSequence
        [0x00400555] = DicomVR.SQ, // AcquisitionContextSequence
        [0x0040A730] = DicomVR.SQ, // ContentSequence
        [0x0040A043] = DicomVR.SQ, // ConceptNameCodeSequence
        [0x30060020] = DicomVR.SQ, // StructureSetROISequence
        [0x30060039] = DicomVR.SQ, // ROIContourSequence
        [0x00041220] = DicomVR.SQ, // DirectoryRecordSequence
        [0x00189346] = DicomVR.SQ, // CTDIPhantomTypeCodeSequence
        [0x00280030] = DicomVR.DS,
        [0x00181164] = DicomVR.DS,
    };

    public static DicomVR ImplicitVR(DicomTag tag)
    {
        if (Vrs.TryGetValue(tag.Value, out var vr)) return vr;
        if (tag.Element == 0x0000) return DicomVR.UL; // group length
        return DicomVR.None;
    }
}

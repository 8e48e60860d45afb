namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// The vertebral bodies found in one CT volume, superior to inferior (index 1 first), and the volume-level
/// QC notes (e.g. <c>NO_SPINE_FOUND</c>, <c>LABELS_BY_INDEX</c>). An empty list with a note is a normal
/// outcome, not an error.
/// </summary>
public sealed record VertebraLocatorResult(IReadOnlyList<VertebraRoi> Vertebrae, IReadOnlyList<string> Qc)
{
    /// <summary>Bodies to measure: everything except the sacrum.</summary>
    public IEnumerable<VertebraRoi> Measurable => Vertebrae.Where(v => !v.IsSacrum);
}

/// <summary>QC note strings used by the vertebra stage.</summary>
public static class VertebraQc
{
    /// <summary>The body is cut by the edge of the scanned volume; its volume and one endplate are incomplete.</summary>
    public const string PartialFov = "PARTIAL_FOV";
    /// <summary>The body's segmentation or frame is doubtful (odd volume, weak symmetry).</summary>
    public const string LowRoiConfidence = "LOW_ROI_CONFIDENCE";
    /// <summary>No vertebral column was found in the volume.</summary>
    public const string NoSpineFound = "NO_SPINE_FOUND";
    /// <summary>Neither the sacrum nor the last rib-bearing vertebra is in view: labels are V1, V2, ...</summary>
    public const string LabelsByIndex = "LABELS_BY_INDEX";
    /// <summary>A label in a supplied segmentation map is not a known vertebra class.</summary>
    public const string UnknownSegmentationLabel = "UNKNOWN_SEGMENTATION_LABEL";
}

namespace CementQuant.Analysis.Vertebrae;

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

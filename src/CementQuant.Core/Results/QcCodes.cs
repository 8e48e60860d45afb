namespace CementQuant;

/// <summary>QC notes of the per-vertebra and radiograph rows (the <c>qc</c> column), exactly as written.</summary>
public static class QcCodes
{
    /// <summary>Scattered dark voxels that form no cavity: beam-hardening streaks from the cement.</summary>
    public const string StreakArtifact = "STREAK_ARTIFACT";
    /// <summary>Some cement voxels sit at the scanner's upper HU limit.</summary>
    public const string Saturated = "SATURATED";
    /// <summary>The body was found with low confidence.</summary>
    public const string LowRoiConfidence = "LOW_ROI_CONFIDENCE";
    /// <summary>The cement volume moves a lot when the automatic threshold moves by ±150 HU.</summary>
    public const string ThresholdUnstable = "THRESHOLD_UNSTABLE";
    /// <summary>Dense voxels in the body that are not surely cement (real bone, contrast, streaks): no cement measured, no cement flag.</summary>
    public const string CementNotAssessable = "CEMENT_NOT_ASSESSABLE";
    /// <summary>The body is cut by the field of view or its endplates or walls cannot be found: no fracture geometry, no FRACTURE flag.</summary>
    public const string GeometryNotAssessable = "GEOMETRY_NOT_ASSESSABLE";
    /// <summary>A radiograph body found with low confidence: its flags are not raised (its numbers are kept, with LOW_ROI_CONFIDENCE).</summary>
    public const string FlagsWithheld = "FLAGS_WITHHELD";
    /// <summary>Measured on a projection, not in 3D.</summary>
    public const string ProjectionOnly = "PROJECTION_ONLY";
}

namespace CementQuant.Analysis.Cement;

/// <summary>Whether a body holds cement: measured, absent, or present-looking but not trustworthy.</summary>
public enum CementVerdict
{
    /// <summary>Nothing above the threshold in the body.</summary>
    None,
    /// <summary>A compact region far above the body's own bone, deep inside the body, with a sharp edge.</summary>
    Present,
    /// <summary>Dense voxels that do not look like cement (bone, contrast, streaks): reported as 0 with a QC note.</summary>
    NotAssessable,
}

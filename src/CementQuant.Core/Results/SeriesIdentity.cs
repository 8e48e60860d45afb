namespace CementQuant;

/// <summary>Who a row belongs to: pseudonymous keys always, identifying fields only with --include-phi.</summary>
public sealed record SeriesIdentity(string StudyKey, string SeriesKey, string? PatientId = null, string? StudyUid = null, string? SeriesUid = null, string? StudyDate = null)
{
    /// <summary>Keyed hash of PatientID with IssuerOfPatientID (METRICS.md "Follow-up"); empty when the input names no
    /// patient (a NIfTI volume, an export with PatientID removed): such a study is linked to no other.</summary>
    public string PatientKey { get; init; } = "";
}

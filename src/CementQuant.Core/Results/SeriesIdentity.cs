namespace CementQuant;

/// <summary>Who a row belongs to: pseudonymous keys always, identifying fields only with --include-phi.</summary>
public sealed record SeriesIdentity(string StudyKey, string SeriesKey, string? PatientId = null, string? StudyUid = null, string? SeriesUid = null, string? StudyDate = null);

namespace CementQuant;

/// <summary>
/// One radiograph as analysed: its pseudonymous key (keyed hash of the SOPInstanceUID), its view, one row per
/// vertebral body measured on it, what loading and analysis noticed, and the key of the opposite view it was
/// analysed with (null when unpaired).
/// </summary>
public sealed record AnalysedRadiograph(string ImageKey, string View, IReadOnlyList<RadiographMetrics> Rows, IReadOnlyList<string> Notes, string? PairedWith = null);

namespace CementQuant.Reporting.Report;

/// <summary>
/// One vertebra as the QA report needs it: its metrics and the voxels (indices into the series' volume,
/// x fastest, as <see cref="Volume{T}.IndexOf"/>) that were called in-body cement and leaked cement.
/// Plain data, so Reporting needs no reference to the analysis stages.
/// </summary>
public sealed record ReportVertebra(VertebraMetrics Metrics, long[] InBodyVoxels, long[] LeakVoxels);

/// <summary>
/// One radiograph as the QA report needs it: its analysed rows, the loaded image (for display) and where each row's
/// body and cement were seen (<c>Overlays[i]</c> belongs to <c>Result.Rows[i]</c>).
/// </summary>
public sealed record ReportRadiograph(AnalysedRadiograph Result, RadiographImage Image, IReadOnlyList<RadiographOverlay> Overlays);

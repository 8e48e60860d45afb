namespace CementQuant.Reporting.Report;

/// <summary>
/// One vertebra as the QA report needs it: its metrics and the voxels (indices into the series' volume,
/// x fastest, as <see cref="Volume{T}.IndexOf"/>) that were called in-body cement and leaked cement.
/// Plain data, so Reporting needs no reference to the analysis stages.
/// </summary>
public sealed record ReportVertebra(VertebraMetrics Metrics, long[] InBodyVoxels, long[] LeakVoxels);

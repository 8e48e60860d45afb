namespace CementQuant.Analysis.Cement;

/// <summary>Cement of one vertebra: its metrics and the voxels (volume indices) that were called cement.</summary>
public sealed record VertebraCement(VertebraMetrics Metrics, long[] InBodyVoxels, long[] LeakVoxels);

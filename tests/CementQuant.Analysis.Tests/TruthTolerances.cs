using CementQuant.Phantom;

namespace CementQuant.Analysis.Tests;

/// <summary>
/// How close a measurement of a phantom must come to its truth, from what the method can achieve on the grid, never
/// from the last measurement. Distances (endplate gaps, contralateral reach) are read off voxel boundaries: half a voxel
/// at each of the two surfaces involved, so one voxel step along the axis measured. Volumes (cleft, leakage) are voxel
/// counts: the error is the partial-volume shell, half a voxel thick over the object's surface; the surface is at least
/// that of a sphere of the true volume, so that sphere's area times half the voxel's largest step is the tolerance.
/// </summary>
public static class TruthTolerances
{
    public static IEnumerable<(string What, double? Measured, double Expected, double Tolerance)> Distances(VertebraMetrics m, VertebraTruth t, ImageGeometry g)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(g);
        if (t.CementVolumeMl <= 0) yield break;
        var step = Math.Max(g.SliceSpacing, Math.Max(g.RowSpacing, g.ColumnSpacing));
        if (t.SuperiorGapMm is { } sup) yield return ("superior_gap_mm", m.SuperiorGapMm, sup, step);
        if (t.InferiorGapMm is { } inf) yield return ("inferior_gap_mm", m.InferiorGapMm, inf, step);
        if (t.ContralateralReachMm is { } reach) yield return ("contralateral_reach_mm", m.ContralateralReachMm, reach, step);
    }

    public static IEnumerable<(string What, double Measured, double Expected, double Tolerance)> Volumes(VertebraMetrics m, VertebraTruth t, ImageGeometry g)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(g);
        yield return ("cleft_volume_ml", m.CleftVolumeMl, t.CleftVolumeMl, Shell(t.CleftVolumeMl, g));
        yield return ("leakage_volume_ml", m.LeakageVolumeMl, t.LeakageVolumeMl, Shell(t.LeakageVolumeMl, g));
    }

    /// <summary>Half a voxel over the surface of a sphere of <paramref name="ml"/>, in mL; at least one voxel.</summary>
    public static double Shell(double ml, ImageGeometry g)
    {
        ArgumentNullException.ThrowIfNull(g);
        var v = ml * 1000;
        var area = Math.Cbrt(36 * Math.PI * v * v);
        var step = Math.Max(g.SliceSpacing, Math.Max(g.RowSpacing, g.ColumnSpacing));
        return Math.Max(g.VoxelVolumeMm3, area * step / 2) / 1000;
    }
}

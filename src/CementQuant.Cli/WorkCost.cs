using CementQuant.Dicom.Series;

namespace CementQuant.Cli;

/// <summary>
/// The expected analysis time of a work item, in units of about 100,000 CT voxels, for the progress bar's ETA: a
/// radiograph weighs by its pixels, a CT by its voxels, not one file each. Measured on this project's 2-core
/// reference machine: a 600-slice 512² CT (157 M voxels) takes about 3.2 s, a 2140 × 1760 CR (3.8 M pixels)
/// about 2.8 s, so a radiograph pixel costs about <see cref="RadiographPixelFactor"/> CT voxels.
/// </summary>
internal static class WorkCost
{
    /// <summary>CT voxels per unit.</summary>
    public const long VoxelsPerUnit = 100_000;

    /// <summary>Cost of a radiograph pixel relative to a CT voxel.</summary>
    public const long RadiographPixelFactor = 36;

    public static long Ct(long voxels) => Math.Max(1, voxels / VoxelsPerUnit);

    public static long Radiographs(IEnumerable<SeriesGroup> study) =>
        Math.Max(1, study.SelectMany(g => g.Instances).Sum(h => (long)h.Rows * h.Columns) * RadiographPixelFactor / VoxelsPerUnit);
}

using CementQuant.Analysis.Flags;
using CementQuant.Analysis.Metrics;

namespace CementQuant.Analysis.Cement;

/// <summary>
/// The cement stages of one volume, per vertebral body and in parallel: segmentation (<see cref="CementSegmenter"/>),
/// measurement (<see cref="CementMeasurer"/>) and the flags (<see cref="VertebraFlags"/>).
/// </summary>
public sealed class CementAnalyzer(CementOptions options, FlagOptions? flags = null)
{
    private readonly CementOptions _o = options ?? throw new ArgumentNullException(nameof(options));
    private readonly FlagOptions _flags = flags ?? FlagOptions.Default;

    public IReadOnlyList<VertebraCement> Analyze(Volume<short> hu, IReadOnlyList<VertebraRoi> rois)
    {
        var results = new VertebraCement[rois.Count];
        // Vertebrae are independent: one per worker, each on its own cropped region.
        Parallel.For(0, rois.Count, i => results[i] = AnalyzeOne(hu, rois, i));
        return [.. results.Where(r => r is not null)];
    }

    private VertebraCement AnalyzeOne(Volume<short> hu, IReadOnlyList<VertebraRoi> rois, int index)
    {
        var segmented = new CementSegmenter(_o).Segment(hu, rois, index);
        var metrics = VertebraFlags.Raise(new CementMeasurer(_o).Measure(segmented, hu.Geometry), _flags);
        var region = segmented.Region;
        return new VertebraCement(metrics, segmented.HasCement ? ToVolumeIndices(segmented.InBody, region, hu) : [], ToVolumeIndices(segmented.Leaks, region, hu));
    }

    private static long[] ToVolumeIndices(List<int> indices, VoxelRegion r, Volume<short> hu)
    {
        var result = new long[indices.Count];
        for (var k = 0; k < indices.Count; k++)
        {
            var (x, y, z) = r.Voxel(indices[k]);
            result[k] = hu.IndexOf(x, y, z);
        }
        return result;
    }

}

using CementQuant.Analysis.Cement;
using CementQuant.Analysis.Flags;
using CementQuant.Analysis.Fracture;
using CementQuant.Analysis.Vertebrae;

namespace CementQuant.Analysis.Pipeline;

/// <summary>
/// Everything the CT pipeline (<see cref="CtPipeline"/>) uses, in one record: how vertebral bodies are found
/// (<see cref="Locator"/>) or imported from a supplied label map (<see cref="Import"/>), the cement stage
/// (<see cref="Cement"/>), fracture geometry (<see cref="Fracture"/>) and the flag rules (<see cref="Flags"/>). Each part validates itself when built, so an
/// instance is always complete and valid; <see cref="Describe"/> lists every value for the run's provenance.
/// </summary>
public sealed record CtPipelineOptions
{
    public static CtPipelineOptions Default { get; } = new();

    public CtPipelineOptions(VertebraLocatorOptions? locator = null, SegmentationImportOptions? import = null, CementOptions? cement = null, FlagOptions? flags = null, FractureOptions? fracture = null)
    {
        Locator = locator ?? VertebraLocatorOptions.Default;
        Import = import ?? SegmentationImportOptions.Default;
        Cement = cement ?? new CementOptions();
        Flags = flags ?? FlagOptions.Default;
        Fracture = fracture ?? FractureOptions.Default;
    }

    public VertebraLocatorOptions Locator { get; }
    public SegmentationImportOptions Import { get; }
    public CementOptions Cement { get; }
    public FlagOptions Flags { get; }
    /// <summary>The fracture geometry stage (heights, angles, Genant grade of every body).</summary>
    public FractureOptions Fracture { get; }

    /// <summary>Every value, prefixed by its part (<c>locator.</c>, <c>segmentation_import.</c>, <c>cement.</c>, <c>flags.</c>, <c>fracture.</c>).</summary>
    public OptionsDescription Describe() => new OptionsDescription()
        .Add("locator", Locator.Describe())
        .Add("segmentation_import", Import.Describe())
        .Add("cement", Cement.Describe())
        .Add("flags", Flags.Describe())
        .Add("fracture", Fracture.Describe());
}

using CementQuant.Analysis.Radiograph;

namespace CementQuant.Analysis.Pipeline;

/// <summary>Settings of <see cref="RadiographPipeline"/>: the radiograph stage's, validated when built; <see cref="Describe"/> lists every value.</summary>
public sealed record RadiographPipelineOptions
{
    public static RadiographPipelineOptions Default { get; } = new();

    public RadiographPipelineOptions(RadiographAnalysisOptions? analysis = null) => Analysis = analysis ?? new RadiographAnalysisOptions();

    public RadiographAnalysisOptions Analysis { get; }

    public OptionsDescription Describe() => new OptionsDescription().Add("analysis", Analysis.Describe());
}

namespace CementQuant.Analysis.Radiograph;

/// <summary>The frontal and lateral analyses of one study.</summary>
public sealed record RadiographPairResult(RadiographResult? Frontal, RadiographResult? Lateral);

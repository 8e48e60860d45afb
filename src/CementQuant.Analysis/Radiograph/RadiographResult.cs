namespace CementQuant.Analysis.Radiograph;

/// <summary>The analysis of one radiograph: one row per cemented vertebral body found, and what was noticed.</summary>
public sealed record RadiographResult(RadiographView View, IReadOnlyList<RadiographMetrics> Vertebrae, IReadOnlyList<string> Notes, double Seconds)
{
    /// <summary>Where each row's body and cement were seen, for drawing: <c>Overlays[i]</c> belongs to <c>Vertebrae[i]</c>.</summary>
    public IReadOnlyList<RadiographOverlay> Overlays { get; init; } = [];

    public bool CementFound => Vertebrae.Any(v => v.CementAreaMm2 > 0);
}

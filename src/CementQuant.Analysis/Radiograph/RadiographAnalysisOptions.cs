namespace CementQuant.Analysis.Radiograph;

/// <summary>Settings of the radiograph stage, validated on construction. Contrast thresholds are multiples of the
/// image's own bone contrast (the 90th percentile of wide bright structures), so they do not depend on a vendor's gain.</summary>
public sealed record RadiographAnalysisOptions
{
    private readonly double _contact = 1.0, _seed = 5.5, _edge = 2.2, _minArea = 15, _crossing = 2.0;

    /// <summary>A gap of at most this many mm counts as endplate contact (METRICS.md default 1.0).</summary>
    public double ContactToleranceMm { get => _contact; init => _contact = NonNegative(value, nameof(ContactToleranceMm)); }
    /// <summary>Cement seeds: wide (≥ 4 mm) structures brighter than this many times the bone contrast.</summary>
    public double SeedContrast { get => _seed; init => _seed = Positive(value, nameof(SeedContrast)); }
    /// <summary>Cement grows from its seeds over pixels brighter than this many times the bone contrast.</summary>
    public double EdgeContrast { get => _edge; init => _edge = Positive(value, nameof(EdgeContrast)); }
    /// <summary>Smaller bright blobs are not cement, mm².</summary>
    public double MinCementAreaMm2 { get => _minArea; init => _minArea = NonNegative(value, nameof(MinCementAreaMm2)); }
    /// <summary>Cement crosses the midline when the smaller side reaches at least this far past it, mm (METRICS.md: 2).</summary>
    public double CrossingMm { get => _crossing; init => _crossing = NonNegative(value, nameof(CrossingMm)); }

    /// <summary>Every value, for the run's provenance.</summary>
    public OptionsDescription Describe() => new OptionsDescription()
        .Add("contact_tolerance_mm", ContactToleranceMm).Add("seed_contrast", SeedContrast).Add("edge_contrast", EdgeContrast)
        .Add("min_cement_area_mm2", MinCementAreaMm2).Add("crossing_mm", CrossingMm);

    private static double Positive(double v, string name) =>
        v > 0 && double.IsFinite(v) ? v : throw new ArgumentOutOfRangeException(name, v, "must be a positive number");
    private static double NonNegative(double v, string name) =>
        v >= 0 && double.IsFinite(v) ? v : throw new ArgumentOutOfRangeException(name, v, "must be a non-negative number");
}

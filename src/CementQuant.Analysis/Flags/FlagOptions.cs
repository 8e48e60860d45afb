namespace CementQuant.Analysis.Flags;

/// <summary>
/// Thresholds of the per-vertebra flag rules (shared/spec/METRICS.md flag table), validated on construction.
/// The midline distance behind UNILATERAL is a measurement (<c>CementOptions.CrossesMidlineMm</c>), not a flag threshold.
/// </summary>
public sealed record FlagOptions
{
    public static FlagOptions Default { get; } = new();

    /// <summary>ASYMMETRIC_MASS_LIKE: a mass-like fill with asymmetry_index at or above this (0..1).</summary>
    public double AsymmetryIndex { get; init => field = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(AsymmetryIndex), value, "expected 0..1"); } = 0.5;

    /// <summary>LOW_FILL: cement present and fill_pct below this (0..100).</summary>
    public double LowFillPct { get; init => field = value is >= 0 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(LowFillPct), value, "expected 0..100 %"); } = 15;

    /// <summary>LEAKAGE: leakage_volume_ml at or above this.</summary>
    public double LeakageMl { get; init => field = value is > 0 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(LeakageMl), value, "expected above 0, at most 100 mL"); } = 0.05;

    /// <summary>CLEFT: cleft_volume_ml at or above this.</summary>
    public double CleftMl { get; init => field = value is > 0 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(CleftMl), value, "expected above 0, at most 100 mL"); } = 0.05;

    /// <summary>FRACTURE: genant_grade at or above this (METRICS.md: 1).</summary>
    public int FractureGrade { get; init => field = value is >= 1 and <= 3 ? value : throw new ArgumentOutOfRangeException(nameof(FractureGrade), value, "expected Genant grade 1..3"); } = 1;

    /// <summary>SEVERE_COMPRESSION: genant_grade at or above this (METRICS.md: 3).</summary>
    public int SevereGrade { get; init => field = value is >= 1 and <= 3 ? value : throw new ArgumentOutOfRangeException(nameof(SevereGrade), value, "expected Genant grade 1..3"); } = 3;

    public OptionsDescription Describe() => new OptionsDescription()
        .Add("asymmetry_index", AsymmetryIndex)
        .Add("low_fill_pct", LowFillPct)
        .Add("leakage_ml", LeakageMl)
        .Add("cleft_ml", CleftMl)
        .Add("fracture_grade", FractureGrade)
        .Add("severe_grade", SevereGrade);
}

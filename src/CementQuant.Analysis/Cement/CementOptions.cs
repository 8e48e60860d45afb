namespace CementQuant.Analysis.Cement;

/// <summary>
/// Settings of the cement stage, validated on construction; every value is echoed in the run's provenance.
/// Defaults follow shared/spec/METRICS.md.
/// </summary>
public sealed record CementOptions
{
    public CementOptions() { }

    /// <summary>Fixed cement threshold in HU, or null for a per-vertebra automatic one.</summary>
    public double? ThresholdHu { get; init => field = value is null or (>= 200 and <= 3071) ? value : throw new ArgumentOutOfRangeException(nameof(ThresholdHu), value, "expected 200..3071 HU"); }

    /// <summary>Voxels at or above this are certainly cement (osteoporotic cortex stays below it): the seeds.</summary>
    public double SeedHu { get; init => field = value is >= 500 and <= 3071 ? value : throw new ArgumentOutOfRangeException(nameof(SeedHu), value, "expected 500..3071 HU"); } = 1500;

    /// <summary>Lowest automatic threshold: below it bone and contrast would be taken for cement.</summary>
    public double MinAutoThresholdHu { get; init; } = 700;

    /// <summary>Cement within this distance of an endplate touches it (METRICS.md contact tolerance).</summary>
    public double ContactToleranceMm { get; init => field = value is >= 0 and <= 10 ? value : throw new ArgumentOutOfRangeException(nameof(ContactToleranceMm), value, "expected 0..10 mm"); } = 1.0;

    /// <summary>Components smaller than this are ignored (METRICS.md: 0.01 mL).</summary>
    public double MinComponentMl { get; init; } = 0.01;

    /// <summary>How far around the body (mm) leaks are looked for.</summary>
    public double LeakMarginMm { get; init; } = 15;

    /// <summary>Midline crossing: cement reaches this far past the midsagittal plane into the minor side.</summary>
    public double CrossesMidlineMm { get; init; } = 2.0;

    /// <summary>Gas cleft: voxels inside the body below this HU.</summary>
    public double CleftHu { get; init; } = -200;

    /// <summary>A cleft must contain gas this dark somewhere: dark streaks and noise dips stay above it.</summary>
    public double CleftCoreHu { get; init; } = -500;

    /// <summary>Pattern rules: a compact lump is mass-like, a porous one trabecular.</summary>
    public double MassLikeMinSolidity { get; init; } = 0.75;
    public double MassLikeMinSphericity { get; init; } = 0.55;
    public double TrabecularMaxSolidity { get; init; } = 0.5;
    /// <summary>Interdigitated cement has a large surface for its volume: sphericity well below a lump's (≈0.9).</summary>
    public double TrabecularMaxSphericity { get; init; } = 0.4;

    /// <summary>Flag thresholds (METRICS.md flag table).</summary>
    public double AsymmetryFlag { get; init; } = 0.5;
    public double LowFillPct { get; init; } = 15;
    public double LeakageFlagMl { get; init; } = 0.05;
    public double CleftFlagMl { get; init; } = 0.05;

    /// <summary>QC: threshold instability when the cement volume moves by more than this fraction with ±150 HU.</summary>
    public double InstabilityFraction { get; init; } = 0.25;
}

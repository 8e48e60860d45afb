namespace CementQuant.Analysis.Cement;

/// <summary>
/// Settings of the cement stage (segmentation and measurement), each validated when set, so an instance is always
/// valid; every value is echoed in the run's provenance (<see cref="Describe"/>). Defaults follow
/// shared/spec/METRICS.md. The flag thresholds are in <c>Flags.FlagOptions</c>.
/// </summary>
public sealed record CementOptions
{
    public CementOptions() { }

    /// <summary>Fixed cement threshold in HU, or null for a per-vertebra automatic one.</summary>
    public double? ThresholdHu { get; init => field = value is null or (>= 200 and <= 3071) ? value : throw new ArgumentOutOfRangeException(nameof(ThresholdHu), value, "expected 200..3071 HU"); }

    /// <summary>Voxels at or above this are certainly cement (osteoporotic cortex stays below it): the seeds.</summary>
    public double SeedHu { get; init => field = value is >= 500 and <= 3071 ? value : throw new ArgumentOutOfRangeException(nameof(SeedHu), value, "expected 500..3071 HU"); } = 1500;

    /// <summary>Lowest automatic threshold: below it bone and contrast would be taken for cement.</summary>
    public double MinAutoThresholdHu { get; init => field = value is >= 200 and <= 3071 ? value : throw new ArgumentOutOfRangeException(nameof(MinAutoThresholdHu), value, "expected 200..3071 HU"); } = 700;

    /// <summary>Cement within this distance of an endplate touches it (METRICS.md contact tolerance).</summary>
    public double ContactToleranceMm { get; init => field = value is >= 0 and <= 10 ? value : throw new ArgumentOutOfRangeException(nameof(ContactToleranceMm), value, "expected 0..10 mm"); } = 1.0;

    /// <summary>Components smaller than this are ignored (METRICS.md: 0.01 mL).</summary>
    public double MinComponentMl { get; init => field = value is > 0 and <= 10 ? value : throw new ArgumentOutOfRangeException(nameof(MinComponentMl), value, "expected above 0, at most 10 mL"); } = 0.01;

    /// <summary>How far around the body (mm) leaks are looked for.</summary>
    public double LeakMarginMm { get; init => field = value is >= 0 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(LeakMarginMm), value, "expected 0..100 mm"); } = 15;

    /// <summary>Midline crossing: cement reaches this far past the midsagittal plane into the minor side.</summary>
    public double CrossesMidlineMm { get; init => field = value is >= 0 and <= 50 ? value : throw new ArgumentOutOfRangeException(nameof(CrossesMidlineMm), value, "expected 0..50 mm"); } = 2.0;

    /// <summary>Gas cleft: voxels inside the body below this HU.</summary>
    public double CleftHu { get; init => field = value is >= -1000 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(CleftHu), value, "expected -1000..100 HU"); } = -200;

    /// <summary>A cleft must contain gas this dark somewhere: dark streaks and noise dips stay above it.</summary>
    public double CleftCoreHu { get; init => field = value is >= -1024 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(CleftCoreHu), value, "expected -1024..100 HU"); } = -500;

    /// <summary>Pattern rules: a compact lump is mass-like, a porous one trabecular.</summary>
    public double MassLikeMinSolidity { get; init => field = Fraction(value, nameof(MassLikeMinSolidity)); } = 0.75;
    /// <summary>Mass-like needs at least this sphericity of the largest component.</summary>
    public double MassLikeMinSphericity { get; init => field = Fraction(value, nameof(MassLikeMinSphericity)); } = 0.55;
    /// <summary>Trabecular when the largest component's solidity is below this.</summary>
    public double TrabecularMaxSolidity { get; init => field = Fraction(value, nameof(TrabecularMaxSolidity)); } = 0.5;
    /// <summary>Interdigitated cement has a large surface for its volume: sphericity well below a lump's (≈0.9).</summary>
    public double TrabecularMaxSphericity { get; init => field = Fraction(value, nameof(TrabecularMaxSphericity)); } = 0.4;

    /// <summary>QC: threshold instability when the cement volume moves by more than this fraction with ±<see cref="InstabilityStepHu"/>.</summary>
    public double InstabilityFraction { get; init => field = Fraction(value, nameof(InstabilityFraction)); } = 0.25;

    /// <summary>QC: the threshold shift (HU, either way) of the instability test.</summary>
    public double InstabilityStepHu { get; init => field = value is > 0 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(InstabilityStepHu), value, "expected above 0, at most 1000 HU"); } = 150;

    /// <summary>QC SATURATED: cement voxels at or above this HU sit at the upper end of 12-bit CT (3071).</summary>
    public double SaturatedHu { get; init => field = value is >= 1000 and <= 32767 ? value : throw new ArgumentOutOfRangeException(nameof(SaturatedHu), value, "expected 1000..32767 HU"); } = 3070;

    /// <summary>QC SATURATED when more than this fraction of the in-body cement is saturated.</summary>
    public double SaturatedFraction { get; init => field = Fraction(value, nameof(SaturatedFraction)); } = 0.05;

    /// <summary>QC STREAK_ARTIFACT when dark voxels outside any cavity exceed this fraction of the body.</summary>
    public double StreakFraction { get; init => field = Fraction(value, nameof(StreakFraction)); } = 0.01;

    /// <summary>QC LOW_ROI_CONFIDENCE when the body's confidence (0..1) is below this.</summary>
    public double MinRoiConfidence { get; init => field = Fraction(value, nameof(MinRoiConfidence)); } = 0.5;

    /// <summary>Every value, for the run's provenance.</summary>
    public OptionsDescription Describe() => new OptionsDescription()
        .Add("threshold_hu", ThresholdHu is { } t ? t : "auto")
        .Add("seed_hu", SeedHu)
        .Add("min_auto_threshold_hu", MinAutoThresholdHu)
        .Add("contact_tolerance_mm", ContactToleranceMm)
        .Add("min_component_ml", MinComponentMl)
        .Add("leak_margin_mm", LeakMarginMm)
        .Add("crosses_midline_mm", CrossesMidlineMm)
        .Add("cleft_hu", CleftHu)
        .Add("cleft_core_hu", CleftCoreHu)
        .Add("mass_like_min_solidity", MassLikeMinSolidity)
        .Add("mass_like_min_sphericity", MassLikeMinSphericity)
        .Add("trabecular_max_solidity", TrabecularMaxSolidity)
        .Add("trabecular_max_sphericity", TrabecularMaxSphericity)
        .Add("instability_fraction", InstabilityFraction)
        .Add("instability_step_hu", InstabilityStepHu)
        .Add("saturated_hu", SaturatedHu)
        .Add("saturated_fraction", SaturatedFraction)
        .Add("streak_fraction", StreakFraction)
        .Add("min_roi_confidence", MinRoiConfidence);

    private static double Fraction(double v, string name) =>
        v is >= 0 and <= 1 ? v : throw new ArgumentOutOfRangeException(name, v, "expected 0..1");
}

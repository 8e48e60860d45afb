namespace CementQuant.Analysis.Fracture;

/// <summary>
/// Settings of the fracture geometry stage (<see cref="FractureMeasurer"/>; shared/spec/METRICS.md "Fracture geometry"),
/// each validated when set and echoed in the run's provenance (<see cref="Describe"/>).
/// </summary>
public sealed record FractureOptions
{
    public static FractureOptions Default { get; } = new();

    /// <summary>Anterior and posterior heights are measured this far inside the anterior / posterior wall (METRICS.md: 5 mm).</summary>
    public double WallInsetMm { get; init => field = value is >= 0 and <= 15 ? value : throw new ArgumentOutOfRangeException(nameof(WallInsetMm), value, "expected 0..15 mm"); } = 5;

    /// <summary>
    /// Each height is the median over a patch of profiles: ± this across the measuring plane (e.g. left-right for the
    /// midsagittal heights), so one noisy column or a basivertebral notch does not decide it.
    /// </summary>
    public double ProfileHalfWidthMm { get; init => field = value is >= 0 and <= 6 ? value : throw new ArgumentOutOfRangeException(nameof(ProfileHalfWidthMm), value, "expected 0..6 mm"); } = 2;

    /// <summary>… and ± this along the measuring plane (e.g. antero-posterior for the midsagittal heights).</summary>
    public double ProfileHalfLengthMm { get; init => field = value is >= 0 and <= 4 ? value : throw new ArgumentOutOfRangeException(nameof(ProfileHalfLengthMm), value, "expected 0..4 mm"); } = 1;

    /// <summary>Spacing of the profiles within the patch (the endplate maps' grid is 1 mm by default).</summary>
    public double ProfileStepMm { get; init => field = value is > 0 and <= 4 ? value : throw new ArgumentOutOfRangeException(nameof(ProfileStepMm), value, "expected above 0, at most 4 mm"); } = 1;

    /// <summary>
    /// Walls are found in a slab of ± this about the body's mid-height (and ± <see cref="ProfileHalfWidthMm"/> about the
    /// measuring plane): a median over 1 mm layers of the outermost mask voxel, so endplate rims and osteophytes do not move them.
    /// </summary>
    public double WallSlabHalfMm { get; init => field = value is >= 1 and <= 10 ? value : throw new ArgumentOutOfRangeException(nameof(WallSlabHalfMm), value, "expected 1..10 mm"); } = 4;

    /// <summary>A height is measured when at least this fraction of its patch's profiles meets both endplates; else the body is not assessable.</summary>
    public double MinProfileFraction { get; init => field = value is > 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MinProfileFraction), value, "expected above 0, at most 1"); } = 0.5;

    /// <summary>Each endplate is looked for in the HU profile from this far inside the body mask's boundary to a voxel beyond it.</summary>
    public double EdgeSearchMm { get; init => field = value is >= 0.5 and <= 5 ? value : throw new ArgumentOutOfRangeException(nameof(EdgeSearchMm), value, "expected 0.5..5 mm"); } = 2.5;

    /// <summary>Sampling step of that HU profile.</summary>
    public double EdgeStepMm { get; init => field = value is >= 0.05 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(EdgeStepMm), value, "expected 0.05..1 mm"); } = 0.25;

    /// <summary>Half the endplate's thickness: its outer surface lies this far beyond its HU peak (BodyGeometry assumes a 1 mm endplate too).</summary>
    public double EndplateHalfThicknessMm { get; init => field = value is >= 0 and <= 2 ? value : throw new ArgumentOutOfRangeException(nameof(EndplateHalfThicknessMm), value, "expected 0..2 mm"); } = 0.5;

    /// <summary>An endplate edge is refined only where its peak stands at least this far above the disc beyond it (HU).</summary>
    public double MinEdgeContrastHu { get; init => field = value is >= 10 and <= 2000 ? value : throw new ArgumentOutOfRangeException(nameof(MinEdgeContrastHu), value, "expected 10..2000 HU"); } = 100;

    /// <summary>No vertebral body is taller than this (mm; adult lumbar bodies are 25–35): a taller one is a segmentation
    /// that merged a disc or a second body, and is not assessed.</summary>
    public double MaxHeightMm { get; init => field = value is >= 20 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(MaxHeightMm), value, "expected 20..100 mm"); } = 45;

    /// <summary>Endplates are concave: a middle height above this multiple of the taller end height is a mask error, not assessed.</summary>
    public double MaxConvexity { get; init => field = value is >= 1 and <= 2 ? value : throw new ArgumentOutOfRangeException(nameof(MaxConvexity), value, "expected 1..2"); } = 1.15;

    /// <summary>Genant grade 1 from this height loss (%; METRICS.md: 20).</summary>
    public double Grade1Pct { get; init => field = value is > 0 and < 100 ? value : throw new ArgumentOutOfRangeException(nameof(Grade1Pct), value, "expected 0..100 %"); } = 20;

    /// <summary>Genant grade 2 from this height loss (%; METRICS.md: 25).</summary>
    public double Grade2Pct { get; init => field = value is > 0 and < 100 ? value : throw new ArgumentOutOfRangeException(nameof(Grade2Pct), value, "expected 0..100 %"); } = 25;

    /// <summary>Genant grade 3 above this height loss (%; METRICS.md: 40).</summary>
    public double Grade3Pct { get; init => field = value is > 0 and < 100 ? value : throw new ArgumentOutOfRangeException(nameof(Grade3Pct), value, "expected 0..100 %"); } = 40;

    /// <summary>Passes of "reference from unfractured neighbours, then grade" until the set of fractured bodies settles.</summary>
    public const int ReferencePasses = 4;

    public int GenantGrade(double heightLossPct) =>
        heightLossPct < Grade1Pct ? 0 : heightLossPct < Grade2Pct ? 1 : heightLossPct <= Grade3Pct ? 2 : 3;

    public OptionsDescription Describe() => new OptionsDescription()
        .Add("wall_inset_mm", WallInsetMm)
        .Add("profile_half_width_mm", ProfileHalfWidthMm)
        .Add("profile_half_length_mm", ProfileHalfLengthMm)
        .Add("profile_step_mm", ProfileStepMm)
        .Add("wall_slab_half_mm", WallSlabHalfMm)
        .Add("min_profile_fraction", MinProfileFraction)
        .Add("max_height_mm", MaxHeightMm)
        .Add("max_convexity", MaxConvexity)
        .Add("edge_search_mm", EdgeSearchMm)
        .Add("edge_step_mm", EdgeStepMm)
        .Add("endplate_half_thickness_mm", EndplateHalfThicknessMm)
        .Add("min_edge_contrast_hu", MinEdgeContrastHu)
        .Add("grade1_pct", Grade1Pct)
        .Add("grade2_pct", Grade2Pct)
        .Add("grade3_pct", Grade3Pct);
}

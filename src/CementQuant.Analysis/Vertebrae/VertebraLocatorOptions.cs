namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Settings of <see cref="VertebraLocator"/>, validated once here. The defaults suit adult thoracolumbar CT;
/// every value is echoed in the run's provenance by the caller.
/// </summary>
public sealed record VertebraLocatorOptions
{
    public static VertebraLocatorOptions Default { get; } = new();

    public VertebraLocatorOptions(
        double workingSpacingMm = 2.0,
        int boneHu = 110,
        int cementHu = 1200,
        double maxBodyRadiusMm = 30,
        double endplateGridStepMm = 1.0,
        int lumbarVertebrae = 5,
        double minPartialVolumeMl = 0.3,
        double maxMidlineOffsetMm = 70,
        double bodyCoreHalfMm = 8,
        double chainNodeBias = 40,
        double maxChainStepMm = 8,
        double minChainLengthMm = 20)
    {
        Check(workingSpacingMm is >= 0.5 and <= 5, nameof(workingSpacingMm), workingSpacingMm, "0.5 to 5 mm");
        Check(boneHu is >= 50 and <= 600, nameof(boneHu), boneHu, "50 to 600 HU");
        Check(cementHu > boneHu && cementHu <= 4000, nameof(cementHu), cementHu, "above boneHu, at most 4000 HU");
        Check(maxBodyRadiusMm is >= 10 and <= 60, nameof(maxBodyRadiusMm), maxBodyRadiusMm, "10 to 60 mm");
        Check(endplateGridStepMm is >= 0.25 and <= 5, nameof(endplateGridStepMm), endplateGridStepMm, "0.25 to 5 mm");
        Check(lumbarVertebrae is >= 4 and <= 6, nameof(lumbarVertebrae), lumbarVertebrae, "4 to 6");
        Check(minPartialVolumeMl is >= 0 and <= 20, nameof(minPartialVolumeMl), minPartialVolumeMl, "0 to 20 mL");
        Check(maxMidlineOffsetMm is >= 10 and <= 200, nameof(maxMidlineOffsetMm), maxMidlineOffsetMm, "10 to 200 mm");
        Check(bodyCoreHalfMm is >= 3 and <= 20, nameof(bodyCoreHalfMm), bodyCoreHalfMm, "3 to 20 mm");
        Check(chainNodeBias is >= 0 and <= 500, nameof(chainNodeBias), chainNodeBias, "0 to 500");
        Check(maxChainStepMm is > 0 and <= 30, nameof(maxChainStepMm), maxChainStepMm, "0 to 30 mm");
        Check(minChainLengthMm is >= 2 and <= 500, nameof(minChainLengthMm), minChainLengthMm, "2 to 500 mm");
        WorkingSpacingMm = workingSpacingMm; BoneHu = boneHu; CementHu = cementHu; MaxBodyRadiusMm = maxBodyRadiusMm;
        EndplateGridStepMm = endplateGridStepMm; LumbarVertebrae = lumbarVertebrae; MinPartialVolumeMl = minPartialVolumeMl;
        MaxMidlineOffsetMm = maxMidlineOffsetMm; BodyCoreHalfMm = bodyCoreHalfMm; ChainNodeBias = chainNodeBias;
        MaxChainStepMm = maxChainStepMm; MinChainLengthMm = minChainLengthMm;
    }

    /// <summary>Grid spacing of the coarse, patient-aligned detection grid.</summary>
    public double WorkingSpacingMm { get; }
    /// <summary>Body threshold: voxels at or above it inside the body's slab are body (cortex, and trabecular bone down to
    /// osteoporotic density); lower-density holes inside the shell (fatty marrow, clefts) are filled. At 3 mm voxels the cortex
    /// blurs below 150 HU, hence the low default; discs (50–120 HU) are kept out by the disc planes.</summary>
    public int BoneHu { get; }
    /// <summary>Voxels at or above this (cement, 1500–3071 HU) count as body when inside it and are neutralised for the symmetry search.</summary>
    public int CementHu { get; }
    /// <summary>Body voxels lie within this distance of the column axis (keeps the aorta, ribs and osteophytes out).</summary>
    public double MaxBodyRadiusMm { get; }
    /// <summary>Grid step of the endplate height maps.</summary>
    public double EndplateGridStepMm { get; }
    /// <summary>Lumbar vertebrae assumed when counting up from the sacrum (5; 4 or 6 for transitional anatomy).</summary>
    public int LumbarVertebrae { get; }
    /// <summary>Bodies cut by the field of view smaller than this are not reported.</summary>
    public double MinPartialVolumeMl { get; }
    /// <summary>How far from the patient's midline (per slice) the column may be searched.</summary>
    public double MaxMidlineOffsetMm { get; }
    /// <summary>Half-size of the square that probes a body's core density during detection.</summary>
    public double BodyCoreHalfMm { get; }
    /// <summary>Score a detection candidate must exceed to extend the chain (HU-like units).</summary>
    public double ChainNodeBias { get; }
    /// <summary>Largest in-plane move of the detected column centre from one working slice to the next (tilt of the sacrum plus detection jitter).</summary>
    public double MaxChainStepMm { get; }
    /// <summary>Shortest chain accepted as a spine.</summary>
    public double MinChainLengthMm { get; }

    /// <summary>Every value, for the run's provenance.</summary>
    public OptionsDescription Describe() => new OptionsDescription()
        .Add("working_spacing_mm", WorkingSpacingMm).Add("bone_hu", BoneHu).Add("cement_hu", CementHu)
        .Add("max_body_radius_mm", MaxBodyRadiusMm).Add("endplate_grid_step_mm", EndplateGridStepMm).Add("lumbar_vertebrae", LumbarVertebrae)
        .Add("min_partial_volume_ml", MinPartialVolumeMl).Add("max_midline_offset_mm", MaxMidlineOffsetMm).Add("body_core_half_mm", BodyCoreHalfMm)
        .Add("chain_node_bias", ChainNodeBias).Add("max_chain_step_mm", MaxChainStepMm).Add("min_chain_length_mm", MinChainLengthMm);

    private static void Check(bool ok, string name, object value, string expected)
    {
        if (!ok) throw new ArgumentOutOfRangeException(name, value, $"{name}: expected {expected}, found {value}");
    }
}

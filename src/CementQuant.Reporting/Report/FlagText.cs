using System.Globalization;

namespace CementQuant.Reporting.Report;

/// <summary>
/// Each flag of shared/spec/METRICS.md explained in one plain sentence with this vertebra's numbers and the
/// clinical rationale the spec gives for it, and each QC note in words. Rules quoted are the spec's
/// defaults; a run's own thresholds are in results.json's provenance.
/// </summary>
internal static class FlagText
{
    public static readonly string[] Known = ["NPEC", "ASYMMETRIC_MASS_LIKE", "UNILATERAL", "LOW_FILL", "LEAKAGE", "CLEFT"];

    public static string Rule(string flag) => flag switch
    {
        "NPEC" => "cement present and not touching both endplates",
        "ASYMMETRIC_MASS_LIKE" => "pattern mass_like and asymmetry_index ≥ 0.5",
        "UNILATERAL" => "cement present and not crossing the midsagittal plane by 2 mm",
        "LOW_FILL" => "cement present and fill under 15 %",
        "LEAKAGE" => "leakage ≥ 0.05 mL",
        "CLEFT" => "cleft ≥ 0.05 mL",
        _ => "",
    };

    public static string Explain(string flag, VertebraMetrics m) => flag switch
    {
        "NPEC" => I($"The cement {NpecWhere(m)} (superior gap {m.SuperiorGapMm:0.0} mm, inferior gap {m.InferiorGapMm:0.0} mm), {NpecWhy}"),
        "ASYMMETRIC_MASS_LIKE" => I($"The cement is one compact lump (mass-like: solidity {m.Solidity:0.00}, sphericity {m.Sphericity:0.00}) lying {LeftPct(m)} on the patient's {Major(m)} (asymmetry index {m.AsymmetryIndex:0.00}): blocky fills that do not interdigitate with the trabeculae had more adjacent fractures (19.8 % against 8.1 % in 329 patients), and the {Minor(m)} half is left without support."),
        "UNILATERAL" => I($"The cement stays on the patient's {Major(m)} and reaches only {m.ContralateralReachMm:0.0} mm past the midsagittal plane, {UnilateralWhy(m.LeftFraction)} (here {m.LargerSideFillPct:0.0} % of the body, LSBCV/VBV) was an independent risk factor for adjacent fracture in 245 patients."),
        "LOW_FILL" => I($"Cement fills {m.FillPct:0.0} % of the body, below 15 %: cadaver work restored strength at about 16 % fill and finite-element work restored stiffness at about 30 %."),
        "LEAKAGE" => I($"{m.LeakageVolumeMl:0.00} mL of cement lies outside the body ({Sites(m)}): leakage into the disc, the canal, a foramen or the veins is a published risk to review on the pictures."),
        "CLEFT" => I($"A gas or fluid cavity of {m.CleftVolumeMl:0.00} mL lies inside the body (an intravertebral cleft), a published risk factor: cement filling a cleft tends to stay a compact lump that does not anchor in the bone."),
        _ => $"{flag}: see shared/spec/METRICS.md.",
    };

    public static string Qc(string note) => note switch
    {
        "STREAK_ARTIFACT" => "Streak artefacts from the cement: bright and dark bands may shift the cement boundary; check the outline on the slices.",
        "SATURATED" => "Some cement voxels are at the scanner's upper HU limit, so density-based measures there are clipped.",
        "LOW_ROI_CONFIDENCE" => "The vertebral body was found with low confidence: check that the yellow outline follows the body.",
        "FLAGS_WITHHELD" => "No flag was raised: the body was found with low confidence, so the midline and endplates the flags rest on are uncertain. Judge the picture.",
        "GANTRY_TILT_CORRECTED" => "The series was acquired with gantry tilt and resampled in patient space.",
        "PARTIAL_FOV" => "The body is cut by the edge of the scanned field: volumes and contact may be underestimated.",
        "PROJECTION_ONLY" => "Measured on a projection (radiograph), not in 3D: area fill correlates only weakly with the true volumetric fill.",
        "METAL" => "Metal (a screw, wire or clip) was seen on this radiograph and kept out of the cement.",
        _ => note,
    };

    public static string Contact(VertebraMetrics m) => m.CementVolumeMl <= 0 ? "—" : m.NpecType switch
    {
        "none" => "both",
        "superior_only" => "superior only",
        "inferior_only" => "inferior only",
        "neither" => "neither",
        _ => m.NpecType,
    };

    /// <summary>The rules behind a radiograph row's flags (the radiograph stage's defaults).</summary>
    public static string RadiographRule(string flag) => flag switch
    {
        "NPEC" => "lateral view: cement present and not within 1 mm of both endplate lines",
        "UNILATERAL" => "frontal view: cement present and not reaching 2 mm past the body's midline into the other half",
        "LEAKAGE" => "cement of 10 mm² or more outside the body's outline on the projection",
        _ => "",
    };

    public static string Explain(string flag, RadiographMetrics m) => flag switch
    {
        "NPEC" => I($"On the lateral view the cement {RadiographNpecWhere(m)} (gap to the superior endplate {m.SuperiorGapMm:0.0} mm, to the inferior {m.InferiorGapMm:0.0} mm), {NpecWhy}"),
        "UNILATERAL" => I($"On the frontal view {LeftPct(m.LeftFraction)} of the cement's projected area lies on the patient's {Major(m.LeftFraction)} of the body's midline and none reaches 2 mm into the {Minor(m.LeftFraction)} half, {UnilateralWhy(m.LeftFraction)} was an independent risk factor for adjacent fracture in 245 patients; confirm on CT, a projection cannot show depth."),
        "LEAKAGE" => "Cement is seen outside the body's outline on this projection: review it for leakage into the disc, the canal, a foramen or the veins (on a projection, cement in front of or behind the body can also look outside it).",
        _ => $"{flag}: see shared/spec/METRICS.md.",
    };

    /// <summary>One radiograph row in a phrase, for the panel's headline.</summary>
    public static string Headline(RadiographMetrics m) => m.View == "LAT"
        ? I($"{m.Vertebra} {m.FillAreaPct:0} % of the body's area, endplate contact {Contact(m)}")
        : I($"{m.Vertebra} {m.FillAreaPct:0} % of the body's area{(m.LeftFraction is { } lf ? I($", {100 * lf:0} % on the patient's left") : "")}");

    /// <summary>Endplate contact of a lateral radiograph row; "—" on frontal views and without cement.</summary>
    public static string Contact(RadiographMetrics m) => m.CementAreaMm2 <= 0 || m.SuperiorContact is not { } s || m.InferiorContact is not { } i ? "—"
        : (s, i) switch { (true, true) => "both", (true, false) => "superior only", (false, true) => "inferior only", _ => "neither" };

    private static string RadiographNpecWhere(RadiographMetrics m) => Contact(m) switch
    {
        "superior only" => "touches the superior endplate but not the inferior one (type B1)",
        "inferior only" => "touches the inferior endplate but not the superior one (type B2)",
        _ => "touches neither endplate (type B3)",
    };

    private const string NpecWhy = "so load passes through the weak bone beside it instead of through a cement pillar: in a 137-patient PVP study recompression was 16.5 % without contact of both endplates against 5.2 % with it.";

    private static string UnilateralWhy(double? leftFraction) =>
        $"leaving the {Minor(leftFraction)} half without support against lateral load: the larger-side fill";

    private static string NpecWhere(VertebraMetrics m) => m.NpecType switch
    {
        "superior_only" => "touches the superior endplate but not the inferior one (type B1)",
        "inferior_only" => "touches the inferior endplate but not the superior one (type B2)",
        _ => "touches neither endplate (type B3)",
    } + PerSide(m);

    private static string PerSide(VertebraMetrics m)
    {
        if (m.BridgingLeft is null) return "";
        var sides = new List<string>();
        if (m.BridgingRight != true) sides.Add("right");
        if (m.BridgingLeft != true) sides.Add("left");
        return sides.Count switch
        {
            1 => $"; there is no cement column between the endplates on the patient's {sides[0]}",
            2 => "; there is no cement column between the endplates on either side",
            _ => "",
        };
    }

    private static string Major(VertebraMetrics m) => Major(m.LeftFraction);
    private static string Minor(VertebraMetrics m) => Minor(m.LeftFraction);
    private static string LeftPct(VertebraMetrics m) => LeftPct(m.LeftFraction);
    private static string Major(double? leftFraction) => (leftFraction ?? 0.5) >= 0.5 ? "left" : "right";
    private static string Minor(double? leftFraction) => Major(leftFraction) == "left" ? "right" : "left";
    private static string LeftPct(double? leftFraction) => I($"{100 * Math.Max(leftFraction ?? 0.5, 1 - (leftFraction ?? 0.5)):0} %");
    private static string Sites(VertebraMetrics m) => m.LeakSites.Count == 0 ? "site not classified" : string.Join(", ", m.LeakSites.Select(s => s.Replace('_', ' ')));

    private static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

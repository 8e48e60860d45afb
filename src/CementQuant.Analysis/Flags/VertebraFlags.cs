using System.Globalization;

namespace CementQuant.Analysis.Flags;

/// <summary>
/// The one home of the per-vertebra (CT) flag rules of shared/spec/METRICS.md: the rules themselves
/// (<see cref="Raise"/>) and their text for the run's provenance (<see cref="Rules"/>), both from the same options.
/// </summary>
public static class VertebraFlags
{
    public const string Npec = "NPEC";
    public const string AsymmetricMassLike = "ASYMMETRIC_MASS_LIKE";
    public const string Unilateral = "UNILATERAL";
    public const string LowFill = "LOW_FILL";
    public const string Leakage = "LEAKAGE";
    public const string Cleft = "CLEFT";
    /// <summary>A vertebral fracture: genant_grade at or above <see cref="FlagOptions.FractureGrade"/>. Never on a body whose geometry is not assessable.</summary>
    public const string Fracture = "FRACTURE";
    /// <summary>A severe compression: genant_grade at or above <see cref="FlagOptions.SevereGrade"/>.</summary>
    public const string SevereCompression = "SEVERE_COMPRESSION";

    /// <summary>Every CT flag, in the order they are raised and written.</summary>
    public static IReadOnlyList<string> All { get; } = [Npec, AsymmetricMassLike, Unilateral, LowFill, Leakage, Fracture, SevereCompression, Cleft];

    /// <summary>The metrics with their flags raised from the measured columns.</summary>
    public static VertebraMetrics Raise(VertebraMetrics m, FlagOptions o)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(o);
        var flags = new List<string>();
        var has = m.CementVolumeMl > 0;
        if (m.Npec) flags.Add(Npec);
        if (m.Pattern == CementPatterns.MassLike && m.AsymmetryIndex >= o.AsymmetryIndex) flags.Add(AsymmetricMassLike);
        if (has && m.CrossesMidline == false) flags.Add(Unilateral);
        if (has && m.FillPct < o.LowFillPct) flags.Add(LowFill);
        if (m.LeakageVolumeMl >= o.LeakageMl) flags.Add(Leakage);
        if (m.GenantGrade >= o.FractureGrade) flags.Add(Fracture);
        if (m.GenantGrade >= o.SevereGrade) flags.Add(SevereCompression);
        // Measured in every body, cemented or not: a gas cleft in a collapsed uncemented body is FRACTURE;CLEFT.
        if (m.CleftVolumeMl >= o.CleftMl) flags.Add(Cleft);
        return m with { Flags = flags };
    }

    /// <summary>Each rule in words with the run's thresholds (results.json provenance <c>flag_rules</c>).</summary>
    /// <param name="crossesMidlineMm">The cement stage's midline distance behind <c>crosses_midline</c>.</param>
    public static Dictionary<string, string> Rules(FlagOptions o, double crossesMidlineMm)
    {
        ArgumentNullException.ThrowIfNull(o);
        var inv = CultureInfo.InvariantCulture;
        return new()
        {
            [Npec] = "npec is true",
            [AsymmetricMassLike] = string.Create(inv, $"pattern is mass_like and asymmetry_index >= {o.AsymmetryIndex}"),
            [Unilateral] = string.Create(inv, $"cement present and contralateral_reach_mm < {crossesMidlineMm}"),
            [LowFill] = string.Create(inv, $"cement present and fill_pct < {o.LowFillPct}"),
            [Leakage] = string.Create(inv, $"leakage_volume_ml >= {o.LeakageMl}"),
            [Fracture] = string.Create(inv, $"genant_grade >= {o.FractureGrade}"),
            [SevereCompression] = string.Create(inv, $"genant_grade >= {o.SevereGrade}"),
            [Cleft] = string.Create(inv, $"cleft_volume_ml >= {o.CleftMl}"),
        };
    }
}

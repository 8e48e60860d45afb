namespace CementQuant.Analysis.Fracture;

/// <summary>
/// The fracture geometry of one body (shared/spec/METRICS.md "Fracture geometry"), every value null when not assessable.
/// </summary>
public sealed record VertebraGeometry
{
    public static VertebraGeometry NotAssessable { get; } = new();

    public double? HeightAnteriorMm { get; init; }
    public double? HeightMiddleMm { get; init; }
    public double? HeightPosteriorMm { get; init; }
    public double? HeightLeftMm { get; init; }
    public double? HeightRightMm { get; init; }
    public double? WedgeAngleDeg { get; init; }
    public double? CoronalWedgeAngleDeg { get; init; }
    public double? KyphoticAngleDeg { get; init; }
    public double? ReferenceHeightMm { get; init; }
    public double? HeightLossPct { get; init; }
    public string? FractureShape { get; init; }
    public int? GenantGrade { get; init; }
    public double? CementCentroidLrMm { get; init; }
    public double? CementCentroidApMm { get; init; }
    public double? CementCentroidSiMm { get; init; }
    /// <summary>QC notes of this stage (e.g. <see cref="QcCodes.GeometryNotAssessable"/>).</summary>
    public IReadOnlyList<string> Qc { get; init; } = [];

    /// <summary>The metrics with these columns (and QC notes) added; flags are raised afterwards.</summary>
    public VertebraMetrics ApplyTo(VertebraMetrics m) => m with
    {
        HeightAnteriorMm = HeightAnteriorMm, HeightMiddleMm = HeightMiddleMm, HeightPosteriorMm = HeightPosteriorMm,
        HeightLeftMm = HeightLeftMm, HeightRightMm = HeightRightMm, WedgeAngleDeg = WedgeAngleDeg,
        CoronalWedgeAngleDeg = CoronalWedgeAngleDeg, KyphoticAngleDeg = KyphoticAngleDeg, ReferenceHeightMm = ReferenceHeightMm,
        HeightLossPct = HeightLossPct, FractureShape = FractureShape, GenantGrade = GenantGrade,
        CementCentroidLrMm = CementCentroidLrMm, CementCentroidApMm = CementCentroidApMm, CementCentroidSiMm = CementCentroidSiMm,
        Qc = Qc.Count == 0 ? m.Qc : [.. m.Qc, .. Qc.Where(q => !m.Qc.Contains(q))],
    };
}

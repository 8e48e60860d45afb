namespace CementQuant;

/// <summary>
/// Every per-vertebra CT measurement of shared/spec/METRICS.md, named as its column. Null means "not
/// applicable" (an empty CSV cell), e.g. left_fraction without cement.
/// </summary>
public sealed record VertebraMetrics
{
    public required string Vertebra { get; init; }
    public required string LabelSource { get; init; }
    public required Vec3 Center { get; init; }
    public required double BodyVolumeMl { get; init; }
    public required double CementVolumeMl { get; init; }
    public required double FillPct { get; init; }
    public double? CementLeftMl { get; init; }
    public double? CementRightMl { get; init; }
    public double? LeftFraction { get; init; }
    public double? AsymmetryIndex { get; init; }
    public double? LargerSideFillPct { get; init; }
    public bool? CrossesMidline { get; init; }
    public double? ContralateralReachMm { get; init; }
    public double? LeftReachPct { get; init; }
    public double? RightReachPct { get; init; }
    public bool? SuperiorContact { get; init; }
    public bool? InferiorContact { get; init; }
    public double? SuperiorGapMm { get; init; }
    public double? InferiorGapMm { get; init; }
    public double? SuperiorContactPct { get; init; }
    public double? InferiorContactPct { get; init; }
    public bool? SuperiorContactLeft { get; init; }
    public bool? SuperiorContactRight { get; init; }
    public bool? InferiorContactLeft { get; init; }
    public bool? InferiorContactRight { get; init; }
    public bool? BridgingLeft { get; init; }
    public bool? BridgingRight { get; init; }
    public required bool Npec { get; init; }
    /// <summary>none, superior_only, inferior_only, neither.</summary>
    public required string NpecType { get; init; }
    public int Components { get; init; }
    public double? Sphericity { get; init; }
    public double? Solidity { get; init; }
    public double? SurfaceToVolumeMm1 { get; init; }
    /// <summary>none, mass_like, trabecular, mixed.</summary>
    public required string Pattern { get; init; }
    public double CleftVolumeMl { get; init; }
    public double LeakageVolumeMl { get; init; }
    public IReadOnlyList<string> LeakSites { get; init; } = [];
    public double? ThresholdHu { get; init; }
    // Fracture geometry (schema 2), null when not assessable.
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
    /// <summary>none, wedge, biconcave, crush, lateral_wedge.</summary>
    public string? FractureShape { get; init; }
    public int? GenantGrade { get; init; }
    public double? CementCentroidLrMm { get; init; }
    public double? CementCentroidApMm { get; init; }
    public double? CementCentroidSiMm { get; init; }
    public IReadOnlyList<string> Flags { get; init; } = [];
    public IReadOnlyList<string> Qc { get; init; } = [];
}

namespace CementQuant.Phantom;

/// <summary>
/// The true value of every METRICS.md column that has one, for one vertebra, computed from the continuous
/// model (never from a rendered image), plus the geometric truth an analyser is measured against.
/// Nullable values are "not applicable" (empty CSV cell), e.g. <see cref="LeftFraction"/> without cement.
/// Left/right are the patient's, about the vertebra's TRUE midsagittal plane. Gaps are measured along the
/// vertebra's cranio-caudal axis from the cement to the endplate surface (the body's outer boundary).
/// </summary>
public sealed record VertebraTruth
{
    public required string Vertebra { get; init; }
    /// <summary>Value of this vertebra in BodyLabels.</summary>
    public required int Label { get; init; }
    /// <summary>Body centroid in patient LPS, mm.</summary>
    public required Vec3 Center { get; init; }
    public required double BodyVolumeMl { get; init; }
    public required double CementVolumeMl { get; init; }
    public required double FillPct { get; init; }
    public required double CementLeftMl { get; init; }
    public required double CementRightMl { get; init; }
    public double? LeftFraction { get; init; }
    public double? AsymmetryIndex { get; init; }
    public required double LargerSideFillPct { get; init; }
    public bool? CrossesMidline { get; init; }
    public double? ContralateralReachMm { get; init; }
    public double? LeftReachPct { get; init; }
    public double? RightReachPct { get; init; }
    public required bool SuperiorContact { get; init; }
    public required bool InferiorContact { get; init; }
    public double? SuperiorGapMm { get; init; }
    public double? InferiorGapMm { get; init; }
    public required double SuperiorContactPct { get; init; }
    public required double InferiorContactPct { get; init; }
    public required bool SuperiorContactLeft { get; init; }
    public required bool SuperiorContactRight { get; init; }
    public required bool InferiorContactLeft { get; init; }
    public required bool InferiorContactRight { get; init; }
    public required bool BridgingLeft { get; init; }
    public required bool BridgingRight { get; init; }
    public required bool Npec { get; init; }
    /// <summary><c>none</c>, <c>superior_only</c>, <c>inferior_only</c> or <c>neither</c>.</summary>
    public required string NpecType { get; init; }
    /// <summary>26-connected in-body cement components of at least 0.01 mL.</summary>
    public required int Components { get; init; }
    /// <summary>By construction: <c>none</c>, <c>mass_like</c>, <c>trabecular</c> or <c>mixed</c>.</summary>
    public required string Pattern { get; init; }
    public required double CleftVolumeMl { get; init; }
    public required double LeakageVolumeMl { get; init; }
    public required IReadOnlyList<string> LeakSites { get; init; }
    /// <summary>The flags METRICS.md's rules give for these true values, in the table's order.</summary>
    public required IReadOnlyList<string> Flags { get; init; }

    /// <summary>The vertebra's local frame (origin at the body's geometric centre, U = midsagittal normal
    /// toward the patient's left, V posterior, W cranial).</summary>
    public required LocalFrame Frame { get; init; }
    /// <summary>A point of the true midsagittal plane (LPS).</summary>
    public Vec3 MidsagittalPoint => Frame.Origin;
    /// <summary>Unit normal of the true midsagittal plane, pointing to the patient's left.</summary>
    public Vec3 MidsagittalNormal => Frame.U;
    /// <summary>The model, to evaluate the true endplate surfaces: <see cref="VertebraModel.SuperiorEndplateW"/>
    /// and <see cref="VertebraModel.InferiorEndplateW"/> in <see cref="Frame"/>.</summary>
    public required VertebraModel Model { get; init; }

    /// <summary>The true fracture geometry (METRICS.md "Fracture geometry"); null for the sacrum.</summary>
    public FractureTruth? Geometry { get; init; }

    /// <summary>Patient LPS point of the superior endplate surface above local (u, v).</summary>
    public Vec3 SuperiorEndplatePoint(double u, double v) => Frame.ToPatient(u, v, Model.SuperiorEndplateW(u, v));

    /// <summary>Patient LPS point of the inferior endplate surface below local (u, v).</summary>
    public Vec3 InferiorEndplatePoint(double u, double v) => Frame.ToPatient(u, v, Model.InferiorEndplateW(u, v));
}

/// <summary>The truth of a whole case.</summary>
public sealed record PhantomTruth(string CaseName, string Description, double ContactToleranceMm, double GridMm,
    IReadOnlyList<VertebraTruth> Vertebrae)
{
    public VertebraTruth this[string vertebra] =>
        Vertebrae.FirstOrDefault(v => v.Vertebra == vertebra) ?? throw new ArgumentException($"no vertebra '{vertebra}'", nameof(vertebra));
}

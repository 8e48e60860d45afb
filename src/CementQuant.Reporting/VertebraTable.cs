namespace CementQuant.Reporting;

/// <summary>The columns of vertebrae.csv (shared/spec/METRICS.md), in order; a change here is a schema change.</summary>
public static class VertebraTable
{
    public const int SchemaVersion = 2;

    /// <summary>The names of <see cref="ColumnCatalog.Vertebrae"/>, in order (schema 2's fracture columns appended after schema 1's).</summary>
    public static readonly string[] Columns = [.. ColumnCatalog.Vertebrae.Select(c => c.Name)];

    /// <summary>The columns schema 2 added (fracture geometry), which a schema-1 database gains when it is upgraded.</summary>
    public static IReadOnlyList<string> AddedInSchema2 => [.. ColumnCatalog.Vertebrae.Where(c => c.Since == 2).Select(c => c.Name)];

    public static readonly string[] PhiColumns = [.. ColumnCatalog.Phi.Select(c => c.Name)];

    public static IReadOnlyList<string> Header(bool includePhi) => includePhi ? [.. Columns, .. PhiColumns] : Columns;

    public static IReadOnlyList<object?> Row(SeriesIdentity id, VertebraMetrics m, bool includePhi)
    {
        List<object?> row =
        [
            SchemaVersion, id.StudyKey, id.SeriesKey, m.Vertebra, m.LabelSource,
            m.Center.X, m.Center.Y, m.Center.Z, m.BodyVolumeMl, m.CementVolumeMl, m.FillPct,
            m.CementLeftMl, m.CementRightMl, m.LeftFraction, m.AsymmetryIndex, m.LargerSideFillPct,
            m.CrossesMidline, m.ContralateralReachMm, m.LeftReachPct, m.RightReachPct,
            m.SuperiorContact, m.InferiorContact, m.SuperiorGapMm, m.InferiorGapMm,
            m.SuperiorContactPct, m.InferiorContactPct,
            m.SuperiorContactLeft, m.SuperiorContactRight, m.InferiorContactLeft, m.InferiorContactRight,
            m.BridgingLeft, m.BridgingRight, m.Npec, m.NpecType, m.Components, m.Sphericity, m.Solidity,
            m.SurfaceToVolumeMm1, m.Pattern, m.CleftVolumeMl, m.LeakageVolumeMl, string.Join(';', m.LeakSites),
            m.ThresholdHu, string.Join(';', m.Flags), string.Join(';', m.Qc),
            m.HeightAnteriorMm, m.HeightMiddleMm, m.HeightPosteriorMm, m.HeightLeftMm, m.HeightRightMm,
            m.WedgeAngleDeg, m.CoronalWedgeAngleDeg, m.KyphoticAngleDeg, m.ReferenceHeightMm, m.HeightLossPct,
            m.FractureShape, m.GenantGrade, m.CementCentroidLrMm, m.CementCentroidApMm, m.CementCentroidSiMm,
            id.PatientKey,
        ];
        if (includePhi) row.AddRange([id.PatientId, id.StudyUid, id.SeriesUid, id.StudyDate]);
        return row;
    }
}

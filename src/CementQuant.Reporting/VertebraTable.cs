namespace CementQuant.Reporting;

/// <summary>The columns of vertebrae.csv (shared/spec/METRICS.md), in order; a change here is a schema change.</summary>
public static class VertebraTable
{
    public const int SchemaVersion = 2;

    public static readonly string[] Columns =
    [
        "schema_version", "study_key", "series_key", "vertebra", "label_source",
        "center_x_mm", "center_y_mm", "center_z_mm", "body_volume_ml", "cement_volume_ml", "fill_pct",
        "cement_left_ml", "cement_right_ml", "left_fraction", "asymmetry_index", "larger_side_fill_pct",
        "crosses_midline", "contralateral_reach_mm", "left_reach_pct", "right_reach_pct",
        "superior_contact", "inferior_contact", "superior_gap_mm", "inferior_gap_mm",
        "superior_contact_pct", "inferior_contact_pct",
        "superior_contact_left", "superior_contact_right", "inferior_contact_left", "inferior_contact_right",
        "bridging_left", "bridging_right", "npec", "npec_type", "components", "sphericity", "solidity",
        "surface_to_volume_mm1", "pattern", "cleft_volume_ml", "leakage_volume_ml", "leak_sites",
        "threshold_hu", "flags", "qc",
        // schema 2: fracture geometry (METRICS.md "Fracture geometry"), appended so schema-1 columns keep their places.
        "height_anterior_mm", "height_middle_mm", "height_posterior_mm", "height_left_mm", "height_right_mm",
        "wedge_angle_deg", "coronal_wedge_angle_deg", "kyphotic_angle_deg", "reference_height_mm", "height_loss_pct",
        "fracture_shape", "genant_grade", "cement_centroid_lr_mm", "cement_centroid_ap_mm", "cement_centroid_si_mm",
        // schema 2: the patient's pseudonym (METRICS.md "Follow-up"), which links a patient's studies.
        "patient_key",
    ];

    /// <summary>The columns schema 2 added (fracture geometry, patient_key), which a schema-1 database gains when it is upgraded.</summary>
    public static IReadOnlyList<string> AddedInSchema2 => Columns[Array.IndexOf(Columns, "height_anterior_mm")..];

    public static readonly string[] PhiColumns = ["patient_id", "study_uid", "series_uid", "study_date"];

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

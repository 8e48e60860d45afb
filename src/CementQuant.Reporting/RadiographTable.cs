namespace CementQuant.Reporting;

/// <summary>The columns of radiographs.csv (shared/spec/METRICS.md, Radiographs), in order; a change here is a schema change.</summary>
public static class RadiographTable
{
    public static readonly string[] Columns =
    [
        "schema_version", "study_key", "series_key", "vertebra", "label_source", "image_key", "view", "image_row", "image_col",
        "body_area_mm2", "cement_area_mm2", "fill_area_pct", "left_fraction", "crosses_midline",
        "superior_gap_mm", "inferior_gap_mm", "superior_contact", "inferior_contact", "npec", "flags", "qc",
        "patient_key", // schema 2 (METRICS.md "Follow-up")
    ];

    public static IReadOnlyList<string> Header(bool includePhi) => includePhi ? [.. Columns, .. VertebraTable.PhiColumns] : Columns;

    public static IReadOnlyList<object?> Row(SeriesIdentity id, string imageKey, RadiographMetrics m, bool includePhi)
    {
        List<object?> row =
        [
            VertebraTable.SchemaVersion, id.StudyKey, id.SeriesKey, m.Vertebra, m.LabelSource, imageKey, m.View, m.ImageRow, m.ImageCol,
            m.BodyAreaMm2, m.CementAreaMm2, m.FillAreaPct, m.LeftFraction, m.CrossesMidline,
            m.SuperiorGapMm, m.InferiorGapMm, m.SuperiorContact, m.InferiorContact, m.Npec, string.Join(';', m.Flags), string.Join(';', m.Qc),
            id.PatientKey,
        ];
        if (includePhi) row.AddRange([id.PatientId, id.StudyUid, id.SeriesUid, id.StudyDate]);
        return row;
    }

    /// <summary>Every row of a series' radiographs, in image order.</summary>
    public static IEnumerable<IReadOnlyList<object?>> Rows(SeriesIdentity id, IEnumerable<AnalysedRadiograph> images, bool includePhi) =>
        images.SelectMany(x => x.Rows.Select(m => Row(id, x.ImageKey, m, includePhi)));
}

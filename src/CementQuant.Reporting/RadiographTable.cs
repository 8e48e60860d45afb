namespace CementQuant.Reporting;

/// <summary>The columns of radiographs.csv (shared/spec/METRICS.md, Radiographs), in order; a change here is a schema change.</summary>
public static class RadiographTable
{
    public static readonly string[] Columns = [.. ColumnCatalog.Radiographs.Select(c => c.Name)];

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

namespace CementQuant.Review;

/// <summary>
/// One row of a finished run that a reviewer can judge: a CT vertebra (vertebrae.csv) or a vertebra on one radiograph
/// view (radiographs.csv), with the flags CementQuant gave it and the run's pictures of it (paths relative to the run).
/// </summary>
/// <param name="Key"><c>series_key/vertebra</c> (CT) or <c>series_key/image_key/vertebra</c> (radiograph).</param>
/// <param name="Kind"><c>CT</c>, or the radiograph's view (<c>AP</c>, <c>LAT</c>).</param>
/// <param name="Cells">The row's cells by column name, as the CSV holds them (for the metrics table).</param>
/// <param name="MetricsHash">Fingerprint of the row's cells (<see cref="RunFolder"/>): decisions made on other cells are set aside.</param>
public sealed record ReviewRow(string Key, string StudyKey, string SeriesKey, string Vertebra, string Kind, string SeriesDescription,
    IReadOnlyList<string> Flags, IReadOnlyList<string> Qc, IReadOnlyList<string> Pictures, IReadOnlyDictionary<string, string> Cells, string MetricsHash = "")
{
    public bool Flagged => Flags.Count > 0;
}

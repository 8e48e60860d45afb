namespace CementQuant.Reporting;

/// <summary>
/// The columns of the <c>reviews</c> table and of <c>reviews.csv</c> (issue #18): reviewers' decisions on the flags of a
/// run's rows, append-only (a decision is never changed or deleted; a later one by the same reviewer supersedes it).
/// <c>seq</c> orders the decisions; <c>row_key</c> is <c>series_key/vertebra</c> for CT rows and
/// <c>series_key/image_key/vertebra</c> for radiograph rows; <c>flag</c> is empty for a decision about the whole row;
/// <c>metrics_hash</c> fingerprints the row's cells as the reviewer saw them, so a rerun that changes the row's metrics
/// sets its decisions aside (<c>needs re-review</c>) while those of unchanged rows stand.
/// </summary>
public static class ReviewTable
{
    public static readonly string[] Columns = [.. ColumnCatalog.Reviews.Select(c => c.Name)];

    /// <summary>The columns vertebrae.csv and radiographs.csv gain once a run has been reviewed (issue #18).</summary>
    public static readonly string[] StateColumns = [.. ColumnCatalog.ReviewStates.Select(c => c.Name)];
}

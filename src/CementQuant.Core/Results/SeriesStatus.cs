namespace CementQuant;

/// <summary>The values of series.csv's <c>status</c> column, exactly as written.</summary>
public static class SeriesStatus
{
    /// <summary>Analysed.</summary>
    public const string Ok = "ok";
    /// <summary>Deliberately not analysed (not a CT volume or radiograph, too few slices).</summary>
    public const string Skipped = "skipped";
    /// <summary>Could not be analysed (broken input, or an internal error).</summary>
    public const string Failed = "failed";
}

namespace CementQuant;

/// <summary>The outcome of one series: analysed (ok), deliberately not analysed (skipped), or failed, and why.</summary>
public sealed record SeriesOutcome
{
    public required SeriesIdentity Identity { get; init; }
    public required string Kind { get; init; }
    public required string Description { get; init; }
    public required string Status { get; init; }
    public required string Reason { get; init; }
    public required IReadOnlyList<string> Files { get; init; }
    public IReadOnlyList<VertebraMetrics> Vertebrae { get; init; } = [];
    /// <summary>A radiograph series' images, each with its rows (radiographs.csv).</summary>
    public IReadOnlyList<AnalysedRadiograph> Radiographs { get; init; } = [];
    /// <summary>Files of this series that could not be used while others were (a radiograph that does not load): rows of problems.csv.</summary>
    public IReadOnlyList<Problem> FileProblems { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];
    public double Seconds { get; init; }
    /// <summary>SHA-256 of each of <see cref="Files"/>, hashed while the files are still in the page cache (provenance).</summary>
    public IReadOnlyList<string> FileSha256 { get; init; } = [];
    /// <summary>Failed through a bug (an unexpected exception), not through its input: never saved for --resume; the run exits 1.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool InternalError { get; init; }
}

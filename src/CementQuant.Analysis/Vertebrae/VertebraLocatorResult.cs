namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// The vertebral bodies found in one CT volume, superior to inferior (index 1 first), and the volume-level
/// QC notes (e.g. <c>NO_SPINE_FOUND</c>, <c>LABELS_BY_INDEX</c>). An empty list with a note is a normal
/// outcome, not an error.
/// </summary>
public sealed record VertebraLocatorResult(IReadOnlyList<VertebraRoi> Vertebrae, IReadOnlyList<string> Qc)
{
    /// <summary>Bodies to measure: everything except the sacrum.</summary>
    public IEnumerable<VertebraRoi> Measurable => Vertebrae.Where(v => !v.IsSacrum);
}

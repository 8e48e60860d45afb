namespace CementQuant;

/// <summary>A position in a radiograph's stored pixel grid: 0-based row and column, pixel centres at whole numbers.</summary>
public readonly record struct PixelPoint(double Row, double Col);

/// <summary>
/// Where the radiograph stage saw one vertebral body, for drawing it (the QA report): the body outline as a closed
/// polygon (walls and endplates), the outlines of the cement found in it, the body's midline (frontal views) and its
/// endplate lines (lateral views), all in stored pixel positions. Plain data: no metric is computed from it.
/// </summary>
public sealed record RadiographOverlay
{
    /// <summary>Corners of the body outline in order (superior-first wall, superior-second wall, inferior-second, inferior-first).</summary>
    public required IReadOnlyList<PixelPoint> Body { get; init; }
    /// <summary>Closed outlines of the cement group measured for this body (in-body and any part outside it).</summary>
    public IReadOnlyList<IReadOnlyList<PixelPoint>> Cement { get; init; } = [];
    /// <summary>Frontal views: the midline between the walls, from the superior to the inferior endplate; empty otherwise.</summary>
    public IReadOnlyList<PixelPoint> Midline { get; init; } = [];
    /// <summary>Lateral views: the superior and inferior endplate lines between the walls; empty otherwise.</summary>
    public IReadOnlyList<PixelPoint> SuperiorEndplate { get; init; } = [];
    public IReadOnlyList<PixelPoint> InferiorEndplate { get; init; } = [];
}

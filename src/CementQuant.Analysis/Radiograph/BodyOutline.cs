namespace CementQuant.Analysis.Radiograph;

/// <summary>
/// A vertebral body in its <see cref="BodyWindow"/> (pixels of the window): side walls as lines x(y) (AP: patient
/// right then left; lateral: anterior then posterior wall) and endplate lines y(x) (superior, inferior).
/// </summary>
internal sealed class BodyOutline
{
    public required BodyWindow Window { get; init; }
    public required Line First { get; init; }
    public required Line Second { get; init; }
    public required Line Superior { get; init; }
    public required Line Inferior { get; init; }
    public required double CentroidX { get; init; }
    public required double CentroidY { get; init; }
    public required long AreaPx { get; init; }
    /// <summary>0..1: edge contrast of the four sides over the image noise, times how well their points fit lines.</summary>
    public required double Confidence { get; init; }

    /// <summary>Per-column endplate edges measured where no cement hides them (window column → row).</summary>
    public IReadOnlyDictionary<int, double> SuperiorSeen { get; init; } = new Dictionary<int, double>();
    public IReadOnlyDictionary<int, double> InferiorSeen { get; init; } = new Dictionary<int, double>();

    /// <summary>Inside the walls and between the endplates, the endplates widened by <paramref name="slackPx"/>.</summary>
    public bool Contains(double x, double y, double slackPx) =>
        x >= First.At(y) && x <= Second.At(y) && y >= Superior.At(x) - slackPx && y <= Inferior.At(x) + slackPx;

    /// <summary>Distance of a window position from the midline (halfway between the walls), mm, positive toward +x.</summary>
    public double SignedMidlineDistanceMm(double x, double y)
    {
        var a = (First.A + Second.A) / 2; var b = (First.B + Second.B) / 2;
        return (x - (a + b * y)) * Window.S / Math.Sqrt(1 + b * b);
    }
}

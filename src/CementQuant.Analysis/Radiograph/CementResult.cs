namespace CementQuant.Analysis.Radiograph;

/// <summary>What cement detection found: groups, the residual image with cement painted out (for edge finding
/// underneath it), the bone contrast scale, and notes.</summary>
internal sealed record CementResult(IReadOnlyList<CementGroup> Groups, float[] Residual, float[] Painted, byte[] PaintedMask, double BoneScale, double MaxOverBone, bool Metal, IReadOnlyList<string> Notes)
{
    /// <summary>Residual above the local background (r − local), for edge refinement; null without cement.</summary>
    public float[]? Contrast { get; init; }
    /// <summary>Median contrast of the cement seeds.</summary>
    public double Level { get; init; }
}

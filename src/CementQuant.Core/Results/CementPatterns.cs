namespace CementQuant;

/// <summary>The values of the <c>pattern</c> column (shared/spec/METRICS.md), exactly as written.</summary>
public static class CementPatterns
{
    public const string None = "none";
    /// <summary>A compact lump that does not interdigitate with the trabeculae ("blocky").</summary>
    public const string MassLike = "mass_like";
    public const string Trabecular = "trabecular";
    public const string Mixed = "mixed";
}

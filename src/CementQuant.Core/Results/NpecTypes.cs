namespace CementQuant;

/// <summary>The values of the <c>npec_type</c> column (shared/spec/METRICS.md), exactly as written.</summary>
public static class NpecTypes
{
    public const string None = "none";
    /// <summary>B1: cement touches the superior endplate only.</summary>
    public const string SuperiorOnly = "superior_only";
    /// <summary>B2: cement touches the inferior endplate only.</summary>
    public const string InferiorOnly = "inferior_only";
    /// <summary>B3: cement touches neither endplate.</summary>
    public const string Neither = "neither";
}

namespace CementQuant.Analysis.Fracture;

/// <summary>fracture_shape values (METRICS.md): which height-loss term is largest.</summary>
public static class FractureShapes
{
    public const string None = "none";
    public const string Wedge = "wedge";
    public const string Biconcave = "biconcave";
    public const string Crush = "crush";
    public const string LateralWedge = "lateral_wedge";
}

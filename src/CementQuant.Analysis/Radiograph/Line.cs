namespace CementQuant.Analysis.Radiograph;

/// <summary>A straight line x = A + B·y (side walls) or y = A + B·x (endplates) with its fit quality.</summary>
internal readonly record struct Line(double A, double B, double InlierFraction, double RmsPx)
{
    public double At(double t) => A + B * t;
}

namespace CementQuant.Analysis.Vertebrae;

/// <summary>A height surface h(u, v) = A + B·u + C·v + D·(u² + v²) (D = 0 for a plane) fitted to N points.</summary>
internal readonly record struct HeightFit(double A, double B, double C, double D, int N)
{
    public double At(double u, double v) => A + B * u + C * v + D * (u * u + v * v);
}

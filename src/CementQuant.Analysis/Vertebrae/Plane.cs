namespace CementQuant.Analysis.Vertebrae;

/// <summary>A plane through Point with unit Normal; "inside" is the side the normal points to.</summary>
internal readonly record struct Plane(Vec3 Point, Vec3 Normal)
{
    public double Signed(Vec3 p) => (p - Point).Dot(Normal);
}

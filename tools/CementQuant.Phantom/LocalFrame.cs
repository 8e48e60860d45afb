namespace CementQuant.Phantom;

/// <summary>
/// A right-handed orthonormal frame in patient LPS space. Local coordinates (u, v, w) of a point p are
/// ((p − Origin)·U, (p − Origin)·V, (p − Origin)·W). For a vertebra, U points to the patient's left and
/// is the normal of the vertebra's true midsagittal plane, V points posterior and W cranial, so with no
/// rotation the frame coincides with LPS.
/// </summary>
public readonly record struct LocalFrame(Vec3 Origin, Vec3 U, Vec3 V, Vec3 W)
{
    public static LocalFrame Identity(Vec3 origin) => new(origin, new Vec3(1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 1));

    public Vec3 ToLocal(Vec3 p)
    {
        var d = p - Origin;
        return new Vec3(d.Dot(U), d.Dot(V), d.Dot(W));
    }

    public Vec3 ToPatient(Vec3 local) => Origin + U * local.X + V * local.Y + W * local.Z;

    public Vec3 ToPatient(double u, double v, double w) => Origin + U * u + V * v + W * w;

    /// <summary>A direction given in local coordinates, in patient coordinates.</summary>
    public Vec3 DirectionToPatient(Vec3 local) => U * local.X + V * local.Y + W * local.Z;

    /// <summary>Rotates <paramref name="x"/> about the unit <paramref name="axis"/> by <paramref name="radians"/>
    /// (right-hand rule, Rodrigues' formula).</summary>
    public static Vec3 Rotate(Vec3 x, Vec3 axis, double radians)
    {
        var c = Math.Cos(radians);
        var s = Math.Sin(radians);
        return x * c + axis.Cross(x) * s + axis * (axis.Dot(x) * (1 - c));
    }
}

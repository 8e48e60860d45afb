namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// A surface given as heights along <see cref="Axis"/> over the plane through <see cref="Origin"/> spanned by
/// <see cref="U"/> and <see cref="V"/>; <see cref="Signed"/> is positive on the side <see cref="Sign"/> points to
/// (+1: toward +Axis). An endplate is such a surface: a plane bowed by its concavity.
/// </summary>
internal sealed record HeightSurface(Vec3 Origin, Vec3 U, Vec3 V, Vec3 Axis, HeightFit Fit, double Sign)
{
    /// <summary>Distance of p from the surface along the axis, positive on the inside.</summary>
    public double Signed(Vec3 p) => SignedLocal(Local(p - Origin));

    /// <summary>The surface's (u, v, w) coordinates of a displacement (from <see cref="Origin"/> for a point): add them up along a row of voxels.</summary>
    public Vec3 Local(Vec3 d) => new(d.Dot(U), d.Dot(V), d.Dot(Axis));

    /// <summary><see cref="Signed"/> from the point's (u, v, w) coordinates.</summary>
    public double SignedLocal(Vec3 local) => Sign * (local.Z - Fit.At(local.X, local.Y));
}

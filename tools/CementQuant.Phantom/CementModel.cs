namespace CementQuant.Phantom;

/// <summary>Where a piece of cement sits. <see cref="Body"/> shapes are clipped to their vertebral body;
/// every other site is a leak, clipped to outside all vertebral bodies. Names match METRICS.md leak_sites.</summary>
public enum CementSite
{
    Body,
    IntradiscalSuperior,
    IntradiscalInferior,
    Paravertebral,
    SpinalCanal,
    Foraminal,
    Venous,
}

/// <summary>
/// One piece of cement, described in the local frame (u left, v posterior, w cranial, millimetres, origin at
/// the body's geometric centre) of the vertebra that owns it. A shape is mass-like (a solid lump) unless
/// <see cref="Interdigitated"/>, in which case it fills only the trabecular spaces inside its outline (a
/// deterministic pore field fixed in patient space), giving the high surface-to-volume "spongy" pattern.
/// </summary>
public abstract record CementShape(CementSite Site, bool Interdigitated)
{
    /// <summary>Cement fraction of the trabecular pore field used by interdigitated shapes: cement where the
    /// pore noise exceeds this threshold (−0.1 fills about 60% of the outline).</summary>
    public double PoreThreshold { get; init; } = -0.1;

    internal abstract bool ContainsOutline(Vec3 local, VertebraModel owner);

    /// <summary>Axis-aligned bounds of the outline in the owner's local frame.</summary>
    internal abstract (Vec3 Min, Vec3 Max) LocalBounds(VertebraModel owner);

    internal bool Contains(Vec3 local, Vec3 patient, VertebraModel owner, uint textureSeed)
    {
        if (!ContainsOutline(local, owner)) return false;
        return !Interdigitated || PoreField(patient, textureSeed) > PoreThreshold;
    }

    /// <summary>Trabecular pore field: ~1.5 mm features, slightly elongated cranio-caudally like
    /// osteoporotic vertical trabeculae.</summary>
    internal static double PoreField(Vec3 p, uint seed) =>
        ValueNoise.Sample(p.X / 1.5, p.Y / 1.5, p.Z / 2.2, seed ^ 0x5EED5u);
}

/// <summary>An ellipsoid with axes along the local frame. <c>Sphere</c> for the hand-checkable case.</summary>
public sealed record CementEllipsoid(Vec3 Center, Vec3 SemiAxes, CementSite Site = CementSite.Body, bool Interdigitated = false)
    : CementShape(Site, Interdigitated)
{
    public static CementEllipsoid Sphere(Vec3 center, double radius, CementSite site = CementSite.Body) =>
        new(center, new Vec3(radius, radius, radius), site);

    internal override bool ContainsOutline(Vec3 l, VertebraModel owner)
    {
        var x = (l.X - Center.X) / SemiAxes.X;
        var y = (l.Y - Center.Y) / SemiAxes.Y;
        var z = (l.Z - Center.Z) / SemiAxes.Z;
        return x * x + y * y + z * z <= 1.0;
    }

    internal override (Vec3 Min, Vec3 Max) LocalBounds(VertebraModel owner) => (Center - SemiAxes, Center + SemiAxes);
}

/// <summary>
/// A cranio-caudal elliptic column of cement centred at local (U, V), filling the body from the inferior
/// endplate surface (plus <see cref="InferiorGap"/>) up to the superior endplate surface (minus
/// <see cref="SuperiorGap"/>): the typical bipedicular vertebroplasty pillar. Gaps in millimetres measured
/// along the cranio-caudal axis; 0 means the column touches the endplate.
/// </summary>
public sealed record CementColumn(double U, double V, double RadiusU, double RadiusV,
    double SuperiorGap = 0, double InferiorGap = 0, bool Interdigitated = false)
    : CementShape(CementSite.Body, Interdigitated)
{
    internal override bool ContainsOutline(Vec3 l, VertebraModel owner)
    {
        var x = (l.X - U) / RadiusU;
        var y = (l.Y - V) / RadiusV;
        if (x * x + y * y > 1.0) return false;
        return l.Z <= owner.SuperiorEndplateW(l.X, l.Y) - SuperiorGap
            && l.Z >= owner.InferiorEndplateW(l.X, l.Y) + InferiorGap;
    }

    internal override (Vec3 Min, Vec3 Max) LocalBounds(VertebraModel owner) =>
        (new Vec3(U - RadiusU, V - RadiusV, -owner.HalfHeight), new Vec3(U + RadiusU, V + RadiusV, owner.HalfHeight));
}

/// <summary>A tube of cement along a polyline (capsules joined end to end): a venous leak, a needle tract.</summary>
public sealed record CementTube(IReadOnlyList<Vec3> Path, double Radius, CementSite Site = CementSite.Venous)
    : CementShape(Site, false)
{
    internal override bool ContainsOutline(Vec3 l, VertebraModel owner)
    {
        var r2 = Radius * Radius;
        for (var i = 0; i + 1 < Path.Count; i++)
        {
            if (Geometry3.SegmentDistanceSquared(l, Path[i], Path[i + 1]) <= r2) return true;
        }
        return false;
    }

    internal override (Vec3 Min, Vec3 Max) LocalBounds(VertebraModel owner)
    {
        var min = Path[0]; var max = Path[0];
        foreach (var p in Path)
        {
            min = new Vec3(Math.Min(min.X, p.X), Math.Min(min.Y, p.Y), Math.Min(min.Z, p.Z));
            max = new Vec3(Math.Max(max.X, p.X), Math.Max(max.Y, p.Y), Math.Max(max.Z, p.Z));
        }
        var r = new Vec3(Radius, Radius, Radius);
        return (min - r, max + r);
    }
}

/// <summary>The cement of one vertebra: its shapes (in-body and leaks) and its CT number.</summary>
public sealed record CementModel(IReadOnlyList<CementShape> Shapes)
{
    public CementModel(params CementShape[] shapes) : this((IReadOnlyList<CementShape>)shapes) { }

    /// <summary>CT number of the cement (barium or zirconia opacified PMMA), HU. The CT clips at 3071.</summary>
    public double Hu { get; init; } = 2600;
}

/// <summary>An intravertebral cleft (gas, about −900 HU, or fluid, about 10 HU): an ellipsoid in the owner's
/// local frame, clipped to the body; cement takes precedence where both are present.</summary>
public sealed record CleftModel(Vec3 Center, Vec3 SemiAxes, double Hu = -900)
{
    internal bool Contains(Vec3 l)
    {
        var x = (l.X - Center.X) / SemiAxes.X;
        var y = (l.Y - Center.Y) / SemiAxes.Y;
        var z = (l.Z - Center.Z) / SemiAxes.Z;
        return x * x + y * y + z * z <= 1.0;
    }
}

internal static class Geometry3
{
    public static double SegmentDistanceSquared(Vec3 p, Vec3 a, Vec3 b)
    {
        var ab = b - a;
        var ap = p - a;
        var len2 = ab.Dot(ab);
        var t = len2 > 0 ? Math.Clamp(ap.Dot(ab) / len2, 0, 1) : 0;
        var d = ap - ab * t;
        return d.Dot(d);
    }
}

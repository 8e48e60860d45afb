namespace CementQuant.Phantom;

/// <summary>
/// Parameters of one vertebra. Sizes in millimetres: <see cref="Width"/> is the body's lateral extent,
/// <see cref="Depth"/> its antero-posterior extent, <see cref="Height"/> its height at the rim (the centre is
/// lower by twice <see cref="EndplateConcavity"/>). Angles in degrees: <see cref="AxialRotationDeg"/> is a
/// right-hand rotation about the cranial axis (positive turns the anterior surface toward the patient's
/// left), <see cref="LateralTiltDeg"/> tilts the cranial axis toward the patient's left (coronal plane).
/// <see cref="Offset"/> moves the vertebra in patient LPS after the column is stacked (scoliosis, listhesis).
/// <see cref="DiscBelow"/> is the height of the disc under this vertebra.
/// </summary>
public sealed record VertebraSpec(string Name)
{
    public double Width { get; init; } = 45;
    public double Depth { get; init; } = 33;
    public double Height { get; init; } = 27;
    public double EndplateConcavity { get; init; } = 1.5;
    /// <summary>Depth of the concave posterior wall that makes the section kidney shaped, mm.</summary>
    public double PosteriorIndent { get; init; } = 4;
    public double CorticalThickness { get; init; } = 1.0;
    public double EndplateThickness { get; init; } = 1.0;
    public double AxialRotationDeg { get; init; }
    public double LateralTiltDeg { get; init; }
    public Vec3 Offset { get; init; }
    public double DiscBelow { get; init; } = 10;
    public bool IsSacrum { get; init; }
    /// <summary>Mean CT number of the (osteoporotic) trabecular bone, HU.</summary>
    public double TrabecularHu { get; init; } = 100;
    public CementModel? Cement { get; init; }
    public CleftModel? Cleft { get; init; }
    /// <summary>A fracture: how the endplates are pushed into the body (null: intact).</summary>
    public FractureModel? Fracture { get; init; }
}

/// <summary>
/// A vertebral fracture as depressions of the endplates into the body, mm, in the vertebra's local frame
/// (u toward the patient's left, v posterior): <see cref="WedgeMm"/> lowers the superior endplate linearly from
/// nothing at the posterior edge of the section to this at its anterior edge (an anterior wedge);
/// <see cref="BiconcaveMm"/> deepens both endplates' bowls by this at the centre (biconcave, the rim kept);
/// <see cref="RightCollapseMm"/> lowers the superior endplate of the patient's right half linearly from nothing at
/// the midline to this at the right wall (a lateral wedge, as in the worked example's re-fracture). A crush
/// (uniform loss) is a lower <see cref="VertebraSpec.Height"/> than the neighbours'.
/// </summary>
public sealed record FractureModel(double WedgeMm = 0, double BiconcaveMm = 0, double RightCollapseMm = 0);

/// <summary>
/// One vertebra placed in patient space: the spec plus its local frame. All shape functions take local
/// coordinates (u toward patient left, v posterior, w cranial; origin at the body's geometric centre, the
/// midpoint of the axis between the endplate rims). The true midsagittal plane is u = 0: point
/// <see cref="MidsagittalPoint"/>, normal <see cref="MidsagittalNormal"/> (pointing to the patient's left).
/// </summary>
public sealed class VertebraModel
{
    private const double IndentWidth = 0.45; // radians, Gaussian half-width of the posterior concavity
    private readonly Capsule[] _posterior;

    internal VertebraModel(VertebraSpec spec, int label, LocalFrame frame)
    {
        Spec = spec;
        Label = label;
        Frame = frame;
        HalfWidth = spec.Width / 2;
        HalfDepth = spec.Depth / 2;
        HalfHeight = spec.Height / 2;
        CanalCenterV = HalfDepth + 7;
        CanalRadiusU = 11;
        CanalRadiusV = 8;
        _posterior = BuildPosteriorElements();
        var posteriorExtent = spec.IsSacrum ? HalfDepth + 12 : CanalCenterV + CanalRadiusV + 38;
        var lateralExtent = spec.IsSacrum ? HalfWidth + 42 : HalfWidth + 30;
        LocalExtentMin = new Vec3(-lateralExtent, -HalfDepth - 1, -HalfHeight - 14);
        LocalExtentMax = new Vec3(lateralExtent, posteriorExtent, HalfHeight + 14);
    }

    public VertebraSpec Spec { get; }
    public string Name => Spec.Name;
    /// <summary>1-based number from superior to inferior; the value written in BodyLabels.</summary>
    public int Label { get; }
    public LocalFrame Frame { get; }
    public double HalfWidth { get; }
    public double HalfDepth { get; }
    public double HalfHeight { get; }
    public double CanalCenterV { get; }
    public double CanalRadiusU { get; }
    public double CanalRadiusV { get; }
    internal Vec3 LocalExtentMin { get; }
    internal Vec3 LocalExtentMax { get; }

    public Vec3 MidsagittalPoint => Frame.Origin;
    public Vec3 MidsagittalNormal => Frame.U;
    public Vec3 CranialAxis => Frame.W;

    /// <summary>Radius of the body's axial section in direction θ = atan2(v, u): an ellipse with a Gaussian
    /// concavity centred on the posterior direction (θ = π/2), giving the kidney shape.</summary>
    public double SectionRadius(double theta)
    {
        var a = HalfWidth; var b = HalfDepth;
        var c = Math.Cos(theta); var s = Math.Sin(theta);
        var ell = a * b / Math.Sqrt(b * b * c * c + a * a * s * s);
        var d = (theta - Math.PI / 2) / IndentWidth;
        return ell - Spec.PosteriorIndent * Math.Exp(-d * d);
    }

    private double SectionRadiusDerivative(double theta, double r)
    {
        var a = HalfWidth; var b = HalfDepth;
        var c = Math.Cos(theta); var s = Math.Sin(theta);
        var q = b * b * c * c + a * a * s * s;
        var dEll = -a * b * (a * a - b * b) * s * c / (q * Math.Sqrt(q));
        var d = (theta - Math.PI / 2) / IndentWidth;
        var dIndent = Spec.PosteriorIndent * Math.Exp(-d * d) * (-2 * d / IndentWidth);
        _ = r;
        return dEll - dIndent;
    }

    /// <summary>Normalised radius ρ/R(θ) of a local (u, v): 0 on the axis, 1 on the body's side wall.</summary>
    public double NormalizedRadius(double u, double v)
    {
        var rho = Math.Sqrt(u * u + v * v);
        return rho == 0 ? 0 : rho / SectionRadius(Math.Atan2(v, u));
    }

    /// <summary><see cref="NormalizedRadius"/> &gt; <paramref name="limit"/>, decided by the enclosing ellipse where it
    /// can be (the section never reaches beyond it) so the trigonometry runs only near the body.</summary>
    internal bool BeyondRadius(double u, double v, double limit)
    {
        var qu = u / HalfWidth; var qv = v / HalfDepth;
        if (qu * qu + qv * qv > limit * limit * (1 + 1e-9)) return true;
        return NormalizedRadius(u, v) > limit;
    }

    /// <summary>Local w of the superior endplate surface (the body's upper boundary) above (u, v):
    /// h/2 − c·(1 − ρn²), a concave bowl of depth c; held at the rim value outside the section.</summary>
    public double SuperiorEndplateW(double u, double v)
    {
        var rn = Math.Min(1.0, NormalizedRadius(u, v));
        return HalfHeight - Spec.EndplateConcavity * (1 - rn * rn) - SuperiorDepression(u, v, rn);
    }

    /// <summary>Local w of the inferior endplate surface (the body's lower boundary): the mirror of the intact
    /// superior one, raised by a biconcave fracture.</summary>
    public double InferiorEndplateW(double u, double v)
    {
        var rn = Math.Min(1.0, NormalizedRadius(u, v));
        return -(HalfHeight - Spec.EndplateConcavity * (1 - rn * rn)) + InferiorDepression(rn);
    }

    /// <summary>How far a fracture (<see cref="VertebraSpec.Fracture"/>) lowers the superior endplate at (u, v), mm.</summary>
    private double SuperiorDepression(double u, double v, double rn)
    {
        if (Spec.Fracture is not { } f) return 0;
        var wedge = f.WedgeMm * Math.Clamp((HalfDepth - v) / (2 * HalfDepth), 0, 1);
        var lateral = f.RightCollapseMm * Math.Clamp(-u / HalfWidth, 0, 1);
        return wedge + lateral + f.BiconcaveMm * (1 - rn * rn);
    }

    private double InferiorDepression(double rn) => Spec.Fracture is { } f ? f.BiconcaveMm * (1 - rn * rn) : 0;

    /// <summary>True when the local point is inside the vertebral body (cortex included).</summary>
    public bool InBody(Vec3 l) => TryBody(l, out _, out _, out _);

    /// <summary>Body membership with the distances to the side wall (along the section normal) and to the
    /// superior and inferior endplate surfaces (along w), for the cortical and endplate layers.</summary>
    internal bool TryBody(Vec3 l, out double dLat, out double dSup, out double dInf)
    {
        dLat = dSup = dInf = 0;
        if (l.Z > HalfHeight || l.Z < -HalfHeight) return false;
        var qu = l.X / HalfWidth; var qv = l.Y / HalfDepth;
        if (qu * qu + qv * qv > 1.0) return false;
        var rho = Math.Sqrt(l.X * l.X + l.Y * l.Y);
        var theta = Math.Atan2(l.Y, l.X);
        var r = SectionRadius(theta);
        if (rho > r) return false;
        var rn = rho / r;
        var ws = HalfHeight - Spec.EndplateConcavity * (1 - rn * rn);
        var wSup = ws - SuperiorDepression(l.X, l.Y, rn);
        var wInf = -ws + InferiorDepression(rn);
        if (l.Z > wSup || l.Z < wInf) return false;
        dSup = wSup - l.Z;
        dInf = l.Z - wInf;
        var dr = SectionRadiusDerivative(theta, r);
        dLat = (r - rho) * r / Math.Sqrt(r * r + dr * dr);
        return true;
    }

    /// <summary>Inside the spinal canal's section (an ellipse behind the body) at any height.</summary>
    public bool InCanal(Vec3 l)
    {
        var x = l.X / CanalRadiusU;
        var y = (l.Y - CanalCenterV) / CanalRadiusV;
        return x * x + y * y <= 1.0;
    }

    /// <summary>Distance-like value to the posterior elements (pedicles, laminae, spinous, transverse and
    /// articular processes): inside, minus the depth below the surface in mm (the cortex is the outer 1 mm);
    /// outside, a positive value.</summary>
    internal double PosteriorDistance(Vec3 l)
    {
        var best = double.MaxValue;
        foreach (ref readonly var c in _posterior.AsSpan())
        {
            var d = c.Distance(l);
            if (d < best) best = d;
        }
        return best;
    }

    /// <summary>Local boxes that hold every posterior element (pedicles, laminae, processes).</summary>
    internal IEnumerable<(Vec3 Min, Vec3 Max)> PosteriorBounds => _posterior.Select(c => (c.Min, c.Max));

    private Capsule[] BuildPosteriorElements()
    {
        var a = HalfWidth; var b = HalfDepth; var h = HalfHeight; var vc = CanalCenterV; var rv = CanalRadiusV;
        var list = new List<Capsule>();
        var pu = Math.Max(CanalRadiusU + 2.5, 0.55 * a);
        if (Spec.IsSacrum)
        {
            foreach (var side in new[] { -1.0, 1.0 })
            {
                list.Add(new Capsule(new Vec3(side * 0.5 * a, b - 4, 0), new Vec3(side * (a + 30), b + 4, -4), 10, 1.2));
                list.Add(new Capsule(new Vec3(side * pu, vc, 2), new Vec3(side * 4, vc + rv + 3, 0), 3, 2.0));
            }
            return list.ToArray();
        }
        foreach (var side in new[] { -1.0, 1.0 })
        {
            list.Add(new Capsule(new Vec3(side * pu, b - 6, 2), new Vec3(side * pu, vc + 3, 2), 4.5, 1.5)); // pedicle
            list.Add(new Capsule(new Vec3(side * pu, vc + 4, 0), new Vec3(0, vc + rv + 3, -2), 3, 2.5)); // lamina
            list.Add(new Capsule(new Vec3(side * (pu + 2), vc + 1, 3), new Vec3(side * (a + 24), vc + 2, 4), 2.8, 1.8)); // transverse
            list.Add(new Capsule(new Vec3(side * (pu + 2), vc + 6, 2), new Vec3(side * (pu + 3), vc + 9, h + 6), 3.5, 1.0)); // superior articular
            list.Add(new Capsule(new Vec3(side * (pu - 1), vc + 9, -2), new Vec3(side * pu, vc + 11, -h - 6), 3.5, 1.0)); // inferior articular
        }
        list.Add(new Capsule(new Vec3(0, vc + rv + 3, -2), new Vec3(0, vc + rv + 32, -8), 3, 3.5)); // spinous
        return list.ToArray();
    }

    /// <summary>A capsule (segment with radius) in a space whose w axis is compressed by <c>WScale</c>,
    /// so a round capsule becomes taller than wide.</summary>
    private readonly struct Capsule
    {
        private readonly Vec3 _a, _b, _min, _max;
        private readonly double _r, _wInv;

        public Capsule(Vec3 a, Vec3 b, double radius, double wScale)
        {
            _wInv = 1 / wScale;
            _a = new Vec3(a.X, a.Y, a.Z * _wInv);
            _b = new Vec3(b.X, b.Y, b.Z * _wInv);
            _r = radius;
            // Bounds in unscaled local coordinates, for a quick reject (points outside are at distance > 0).
            var rz = radius * wScale;
            _min = new Vec3(Math.Min(a.X, b.X) - radius, Math.Min(a.Y, b.Y) - radius, Math.Min(a.Z, b.Z) - rz);
            _max = new Vec3(Math.Max(a.X, b.X) + radius, Math.Max(a.Y, b.Y) + radius, Math.Max(a.Z, b.Z) + rz);
        }

        public Vec3 Min => _min;
        public Vec3 Max => _max;

        /// <summary>Distance-like value: negative inside (depth), +∞ outside the capsule's bounds.</summary>
        public double Distance(Vec3 l)
        {
            if (l.X < _min.X || l.X > _max.X || l.Y < _min.Y || l.Y > _max.Y || l.Z < _min.Z || l.Z > _max.Z) return double.PositiveInfinity;
            var p = new Vec3(l.X, l.Y, l.Z * _wInv);
            var d2 = Geometry3.SegmentDistanceSquared(p, _a, _b);
            return d2 >= _r * _r ? 1.0 : Math.Sqrt(d2) - _r;
        }
    }
}

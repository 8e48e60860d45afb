namespace CementQuant.Phantom;

/// <summary>
/// The true fracture geometry of one body (shared/spec/METRICS.md "Fracture geometry"), from the continuous model:
/// walls from the body's section (<see cref="VertebraModel.SectionRadius"/>), heights between the true endplate
/// surfaces along the body's cranio-caudal axis as METRICS.md defines it (normal to the mean endplate plane: planes
/// fitted to the true surfaces, so a wedge or a one-sided collapse tilts it), at the positions the spec names, in the
/// true midsagittal plane. Angles in degrees, signs as METRICS.md.
/// </summary>
public sealed record FractureTruth
{
    public required double HeightAnteriorMm { get; init; }
    public required double HeightMiddleMm { get; init; }
    public required double HeightPosteriorMm { get; init; }
    public required double HeightLeftMm { get; init; }
    public required double HeightRightMm { get; init; }
    public required double WedgeAngleDeg { get; init; }
    public required double CoronalWedgeAngleDeg { get; init; }
    public double? KyphoticAngleDeg { get; init; }
    public double? ReferenceHeightMm { get; init; }
    public required double HeightLossPct { get; init; }
    public required string FractureShape { get; init; }
    public required int GenantGrade { get; init; }
}

/// <summary>Computes <see cref="FractureTruth"/> for every body of a spine (the sacrum excluded) by METRICS.md's definitions.</summary>
public static class FractureTruthCalculator
{
    /// <summary>METRICS.md: anterior and posterior heights 5 mm inside the walls.</summary>
    public const double WallInsetMm = 5;
    /// <summary>METRICS.md Genant bounds (height loss %, grade 1 from 20, 2 from 25, 3 above 40).</summary>
    public const double Grade1Pct = 20, Grade2Pct = 25, Grade3Pct = 40;
    private const double Deg = 180 / Math.PI;

    private sealed record Own(double Ha, double Hm, double Hp, double Hl, double Hr, double Wedge, double Coronal,
        Vec3 SupA, Vec3 SupP, Vec3 InfA, Vec3 InfP, Vec3 Posterior, Vec3 Superior);

    public static int Grade(double lossPct) => lossPct < Grade1Pct ? 0 : lossPct < Grade2Pct ? 1 : lossPct <= Grade3Pct ? 2 : 3;

    /// <summary>Per vertebra of <paramref name="model"/>, in order: its truth, or null for the sacrum.</summary>
    public static IReadOnlyList<FractureTruth?> Compute(SpineModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var vs = model.Vertebrae.Where(v => !v.Spec.IsSacrum).ToList();
        var own = vs.Select(OwnOf).ToArray();
        double[] Terms(Own o, double? r) =>
            [1 - o.Ha / o.Hp, 1 - o.Hm / o.Hp, r is { } x ? 1 - o.Hp / x : double.NegativeInfinity, 1 - Math.Min(o.Hl, o.Hr) / Math.Max(o.Hl, o.Hr)];
        var fractured = own.Select(o => Grade(100 * Terms(o, null).Max()) >= 1).ToArray();
        var reference = new double?[vs.Count];
        for (var pass = 0; pass < 4; pass++)
        {
            for (var i = 0; i < vs.Count; i++)
            {
                double? a = null, b = null;
                for (var j = i - 1; j >= 0 && a is null; j--) if (!fractured[j]) a = own[j].Hp;
                for (var j = i + 1; j < vs.Count && b is null; j++) if (!fractured[j]) b = own[j].Hp;
                reference[i] = a is { } x && b is { } y ? (x + y) / 2 : a ?? b;
            }
            for (var i = 0; i < vs.Count; i++) fractured[i] = Grade(Math.Max(0, 100 * Terms(own[i], reference[i]).Max())) >= 1;
        }
        string[] shapes = ["wedge", "biconcave", "crush", "lateral_wedge"];
        var byModel = new Dictionary<VertebraModel, FractureTruth>();
        for (var i = 0; i < vs.Count; i++)
        {
            var o = own[i];
            var t = Terms(o, reference[i]);
            var k = Array.IndexOf(t, t.Max());
            var loss = Math.Max(0, 100 * t[k]);
            var grade = Grade(loss);
            double? kyph = null;
            if (i > 0 && i < vs.Count - 1)
            {
                var me = own[i];
                double Slope(Vec3 a, Vec3 p) { var d = p - a; return Math.Atan2(d.Dot(me.Superior), d.Dot(me.Posterior)); }
                kyph = Deg * (Slope(own[i - 1].SupA, own[i - 1].SupP) - Slope(own[i + 1].InfA, own[i + 1].InfP));
            }
            byModel[vs[i]] = new FractureTruth
            {
                HeightAnteriorMm = o.Ha, HeightMiddleMm = o.Hm, HeightPosteriorMm = o.Hp, HeightLeftMm = o.Hl, HeightRightMm = o.Hr,
                WedgeAngleDeg = o.Wedge, CoronalWedgeAngleDeg = o.Coronal, KyphoticAngleDeg = kyph,
                ReferenceHeightMm = reference[i], HeightLossPct = loss, GenantGrade = grade,
                FractureShape = grade == 0 ? "none" : shapes[k],
            };
        }
        return [.. model.Vertebrae.Select(v => byModel.TryGetValue(v, out var t) ? t : null)];
    }

    private static Own OwnOf(VertebraModel m)
    {
        // Walls: anterior (θ = −90°) and posterior (θ = 90°) on the midsagittal line, right (θ = 180°) and left (θ = 0)
        // on the coronal line through the centroid.
        var c = TruthCalculator.BodyIntegrals(m).LocalCentroid;
        double vAnt = -m.SectionRadius(-Math.PI / 2), vPost = m.SectionRadius(Math.PI / 2);
        double uLeft = Wall(m, c.Y, +1), uRight = Wall(m, c.Y, -1);
        double va = vAnt + WallInsetMm, vp = vPost - WallInsetMm, vm = (vAnt + vPost) / 2, ul = uLeft / 2, ur = uRight / 2;
        // The cranio-caudal axis: the mean of the normals of planes fitted to the two true endplates (model-local).
        var axis = (PlaneNormal(m, m.SuperiorEndplateW) + PlaneNormal(m, m.InferiorEndplateW)).Normalized();
        var lateral = (new Vec3(1, 0, 0) - axis * axis.X).Normalized();
        var posterior = axis.Cross(lateral);
        // Endplate points on the axis-parallel line through (u, v) at the centroid's height.
        Vec3 Hit(double u, double v, Func<double, double, double> surface)
        {
            var p0 = new Vec3(u, v, c.Z);
            double lo = -2 * m.HalfHeight, hi = 2 * m.HalfHeight;
            double G(double t) { var p = p0 + axis * t; return p.Z - surface(p.X, p.Y); }
            var glo = G(lo);
            for (var it = 0; it < 60; it++)
            {
                var mid = (lo + hi) / 2; var gm = G(mid);
                if (Math.Sign(gm) == Math.Sign(glo)) { lo = mid; glo = gm; } else hi = mid;
            }
            return p0 + axis * ((lo + hi) / 2);
        }
        var (sa, ia) = (Hit(0, va, m.SuperiorEndplateW), Hit(0, va, m.InferiorEndplateW));
        var (sm, im) = (Hit(0, vm, m.SuperiorEndplateW), Hit(0, vm, m.InferiorEndplateW));
        var (sp, ip) = (Hit(0, vp, m.SuperiorEndplateW), Hit(0, vp, m.InferiorEndplateW));
        var (sl, il) = (Hit(ul, c.Y, m.SuperiorEndplateW), Hit(ul, c.Y, m.InferiorEndplateW));
        var (sr, ir) = (Hit(ur, c.Y, m.SuperiorEndplateW), Hit(ur, c.Y, m.InferiorEndplateW));
        double H(Vec3 s, Vec3 i) => (s - i).Dot(axis);
        double Angle(Vec3 a, Vec3 b, Vec3 along) { var d = b - a; return Math.Atan2(d.Dot(axis), d.Dot(along)); }
        var wedge = Deg * (Angle(sa, sp, posterior) - Angle(ia, ip, posterior));
        var coronal = Deg * (Angle(sr, sl, lateral) - Angle(ir, il, lateral));
        var f = m.Frame;
        return new Own(H(sa, ia), H(sm, im), H(sp, ip), H(sl, il), H(sr, ir), wedge, coronal,
            f.ToPatient(sa), f.ToPatient(sp), f.ToPatient(ia), f.ToPatient(ip),
            f.DirectionToPatient(posterior), f.DirectionToPatient(axis));
    }

    /// <summary>Unit normal (toward +w) of the least-squares plane w = a + b·u + c·v through a true endplate over the section (1 mm grid, rim excluded).</summary>
    private static Vec3 PlaneNormal(VertebraModel m, Func<double, double, double> surface)
    {
        double n = 0, su = 0, sv = 0, sw = 0, suu = 0, svv = 0, suv = 0, suw = 0, svw = 0;
        for (var u = -m.HalfWidth; u <= m.HalfWidth; u += 1)
            for (var v = -m.HalfDepth; v <= m.HalfDepth; v += 1)
            {
                if (m.BeyondRadius(u, v, RimFraction)) continue;
                var w = surface(u, v);
                n++; su += u; sv += v; sw += w; suu += u * u; svv += v * v; suv += u * v; suw += u * w; svw += v * w;
            }
        // Normal equations for (a, b, c), solved by Cramer's rule.
        double[,] A = { { n, su, sv }, { su, suu, suv }, { sv, suv, svv } };
        double[] r = [sw, suw, svw];
        var det = Det(A);
        double Solve(int col) { var B = (double[,])A.Clone(); for (var k = 0; k < 3; k++) B[k, col] = r[k]; return Det(B) / det; }
        return new Vec3(-Solve(1), -Solve(2), 1).Normalized();
    }

    /// <summary>The rim (outside this fraction of the section's radius) is left out of the endplate plane fits.</summary>
    private const double RimFraction = 0.9;

    private static double Det(double[,] a) =>
        a[0, 0] * (a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1]) - a[0, 1] * (a[1, 0] * a[2, 2] - a[1, 2] * a[2, 0]) + a[0, 2] * (a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0]);

    /// <summary>The body's lateral wall at v = <paramref name="v"/> on one side (+1 left), by bisection on the section.</summary>
    private static double Wall(VertebraModel m, double v, int side)
    {
        double inside = 0, outside = side * (m.HalfWidth + 1);
        for (var it = 0; it < 60; it++)
        {
            var mid = (inside + outside) / 2;
            if (m.NormalizedRadius(mid, v) <= 1) inside = mid; else outside = mid;
        }
        return (inside + outside) / 2;
    }
}

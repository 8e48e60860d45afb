namespace CementQuant.Phantom;

/// <summary>
/// The true fracture geometry of one body (shared/spec/METRICS.md "Fracture geometry"), from the continuous model:
/// walls from the body's section (<see cref="VertebraModel.SectionRadius"/>), heights between the true endplate
/// surfaces along the body's w axis, at exactly the positions the spec names. Angles in degrees, signs as METRICS.md.
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
        Vec3 SupA, Vec3 SupP, Vec3 InfA, Vec3 InfP);

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
                var f = vs[i].Frame;
                double Slope(Vec3 a, Vec3 p) { var la = f.ToLocal(a); var lp = f.ToLocal(p); return Math.Atan2(lp.Z - la.Z, lp.Y - la.Y); }
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
        // on the coronal line through the centroid (the section's centroid is on v = centroid v; u walls taken there).
        var cv = TruthCalculator.BodyIntegrals(m).LocalCentroid.Y;
        double vAnt = -m.SectionRadius(-Math.PI / 2), vPost = m.SectionRadius(Math.PI / 2);
        double uLeft = Wall(m, cv, +1), uRight = Wall(m, cv, -1);
        double va = vAnt + WallInsetMm, vp = vPost - WallInsetMm, vm = (vAnt + vPost) / 2, ul = uLeft / 2, ur = uRight / 2;
        double S(double u, double v) => m.SuperiorEndplateW(u, v);
        double I(double u, double v) => m.InferiorEndplateW(u, v);
        double H(double u, double v) => S(u, v) - I(u, v);
        var wedge = Deg * (Math.Atan2(S(0, vp) - S(0, va), vp - va) - Math.Atan2(I(0, vp) - I(0, va), vp - va));
        var coronal = Deg * (Math.Atan2(S(ul, cv) - S(ur, cv), ul - ur) - Math.Atan2(I(ul, cv) - I(ur, cv), ul - ur));
        return new Own(H(0, va), H(0, vm), H(0, vp), H(ul, cv), H(ur, cv), wedge, coronal,
            m.Frame.ToPatient(0, va, S(0, va)), m.Frame.ToPatient(0, vp, S(0, vp)),
            m.Frame.ToPatient(0, va, I(0, va)), m.Frame.ToPatient(0, vp, I(0, vp)));
    }

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

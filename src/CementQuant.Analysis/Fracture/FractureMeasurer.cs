using CementQuant.Analysis.Cement;
using CementQuant.Analysis.Vertebrae;

namespace CementQuant.Analysis.Fracture;

/// <summary>
/// The fracture geometry stage (shared/spec/METRICS.md "Fracture geometry"): for every body, cemented or not, heights
/// between its endplate maps along its own cranio-caudal axis (the locator's <see cref="LocalFrame"/> and
/// <see cref="EndplateSurface"/>s, so slice orientation and voxel shape do not matter), walls from its mask in mm,
/// sagittal and coronal wedge angles, the local kyphotic angle from its neighbours, the reference height from its
/// nearest unfractured neighbours, height loss, shape and Genant grade, and the cement centroid in its frame.
/// Each height is the median over a small patch of profiles. A body cut by the field of view, or whose walls or
/// endplates cannot be found, gets no geometry and <see cref="QcCodes.GeometryNotAssessable"/>: not assessable beats wrong.
/// </summary>
public static class FractureMeasurer
{
    private const double Deg = 180 / Math.PI;

    /// <summary>What one body gives on its own, before neighbours are consulted.</summary>
    private sealed record Own(double Ha, double Hm, double Hp, double Hl, double Hr, double Wedge, double Coronal,
        Vec3 SupAnterior, Vec3 SupPosterior, Vec3 InfAnterior, Vec3 InfPosterior);

    /// <param name="hu">The volume the bodies were found in (its geometry and size).</param>
    /// <param name="rois">The measured bodies, superior to inferior (neighbours are consecutive entries).</param>
    /// <param name="cement">Per body, in the same order: its in-body cement voxels (for the centroid).</param>
    public static IReadOnlyList<VertebraGeometry> Measure(Volume<short> hu, IReadOnlyList<VertebraRoi> rois, IReadOnlyList<VertebraCement> cement, FractureOptions options)
    {
        ArgumentNullException.ThrowIfNull(hu);
        ArgumentNullException.ThrowIfNull(rois);
        ArgumentNullException.ThrowIfNull(cement);
        ArgumentNullException.ThrowIfNull(options);
        if (cement.Count != rois.Count) throw new ArgumentException("one cement result per body expected", nameof(cement));
        var own = new Own?[rois.Count];
        Parallel.For(0, rois.Count, i => own[i] = MeasureOwn(hu, rois[i], options));

        // Intrinsic loss (shape terms without the reference), then the reference from unfractured neighbours, until settled.
        var fractured = new bool[rois.Count];
        for (var i = 0; i < rois.Count; i++)
            fractured[i] = own[i] is { } o && options.GenantGrade(100 * Terms(o, null).Max(t => t.Loss)) >= 1;
        var reference = new double?[rois.Count];
        for (var pass = 0; pass < FractureOptions.ReferencePasses; pass++)
        {
            for (var i = 0; i < rois.Count; i++) reference[i] = Reference(own, fractured, i);
            var changed = false;
            for (var i = 0; i < rois.Count; i++)
            {
                if (own[i] is not { } o) continue;
                var f = options.GenantGrade(Math.Max(0, 100 * Terms(o, reference[i]).Max(t => t.Loss))) >= 1;
                changed |= f != fractured[i];
                fractured[i] = f;
            }
            if (!changed) break;
        }

        var result = new VertebraGeometry[rois.Count];
        for (var i = 0; i < rois.Count; i++)
        {
            if (own[i] is not { } o) { result[i] = VertebraGeometry.NotAssessable with { Qc = [QcCodes.GeometryNotAssessable] }; continue; }
            var terms = Terms(o, reference[i]);
            var worst = terms.MaxBy(t => t.Loss);
            var loss = Math.Max(0, 100 * worst.Loss);
            var grade = options.GenantGrade(loss);
            var (lr, ap, si) = CementCentroid(hu, rois[i], cement[i]);
            result[i] = new VertebraGeometry
            {
                HeightAnteriorMm = o.Ha, HeightMiddleMm = o.Hm, HeightPosteriorMm = o.Hp,
                HeightLeftMm = o.Hl, HeightRightMm = o.Hr,
                WedgeAngleDeg = o.Wedge, CoronalWedgeAngleDeg = o.Coronal,
                KyphoticAngleDeg = i > 0 && i < rois.Count - 1 && own[i - 1] is { } above && own[i + 1] is { } below
                    ? Kyphotic(rois[i].Frame, above, below) : null,
                ReferenceHeightMm = reference[i],
                HeightLossPct = loss,
                FractureShape = grade == 0 ? FractureShapes.None : worst.Shape,
                GenantGrade = grade,
                CementCentroidLrMm = lr, CementCentroidApMm = ap, CementCentroidSiMm = si,
            };
        }
        return result;
    }

    /// <summary>The four loss terms of height_loss_pct (fractions), each with the shape it stands for, in METRICS.md order.</summary>
    private static (double Loss, string Shape)[] Terms(Own o, double? reference) =>
    [
        (1 - o.Ha / o.Hp, FractureShapes.Wedge),
        (1 - o.Hm / o.Hp, FractureShapes.Biconcave),
        (reference is { } r ? 1 - o.Hp / r : double.NegativeInfinity, FractureShapes.Crush),
        (1 - Math.Min(o.Hl, o.Hr) / Math.Max(o.Hl, o.Hr), FractureShapes.LateralWedge),
    ];

    /// <summary>Mean posterior height of the nearest unfractured assessable body above and below (one side when only one has one).</summary>
    private static double? Reference(Own?[] own, bool[] fractured, int i)
    {
        double? above = null, below = null;
        for (var j = i - 1; j >= 0 && above is null; j--)
            if (own[j] is { } o && !fractured[j]) above = o.Hp;
        for (var j = i + 1; j < own.Length && below is null; j++)
            if (own[j] is { } o && !fractured[j]) below = o.Hp;
        return (above, below) switch
        {
            ({ } a, { } b) => (a + b) / 2,
            ({ } a, null) => a,
            (null, { } b) => b,
            _ => null,
        };
    }

    /// <summary>Superior endplate of the body above to inferior endplate of the body below, in this body's midsagittal plane; positive kyphotic.</summary>
    private static double Kyphotic(LocalFrame f, Own above, Own below)
    {
        static double Slope(LocalFrame f, Vec3 anterior, Vec3 posterior)
        {
            var a = f.ToLocal(anterior); var p = f.ToLocal(posterior);
            return Math.Atan2(p.Z - a.Z, p.Y - a.Y);
        }
        return Deg * (Slope(f, above.SupAnterior, above.SupPosterior) - Slope(f, below.InfAnterior, below.InfPosterior));
    }

    private static Own? MeasureOwn(Volume<short> hu, VertebraRoi roi, FractureOptions o)
    {
        var g = hu.Geometry;
        if (roi.Qc.Contains(VertebraQc.PartialFov)) return null;
        var f = roi.Frame;
        var uMid = f.ToLocal(roi.MidsagittalPoint).X;
        if (Walls(g, roi, uMid, o) is not var (vAnt, vPost, uRight, uLeft)) return null;
        if (vPost - vAnt <= 2 * o.WallInsetMm + 2 || uLeft - uMid <= 2 || uMid - uRight <= 2) return null;
        double va = vAnt + o.WallInsetMm, vp = vPost - o.WallInsetMm, vm = (vAnt + vPost) / 2;
        double ul = (uMid + uLeft) / 2, ur = (uMid + uRight) / 2;
        var sa = Profile(hu, roi, uMid, va, sagittal: true, o);
        var sm = Profile(hu, roi, uMid, vm, sagittal: true, o);
        var sp = Profile(hu, roi, uMid, vp, sagittal: true, o);
        var cl = Profile(hu, roi, ul, 0, sagittal: false, o);
        var cr = Profile(hu, roi, ur, 0, sagittal: false, o);
        if (sa is not { } a || sm is not { } m || sp is not { } p || cl is not { } l || cr is not { } r) return null;
        // Not assessable beats wrong: a "body" taller than any vertebral body, or whose middle stands well above both
        // ends (endplates are concave, never convex), is a mask that took in a disc or a second body.
        if (Math.Max(Math.Max(a.Height, m.Height), Math.Max(p.Height, Math.Max(l.Height, r.Height))) > o.MaxHeightMm) return null;
        if (m.Height > o.MaxConvexity * Math.Max(a.Height, p.Height)) return null;
        // Angle between the endplate lines: superior line's rise minus inferior line's rise, toward posterior (sagittal,
        // positive when the front is lower) and toward the patient's left (coronal, positive when the right is lower).
        var wedge = Deg * (Math.Atan2(p.Sup - a.Sup, vp - va) - Math.Atan2(p.Inf - a.Inf, vp - va));
        var coronal = Deg * (Math.Atan2(l.Sup - r.Sup, ul - ur) - Math.Atan2(l.Inf - r.Inf, ul - ur));
        return new Own(a.Height, m.Height, p.Height, l.Height, r.Height, wedge, coronal,
            f.ToPatient(new Vec3(uMid, va, a.Sup)), f.ToPatient(new Vec3(uMid, vp, p.Sup)),
            f.ToPatient(new Vec3(uMid, va, a.Inf)), f.ToPatient(new Vec3(uMid, vp, p.Inf)));
    }

    /// <summary>
    /// Median endplate heights and median height over a patch of profiles centred on (u, v): wide across the measuring
    /// plane, short along it (<paramref name="sagittal"/>: the plane is u = const; else v = const). Null when too few profiles meet both endplates.
    /// </summary>
    private static (double Sup, double Inf, double Height)? Profile(Volume<short> hu, VertebraRoi roi, double u, double v, bool sagittal, FractureOptions o)
    {
        var map = new VoxelMap(hu.Geometry);
        var across = (int)Math.Floor(o.ProfileHalfWidthMm / o.ProfileStepMm + 1e-9);
        var along = (int)Math.Floor(o.ProfileHalfLengthMm / o.ProfileStepMm + 1e-9);
        List<double> sup = [], inf = [], h = [];
        var total = 0;
        for (var a = -across; a <= across; a++)
            for (var b = -along; b <= along; b++)
            {
                total++;
                var (pu, pv) = sagittal ? (u + a * o.ProfileStepMm, v + b * o.ProfileStepMm) : (u + b * o.ProfileStepMm, v + a * o.ProfileStepMm);
                var s = roi.Superior.HeightAt(pu, pv);
                var i = roi.Inferior.HeightAt(pu, pv);
                if (double.IsNaN(s) || double.IsNaN(i) || s <= i) continue;
                s = RefineEdge(hu, map, roi.Frame, pu, pv, s, +1, o);
                i = RefineEdge(hu, map, roi.Frame, pu, pv, i, -1, o);
                sup.Add(s); inf.Add(i); h.Add(s - i);
            }
        if (h.Count < o.MinProfileFraction * total) return null;
        return (Median(sup), Median(inf), Median(h));
    }

    /// <summary>
    /// The endplate's outer surface to a fraction of a voxel: the mask's boundary <paramref name="w0"/> is whole voxels, so
    /// along the cranio-caudal line through (u, v) the HU profile (trilinear, every <see cref="FractureOptions.EdgeStepMm"/>)
    /// is read from <see cref="FractureOptions.EdgeSearchMm"/> inside it to a voxel outside; the endplate is its peak
    /// (parabola through the top three samples), its outer surface half an endplate (<see cref="FractureOptions.EndplateHalfThicknessMm"/>)
    /// beyond: a thin bright layer's centre does not move with blur, its half-maximum edges do. Without a clear peak
    /// above the disc beyond (<see cref="FractureOptions.MinEdgeContrastHu"/>) the mask's boundary stands.
    /// </summary>
    /// <param name="outward">+1 for the superior endplate (outward is up), −1 for the inferior.</param>
    private static double RefineEdge(Volume<short> hu, VoxelMap map, LocalFrame f, double u, double v, double w0, int outward, FractureOptions o)
    {
        const double OutsideMm = 2.5; // read this far outside the mask, to see the disc beyond the peak
        var n = (int)Math.Round((o.EdgeSearchMm + OutsideMm) / o.EdgeStepMm) + 1;
        Span<float> prof = stackalloc float[n];
        for (var k = 0; k < n; k++)
        {
            var q = map.ToVoxel(f.ToPatient(new Vec3(u, v, w0 + outward * (-o.EdgeSearchMm + k * o.EdgeStepMm))));
            prof[k] = Sampler.Trilinear(hu, q.X, q.Y, q.Z);
        }
        // The endplate's peak: inside, up to a voxel past the mask's boundary.
        var lastPeak = Math.Min(n - 2, (int)Math.Round((o.EdgeSearchMm + 1) / o.EdgeStepMm));
        var kp = 0;
        for (var k = 1; k <= lastPeak; k++) if (prof[k] > prof[kp]) kp = k;
        var disc = float.PositiveInfinity;
        for (var k = kp + 1; k < n; k++) disc = Math.Min(disc, prof[k]);
        if (kp == 0 || !(prof[kp] - disc >= o.MinEdgeContrastHu)) return w0;
        double a = prof[kp - 1], b = prof[kp], c = prof[kp + 1];
        var den = a - 2 * b + c;
        var sub = den < 0 ? Math.Clamp(0.5 * (a - c) / den, -0.5, 0.5) : 0;
        var offset = -o.EdgeSearchMm + (kp + sub) * o.EdgeStepMm + o.EndplateHalfThicknessMm;
        return w0 + outward * offset;
    }

    /// <summary>
    /// Anterior and posterior walls (v) in the midsagittal band and right and left walls (u) in the coronal band through
    /// the centroid, each the median over 1 mm layers of the mid-height slab of the outermost mask voxel, plus half a voxel.
    /// With voxels thicker than a layer along the body's axis, a slice tilted against the body's frame is cut into layers
    /// that each hold one side of the body only, so a wall can be read near the midline (example_ct's L3 at 3 mm: its
    /// left wall at 0.8 mm, so its geometry is not assessable; layers a voxel thick fix that but then give L1 a false
    /// grade 1, see docs/accuracy.md).
    /// </summary>
    private static (double VAnt, double VPost, double URight, double ULeft)? Walls(ImageGeometry g, VertebraRoi roi, double uMid, FractureOptions o)
    {
        var f = roi.Frame; var m = roi.Body;
        var layers = (int)Math.Ceiling(o.WallSlabHalfMm) * 2 + 1;
        var minV = new double[layers]; var maxV = new double[layers]; var minU = new double[layers]; var maxU = new double[layers];
        Array.Fill(minV, double.PositiveInfinity); Array.Fill(minU, double.PositiveInfinity);
        Array.Fill(maxV, double.NegativeInfinity); Array.Fill(maxU, double.NegativeInfinity);
        var half = layers / 2;
        for (var z = 0; z < m.SizeZ; z++)
            for (var y = 0; y < m.SizeY; y++)
                for (var x = 0; x < m.SizeX; x++)
                {
                    if (m.Mask[(z * m.SizeY + y) * m.SizeX + x] == 0) continue;
                    var l = f.ToLocal(g.ToPatient(x + m.X0, y + m.Y0, z + m.Z0));
                    if (Math.Abs(l.Z) > o.WallSlabHalfMm) continue;
                    var k = Math.Clamp((int)Math.Round(l.Z) + half, 0, layers - 1);
                    if (Math.Abs(l.X - uMid) <= o.ProfileHalfWidthMm) { minV[k] = Math.Min(minV[k], l.Y); maxV[k] = Math.Max(maxV[k], l.Y); }
                    if (Math.Abs(l.Y) <= o.ProfileHalfWidthMm) { minU[k] = Math.Min(minU[k], l.X); maxU[k] = Math.Max(maxU[k], l.X); }
                }
        static double? Med(double[] a) { var f = a.Where(double.IsFinite).ToList(); return f.Count > 0 ? Median(f) : null; }
        if (Med(minV) is not { } va || Med(maxV) is not { } vp || Med(minU) is not { } ur || Med(maxU) is not { } ul) return null;
        var hv = BodyGeometry.VoxelExtentAlong(g, f.Posterior) / 2; var hu = BodyGeometry.VoxelExtentAlong(g, f.Left) / 2;
        return (va - hv, vp + hv, ur - hu, ul + hu);
    }

    /// <summary>In-body cement centroid in the body's frame (left, posterior, superior), or nulls without cement.</summary>
    private static (double?, double?, double?) CementCentroid(Volume<short> hu, VertebraRoi roi, VertebraCement c)
    {
        if (c.InBodyVoxels.Length == 0) return (null, null, null);
        var g = hu.Geometry; long plane = (long)hu.SizeX * hu.SizeY;
        double sx = 0, sy = 0, sz = 0;
        foreach (var idx in c.InBodyVoxels)
        {
            var z = idx / plane; var rest = idx - z * plane; var y = rest / hu.SizeX; var x = rest - y * hu.SizeX;
            var l = roi.Frame.ToLocal(g.ToPatient(x, y, z));
            sx += l.X; sy += l.Y; sz += l.Z;
        }
        var n = c.InBodyVoxels.Length;
        return (sx / n, sy / n, sz / n);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}

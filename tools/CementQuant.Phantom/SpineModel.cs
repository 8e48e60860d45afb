namespace CementQuant.Phantom;

/// <summary>
/// Parameters of the whole phantom patient: the vertebrae from superior to inferior, the lumbar lordosis
/// (total sagittal angle between the first and last non-sacral vertebra's cranial axes, degrees), where the
/// column sits (<see cref="Position"/> is the geometric centre of the vertebra at <see cref="AnchorIndex"/>
/// before its own offset), the abdomen's half axes and the seed of the fixed tissue textures.
/// </summary>
public sealed record SpineSpec(IReadOnlyList<VertebraSpec> Levels)
{
    public double LordosisDeg { get; init; } = 30;
    /// <summary>Extra anterior tilt of a sacral level relative to the last lumbar level (sacral slope), degrees.</summary>
    public double SacralTiltDeg { get; init; } = 25;
    public Vec3 Position { get; init; } = new(2.5, 8, 1.5);
    public int AnchorIndex { get; init; } = -1;
    public double AbdomenHalfWidth { get; init; } = 160;
    public double AbdomenHalfDepth { get; init; } = 115;
    public uint TextureSeed { get; init; } = 20240611;

    /// <summary>L1–L5 with typical adult sizes (optionally T12 above and the top of the sacrum below).</summary>
    public static SpineSpec Lumbar(bool includeT12 = false, bool includeSacrum = false)
    {
        var levels = new List<VertebraSpec>();
        if (includeT12) levels.Add(new VertebraSpec("T12") { Width = 40, Depth = 29, Height = 24, DiscBelow = 8.5 });
        levels.Add(new VertebraSpec("L1") { Width = 42, Depth = 30, Height = 25.5, DiscBelow = 9 });
        levels.Add(new VertebraSpec("L2") { Width = 44, Depth = 31.5, Height = 26.5, DiscBelow = 10 });
        levels.Add(new VertebraSpec("L3") { Width = 46, Depth = 33, Height = 27, DiscBelow = 10.5 });
        levels.Add(new VertebraSpec("L4") { Width = 48, Depth = 34, Height = 27, DiscBelow = 11 });
        levels.Add(new VertebraSpec("L5") { Width = 50, Depth = 34, Height = 26, DiscBelow = 11.5 });
        if (includeSacrum) levels.Add(new VertebraSpec("S1") { Width = 50, Depth = 36, Height = 26, IsSacrum = true, PosteriorIndent = 2 });
        return new SpineSpec(levels);
    }

    /// <summary>Returns a copy with <paramref name="change"/> applied to the level named <paramref name="name"/>.</summary>
    public SpineSpec WithLevel(string name, Func<VertebraSpec, VertebraSpec> change)
    {
        var found = false;
        var levels = Levels.Select(l =>
        {
            if (l.Name != name) return l;
            found = true;
            return change(l);
        }).ToArray();
        if (!found) throw new ArgumentException($"no level named '{name}' in the spine", nameof(name));
        return this with { Levels = levels };
    }
}

/// <summary>Tissue classes of the phantom; the renderer supersamples voxels whose neighbours differ in class.</summary>
public enum Material : byte
{
    Air, Fat, Muscle, Viscera, Vessel, Csf, Disc, Cortex, Endplate, Trabecular, PosteriorCortex, PosteriorTrabecular, Cleft, Cement,
}

/// <summary>What the model holds at one point: CT number, class, body label (0 outside bodies), cement and
/// the 0-based index of the vertebra that owns the cement (−1 if none).</summary>
public struct PointSample
{
    public float Hu;
    public Material Material;
    public byte Body;
    public bool Cement;
    public sbyte CementOwner;
}

/// <summary>
/// The analytic phantom patient: a lumbar spine of <see cref="VertebraModel"/>s stacked along a lordotic curve,
/// discs, spinal canal, cement, clefts, and the surrounding soft tissue and air, all as implicit functions of
/// a patient LPS point. <see cref="Sample"/> is the only definition of the content: the CT renderer, the
/// radiograph renderer and the truth calculator all call it (or the vertebra functions it is made of).
/// </summary>
public sealed class SpineModel
{
    private readonly VertebraModel[] _vertebrae;
    private readonly Vec3 _boundsMin, _boundsMax;
    private readonly double[] _axisZ, _axisX, _axisY;
    private readonly double _abdomenCx, _abdomenCy, _refA, _refB, _zTop, _zBottom;
    private readonly LeakEntry[] _leaks;
    private readonly BoneBoxes[] _boneBoxes;
    private readonly uint _seed;

    public SpineModel(SpineSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Levels.Count == 0) throw new ArgumentException("a spine needs at least one level", nameof(spec));
        if (spec.Levels.Count > 100) throw new ArgumentException("too many levels", nameof(spec));
        Spec = spec;
        _seed = spec.TextureSeed;
        _vertebrae = Stack(spec);
        Vertebrae = _vertebrae;

        var min = new Vec3(double.MaxValue, double.MaxValue, double.MaxValue);
        var max = -min;
        var leaks = new List<LeakEntry>();
        foreach (var v in _vertebrae)
        {
            Grow(v, v.LocalExtentMin, v.LocalExtentMax, ref min, ref max);
            foreach (var s in v.Spec.Cement?.Shapes ?? [])
            {
                var (lo, hi) = s.LocalBounds(v);
                Grow(v, lo, hi, ref min, ref max);
                if (s.Site != CementSite.Body) leaks.Add(new LeakEntry(v.Label - 1, s, lo, hi));
            }
        }
        _boundsMin = min - new Vec3(1, 1, 1);
        _boundsMax = max + new Vec3(1, 1, 1);
        _leaks = leaks.ToArray();
        _boneBoxes = BuildBoneBoxes(_vertebrae, _leaks);

        // Spine axis by height for the soft tissue (psoas, paraspinal muscles, aorta follow the column).
        var order = _vertebrae.OrderBy(v => v.Frame.Origin.Z).ToArray();
        _axisZ = order.Select(v => v.Frame.Origin.Z).ToArray();
        _axisX = order.Select(v => v.Frame.Origin.X).ToArray();
        _axisY = order.Select(v => v.Frame.Origin.Y).ToArray();
        _zBottom = _axisZ[0];
        _zTop = _axisZ[^1];
        var anchor = _vertebrae[AnchorOf(spec)];
        _abdomenCx = anchor.Frame.Origin.X;
        _refA = anchor.HalfWidth;
        _refB = anchor.HalfDepth;
        // The back's skin lies ~25 mm behind the spinous tips.
        _abdomenCy = anchor.Frame.Origin.Y + anchor.CanalCenterV + anchor.CanalRadiusV + 60 - spec.AbdomenHalfDepth;
    }

    public SpineSpec Spec { get; }
    public IReadOnlyList<VertebraModel> Vertebrae { get; }

    /// <summary>Box in patient space that contains every bone, disc and cement of the model.</summary>
    public (Vec3 Min, Vec3 Max) SpineBounds => (_boundsMin, _boundsMax);

    /// <summary>The abdomen outline (skin) as centre and half axes in the axial plane.</summary>
    public (double Cx, double Cy, double HalfWidth, double HalfDepth) Abdomen =>
        (_abdomenCx, _abdomenCy, Spec.AbdomenHalfWidth, Spec.AbdomenHalfDepth);

    public VertebraModel this[string name] =>
        _vertebrae.FirstOrDefault(v => v.Name == name) ?? throw new ArgumentException($"no vertebra named '{name}'", nameof(name));

    private static int AnchorOf(SpineSpec spec) => spec.AnchorIndex >= 0
        ? Math.Min(spec.AnchorIndex, spec.Levels.Count - 1)
        : (spec.Levels.Count - 1) / 2;

    private static VertebraModel[] Stack(SpineSpec spec)
    {
        var n = spec.Levels.Count;
        var lumbar = spec.Levels.Where(l => !l.IsSacrum).ToArray();
        var frames = new LocalFrame[n];
        var lumbarIndex = 0;
        double lastPhi = 0;
        for (var k = 0; k < n; k++)
        {
            var level = spec.Levels[k];
            double phi;
            if (level.IsSacrum)
            {
                phi = lastPhi - spec.SacralTiltDeg;
            }
            else
            {
                phi = lumbar.Length > 1 ? spec.LordosisDeg * (0.5 - lumbarIndex / (double)(lumbar.Length - 1)) : 0;
                lumbarIndex++;
                lastPhi = phi;
            }
            frames[k] = Orient(phi, level.LateralTiltDeg, level.AxialRotationDeg);
        }

        // Stack from the top down along each vertebra's own cranial axis and the mean axis across each disc.
        var centres = new Vec3[n];
        centres[0] = default;
        for (var k = 1; k < n; k++)
        {
            var up = spec.Levels[k - 1]; var lo = spec.Levels[k];
            var mean = (frames[k - 1].W + frames[k].W).Normalized();
            centres[k] = centres[k - 1] - frames[k - 1].W * (up.Height / 2) - mean * up.DiscBelow - frames[k].W * (lo.Height / 2);
        }
        var anchor = AnchorOf(spec);
        var shift = spec.Position - centres[anchor];
        var result = new VertebraModel[n];
        for (var k = 0; k < n; k++)
        {
            var f = frames[k];
            var origin = centres[k] + shift + spec.Levels[k].Offset;
            result[k] = new VertebraModel(spec.Levels[k], k + 1, new LocalFrame(origin, f.U, f.V, f.W));
        }
        return result;
    }

    /// <summary>Sagittal tilt φ (top toward posterior), then lateral tilt about the AP axis, then axial rotation
    /// about the resulting cranial axis.</summary>
    private static LocalFrame Orient(double phiDeg, double tiltDeg, double rotDeg)
    {
        var phi = phiDeg * Math.PI / 180; var tilt = tiltDeg * Math.PI / 180; var rot = rotDeg * Math.PI / 180;
        var u = new Vec3(1, 0, 0);
        var v = new Vec3(0, Math.Cos(phi), -Math.Sin(phi));
        var w = new Vec3(0, Math.Sin(phi), Math.Cos(phi));
        u = LocalFrame.Rotate(u, v, tilt); w = LocalFrame.Rotate(w, v, tilt);
        u = LocalFrame.Rotate(u, w, rot); v = LocalFrame.Rotate(v, w, rot);
        return new LocalFrame(default, u.Normalized(), v.Normalized(), w.Normalized());
    }

    private static void Grow(VertebraModel v, Vec3 lo, Vec3 hi, ref Vec3 min, ref Vec3 max)
    {
        for (var c = 0; c < 8; c++)
        {
            var p = v.Frame.ToPatient((c & 1) == 0 ? lo.X : hi.X, (c & 2) == 0 ? lo.Y : hi.Y, (c & 4) == 0 ? lo.Z : hi.Z);
            min = new Vec3(Math.Min(min.X, p.X), Math.Min(min.Y, p.Y), Math.Min(min.Z, p.Z));
            max = new Vec3(Math.Max(max.X, p.X), Math.Max(max.Y, p.Y), Math.Max(max.Z, p.Z));
        }
    }

    /// <summary>0-based index of the vertebral body containing <paramref name="p"/>, or −1.</summary>
    public int BodyIndexAt(Vec3 p)
    {
        for (var k = 0; k < _vertebrae.Length; k++)
        {
            if (_vertebrae[k].InBody(_vertebrae[k].Frame.ToLocal(p))) return k;
        }
        return -1;
    }

    /// <summary>True where <paramref name="p"/> is cement (in-body cement clipped to its body, leaks clipped to
    /// outside all bodies). <paramref name="owner"/> is the 0-based index of the owning vertebra.</summary>
    public bool IsCement(Vec3 p, out int owner)
    {
        var s = Sample(p);
        owner = s.CementOwner;
        return s.Cement;
    }

    /// <summary>
    /// The depth intervals, sorted and merged, outside of which every point <paramref name="origin"/> + d·<paramref name="dir"/>
    /// (unit <paramref name="dir"/>) is plain soft tissue away from the skin, i.e. <see cref="Sample"/> equals
    /// <see cref="SampleSoftTissue"/> and varies slowly: the ray's passages through the local boxes that bound each body,
    /// disc, canal segment, posterior element and leak, and ±<paramref name="skinMarginMm"/> about its skin crossings.
    /// </summary>
    internal void DetailIntervals(Vec3 origin, Vec3 dir, double skinMarginMm, List<(double Enter, double Exit)> into)
    {
        into.Clear();
        // Skin: the abdomen's ellipse in the axial plane.
        double ha = Spec.AbdomenHalfWidth, hb = Spec.AbdomenHalfDepth, ox = origin.X - _abdomenCx, oy = origin.Y - _abdomenCy;
        var qa = Sq(dir.X / ha) + Sq(dir.Y / hb);
        var qb = 2 * (ox * dir.X / (ha * ha) + oy * dir.Y / (hb * hb));
        var qc = Sq(ox / ha) + Sq(oy / hb) - 1;
        var disc = qb * qb - 4 * qa * qc;
        if (qa > 1e-12 && disc >= 0)
        {
            foreach (var root in (ReadOnlySpan<double>)[(-qb - Math.Sqrt(disc)) / (2 * qa), (-qb + Math.Sqrt(disc)) / (2 * qa)])
                into.Add((root - skinMarginMm, root + skinMarginMm));
        }
        foreach (var group in _boneBoxes)
        {
            var f = group.Frame;
            var o = f.ToLocal(origin);
            var r = new Vec3(dir.Dot(f.U), dir.Dot(f.V), dir.Dot(f.W));
            if (Hit(o, r, group.Min, group.Max) is null) continue;
            foreach (var (lo, hi) in group.Boxes)
                if (Hit(o, r, lo, hi) is { } iv) into.Add(iv);
        }
        into.Sort((x, y) => x.Enter.CompareTo(y.Enter));
        var n = 0;
        for (var i = 0; i < into.Count; i++)
        {
            var iv = into[i];
            if (n > 0 && iv.Enter <= into[n - 1].Exit) into[n - 1] = (into[n - 1].Enter, Math.Max(into[n - 1].Exit, iv.Exit));
            else into[n++] = iv;
        }
        into.RemoveRange(n, into.Count - n);
    }

    private static (double Enter, double Exit)? Hit(Vec3 o, Vec3 r, Vec3 lo, Vec3 hi)
    {
        double enter = double.NegativeInfinity, exit = double.PositiveInfinity;
        if (!Slab(o.X, r.X, lo.X, hi.X, ref enter, ref exit) || !Slab(o.Y, r.Y, lo.Y, hi.Y, ref enter, ref exit)
            || !Slab(o.Z, r.Z, lo.Z, hi.Z, ref enter, ref exit)) return null;
        return (enter - 1e-6, exit + 1e-6);
    }

    private static bool Slab(double o, double r, double lo, double hi, ref double enter, ref double exit)
    {
        if (Math.Abs(r) < 1e-12) return o >= lo && o <= hi;
        var a = (lo - o) / r; var b = (hi - o) / r;
        if (a > b) (a, b) = (b, a);
        enter = Math.Max(enter, a); exit = Math.Min(exit, b);
        return enter <= exit;
    }

    /// <summary>Local boxes (in their vertebra's frame) outside all of which <see cref="Sample"/> is soft tissue; see
    /// the matching tests in Sample: bodies lie in their section's ellipse and height, discs between two centres within
    /// 1.03 of the upper section, canal segments within 1.6 of a segment's half height, posterior elements in their
    /// capsules' bounds (clipped to the extent box), leaks in their shapes' bounds.</summary>
    private static BoneBoxes[] BuildBoneBoxes(VertebraModel[] vs, LeakEntry[] leaks)
    {
        var groups = new BoneBoxes[vs.Length];
        for (var k = 0; k < vs.Length; k++)
        {
            var v = vs[k]; var f = v.Frame;
            var boxes = new List<(Vec3 Min, Vec3 Max)> { (new Vec3(-v.HalfWidth, -v.HalfDepth, -v.HalfHeight), new Vec3(v.HalfWidth, v.HalfDepth, v.HalfHeight)) };
            if (!v.Spec.IsSacrum)
            {
                var hz = 1.6 * (v.HalfHeight + v.Spec.DiscBelow / 2);
                boxes.Add((new Vec3(-v.CanalRadiusU, v.CanalCenterV - v.CanalRadiusV, -hz), new Vec3(v.CanalRadiusU, v.CanalCenterV + v.CanalRadiusV, hz)));
            }
            foreach (var (lo, hi) in v.PosteriorBounds)
            {
                var a = Max(lo, v.LocalExtentMin); var b = Min(hi, v.LocalExtentMax);
                if (a.X <= b.X && a.Y <= b.Y && a.Z <= b.Z) boxes.Add((a, b));
            }
            if (k + 1 < vs.Length)
            {
                // Disc below: lu.Z ≤ 0, |lu.X| ≤ 1.03a, |lu.Y| ≤ 1.03b, and ll.Z ≥ 0 in the lower frame, which bounds lu.Z below.
                var l = vs[k + 1].Frame;
                double au = 1.03 * v.HalfWidth, av = 1.03 * v.HalfDepth;
                var depth = ((f.Origin - l.Origin).Dot(l.W) + au * Math.Abs(f.U.Dot(l.W)) + av * Math.Abs(f.V.Dot(l.W))) / f.W.Dot(l.W);
                boxes.Add((new Vec3(-au, -av, -depth - 1), new Vec3(au, av, 0)));
            }
            foreach (var leak in leaks) if (leak.Owner == k) boxes.Add((leak.Min, leak.Max));
            var min = boxes[0].Min; var max = boxes[0].Max;
            foreach (var (lo, hi) in boxes) { min = Min(min, lo); max = Max(max, hi); }
            groups[k] = new BoneBoxes(f, min, max, [.. boxes]);
        }
        return groups;

        static Vec3 Max(Vec3 a, Vec3 b) => new(Math.Max(a.X, b.X), Math.Max(a.Y, b.Y), Math.Max(a.Z, b.Z));
        static Vec3 Min(Vec3 a, Vec3 b) => new(Math.Min(a.X, b.X), Math.Min(a.Y, b.Y), Math.Min(a.Z, b.Z));
    }

    /// <summary>The soft tissue (or air) at a point, ignoring the spine: what <see cref="Sample"/> returns outside
    /// <see cref="DetailIntervals"/>.</summary>
    internal PointSample SampleSoftTissue(Vec3 p)
    {
        var s = new PointSample { CementOwner = -1 };
        SoftTissue(p, ref s);
        return s;
    }

    /// <summary>Evaluates the phantom at a patient LPS point (mm). Allocation free and thread safe.</summary>
    public PointSample Sample(Vec3 p)
    {
        var s = new PointSample { CementOwner = -1 };
        if (p.X < _boundsMin.X || p.Y < _boundsMin.Y || p.Z < _boundsMin.Z
            || p.X > _boundsMax.X || p.Y > _boundsMax.Y || p.Z > _boundsMax.Z)
        {
            SoftTissue(p, ref s);
            return s;
        }

        var n = _vertebrae.Length;
        Span<Vec3> local = n <= 16 ? stackalloc Vec3[n] : new Vec3[n];
        var body = -1;
        double dLat = 0, dSup = 0, dInf = 0;
        for (var k = 0; k < n; k++)
        {
            local[k] = _vertebrae[k].Frame.ToLocal(p);
            if (body < 0 && _vertebrae[k].TryBody(local[k], out dLat, out dSup, out dInf)) body = k;
        }

        if (body >= 0)
        {
            InBody(body, local[body], p, dLat, dSup, dInf, ref s);
            return s;
        }
        if (InLeak(local, p, ref s) || InDisc(local, p, ref s) || InCanal(local, p, ref s) || InPosterior(local, p, ref s)) return s;
        SoftTissue(p, ref s);
        return s;
    }

    /// <summary>A point inside body <paramref name="body"/>: its cement, cleft, cortex, endplate or trabecular bone.</summary>
    private void InBody(int body, Vec3 local, Vec3 p, double dLat, double dSup, double dInf, ref PointSample s)
    {
        var v = _vertebrae[body];
        s.Body = (byte)v.Label;
        var cement = v.Spec.Cement;
        if (cement is not null)
        {
            foreach (var shape in cement.Shapes)
            {
                if (shape.Site == CementSite.Body && shape.Contains(local, p, v, _seed))
                {
                    s.Cement = true; s.CementOwner = (sbyte)body; s.Material = Material.Cement; s.Hu = (float)cement.Hu;
                    return;
                }
            }
        }
        if (v.Spec.Cleft is { } cleft && cleft.Contains(local))
        {
            s.Material = Material.Cleft; s.Hu = (float)cleft.Hu;
            return;
        }
        var spec = v.Spec;
        if (dLat < spec.CorticalThickness)
        {
            s.Material = Material.Cortex; s.Hu = 850f + (float)(60 * Texture(p, 2.0));
        }
        else if (dSup < spec.EndplateThickness || dInf < spec.EndplateThickness)
        {
            s.Material = Material.Endplate; s.Hu = 600f + (float)(40 * Texture(p, 1.5));
        }
        else
        {
            s.Material = Material.Trabecular; s.Hu = (float)(spec.TrabecularHu + 55 * TrabecularTexture(p));
        }
    }

    /// <summary>Leaks: cement outside every body.</summary>
    private bool InLeak(ReadOnlySpan<Vec3> local, Vec3 p, ref PointSample s)
    {
        foreach (var leak in _leaks)
        {
            var l = local[leak.Owner];
            if (l.X < leak.Min.X || l.Y < leak.Min.Y || l.Z < leak.Min.Z || l.X > leak.Max.X || l.Y > leak.Max.Y || l.Z > leak.Max.Z) continue;
            var owner = _vertebrae[leak.Owner];
            if (leak.Shape.Contains(l, p, owner, _seed))
            {
                s.Cement = true; s.CementOwner = (sbyte)leak.Owner; s.Material = Material.Cement; s.Hu = (float)owner.Spec.Cement!.Hu;
                return true;
            }
        }
        return false;
    }

    /// <summary>Discs: between vertebra k (above) and k + 1 (below).</summary>
    private bool InDisc(ReadOnlySpan<Vec3> local, Vec3 p, ref PointSample s)
    {
        for (var k = 0; k + 1 < _vertebrae.Length; k++)
        {
            var up = _vertebrae[k]; var lo = _vertebrae[k + 1];
            var lu = local[k]; var ll = local[k + 1];
            if (lu.Z > 0 || ll.Z < 0) continue;
            if (up.BeyondRadius(lu.X, lu.Y, 1.03) || lo.BeyondRadius(ll.X, ll.Y, 1.03)) continue;
            if (lu.Z < up.InferiorEndplateW(lu.X, lu.Y) && ll.Z > lo.SuperiorEndplateW(ll.X, ll.Y))
            {
                s.Material = Material.Disc; s.Hu = 80f + (float)(8 * Texture(p, 3.0));
                return true;
            }
        }
        return false;
    }

    /// <summary>The canal of the segment the point is nearest to.</summary>
    private bool InCanal(ReadOnlySpan<Vec3> local, Vec3 p, ref PointSample s)
    {
        var seg = -1; var segScore = double.MaxValue;
        for (var k = 0; k < _vertebrae.Length; k++)
        {
            var v = _vertebrae[k];
            var score = Math.Abs(local[k].Z) / (v.HalfHeight + v.Spec.DiscBelow / 2);
            if (score < segScore) { segScore = score; seg = k; }
        }
        if (segScore <= 1.6 && !_vertebrae[seg].Spec.IsSacrum && _vertebrae[seg].InCanal(local[seg]))
        {
            s.Material = Material.Csf; s.Hu = 10f + (float)(4 * Texture(p, 4.0));
            return true;
        }
        return false;
    }

    /// <summary>Posterior elements: cortex within 1 mm of their surface, trabecular bone inside.</summary>
    private bool InPosterior(ReadOnlySpan<Vec3> local, Vec3 p, ref PointSample s)
    {
        var best = double.MaxValue;
        for (var k = 0; k < _vertebrae.Length; k++)
        {
            var v = _vertebrae[k]; var l = local[k];
            if (l.X < v.LocalExtentMin.X || l.Y < v.LocalExtentMin.Y || l.Z < v.LocalExtentMin.Z
                || l.X > v.LocalExtentMax.X || l.Y > v.LocalExtentMax.Y || l.Z > v.LocalExtentMax.Z) continue;
            var d = v.PosteriorDistance(l);
            if (d < best) best = d;
        }
        if (best > 0) return false;
        if (best > -1.0)
        {
            s.Material = Material.PosteriorCortex; s.Hu = 800f + (float)(60 * Texture(p, 2.0));
        }
        else
        {
            s.Material = Material.PosteriorTrabecular; s.Hu = (float)(200 + 60 * TrabecularTexture(p));
        }
        return true;
    }

    private double Texture(Vec3 p, double scale) => ValueNoise.Sample(p.X / scale, p.Y / scale, p.Z / scale, _seed);

    /// <summary>Trabecular texture in about [−1, 1]: fine grains plus a coarser component, elongated
    /// cranio-caudally like the vertical trabeculae that survive in osteoporosis.</summary>
    private double TrabecularTexture(Vec3 p) =>
        0.65 * ValueNoise.Sample(p.X / 0.9, p.Y / 0.9, p.Z / 1.8, _seed + 1) + 0.5 * ValueNoise.Sample(p.X / 2.6, p.Y / 2.6, p.Z / 4, _seed + 2);

    private void AxisAt(double z, out double x, out double y)
    {
        var zs = _axisZ;
        if (z <= zs[0]) { x = _axisX[0]; y = _axisY[0]; return; }
        if (z >= zs[^1]) { x = _axisX[^1]; y = _axisY[^1]; return; }
        var i = 0;
        while (zs[i + 1] < z) i++;
        var t = (z - zs[i]) / (zs[i + 1] - zs[i]);
        x = _axisX[i] + (_axisX[i + 1] - _axisX[i]) * t;
        y = _axisY[i] + (_axisY[i + 1] - _axisY[i]) * t;
    }

    private void SoftTissue(Vec3 p, ref PointSample s)
    {
        var dx = p.X - _abdomenCx; var dy = p.Y - _abdomenCy;
        var ha = Spec.AbdomenHalfWidth; var hb = Spec.AbdomenHalfDepth;
        if (Sq(dx / ha) + Sq(dy / hb) > 1)
        {
            s.Material = Material.Air; s.Hu = -1000f;
            return;
        }
        if (Sq(dx / (ha - 18)) + Sq(dy / (hb - 16)) > 1)
        {
            s.Material = Material.Fat; s.Hu = -100f + (float)(6 * Texture(p, 3));
            return;
        }
        AxisAt(p.Z, out var ax, out var ay);
        var a = _refA; var b = _refB;
        // Downward fraction along the lumbar spine: the psoas thickens toward L5.
        var t = Math.Clamp((_zTop - p.Z) / Math.Max(1, _zTop - _zBottom), 0, 1);
        var canalBack = b + 7 + 8;
        // Paraspinal (erector spinae + multifidus) either side of the spinous processes.
        if (Sq((Math.Abs(p.X - ax) - 33) / 24) + Sq((p.Y - ay - canalBack - 18) / 21) <= 1
            // Psoas beside the bodies.
            || Sq((Math.Abs(p.X - ax) - (a + 6 + 12 * t)) / (7 + 14 * t)) + Sq((p.Y - ay - 2) / (8 + 10 * t)) <= 1
            // Quadratus lumborum lateral to the transverse processes.
            || Sq((Math.Abs(p.X - ax) - (a + 40)) / 12) + Sq((p.Y - ay - b - 10) / 9) <= 1)
        {
            s.Material = Material.Muscle; s.Hu = 50f + (float)(6 * Texture(p, 2.5));
            return;
        }
        // Aorta (left, anterior) and inferior vena cava (right).
        if (Sq(p.X - ax - 14) + Sq(p.Y - (ay - b - 13)) <= 11 * 11
            || Sq((p.X - ax + 22) / 12) + Sq((p.Y - (ay - b - 10)) / 9) <= 1)
        {
            s.Material = Material.Vessel; s.Hu = 40f;
            return;
        }
        // Anterior abdominal wall muscles (a ring inside the subcutaneous fat, in front of the spine).
        if (p.Y < ay - b && Sq(dx / (ha - 28)) + Sq(dy / (hb - 26)) > 1)
        {
            s.Material = Material.Muscle; s.Hu = 50f + (float)(6 * Texture(p, 2.5));
            return;
        }
        // Retroperitoneal fat around the spine and the fat behind it.
        if (Sq((p.X - ax) / 105) + Sq((p.Y - ay - 12) / 62) <= 1 || p.Y > ay + b + 8)
        {
            s.Material = Material.Fat; s.Hu = -100f + (float)(6 * Texture(p, 3));
            return;
        }
        // Bowel and mesentery: soft tissue blended with fat lobules by a smooth field (one class, no edges).
        var n = 0.7 * ValueNoise.Sample(p.X / 11, p.Y / 11, p.Z / 11, _seed + 7) + 0.4 * ValueNoise.Sample(p.X / 4, p.Y / 4, p.Z / 4, _seed + 8);
        var f = Math.Clamp(0.45 + 1.5 * n, 0, 1);
        s.Material = Material.Viscera; s.Hu = (float)(35 - 125 * f * f);
    }

    private static double Sq(double x) => x * x;

    private readonly record struct LeakEntry(int Owner, CementShape Shape, Vec3 Min, Vec3 Max);

    /// <summary>One vertebra's bone boxes (its leaks' included) in its frame, with the box around them all.</summary>
    private sealed record BoneBoxes(LocalFrame Frame, Vec3 Min, Vec3 Max, (Vec3 Min, Vec3 Max)[] Boxes);
}

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
            var v = _vertebrae[body];
            s.Body = (byte)v.Label;
            var cement = v.Spec.Cement;
            if (cement is not null)
            {
                foreach (var shape in cement.Shapes)
                {
                    if (shape.Site == CementSite.Body && shape.Contains(local[body], p, v, _seed))
                    {
                        s.Cement = true; s.CementOwner = (sbyte)body; s.Material = Material.Cement; s.Hu = (float)cement.Hu;
                        return s;
                    }
                }
            }
            if (v.Spec.Cleft is { } cleft && cleft.Contains(local[body]))
            {
                s.Material = Material.Cleft; s.Hu = (float)cleft.Hu;
                return s;
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
            return s;
        }

        // Leaks: cement outside every body.
        foreach (var leak in _leaks)
        {
            var l = local[leak.Owner];
            if (l.X < leak.Min.X || l.Y < leak.Min.Y || l.Z < leak.Min.Z || l.X > leak.Max.X || l.Y > leak.Max.Y || l.Z > leak.Max.Z) continue;
            var owner = _vertebrae[leak.Owner];
            if (leak.Shape.Contains(l, p, owner, _seed))
            {
                s.Cement = true; s.CementOwner = (sbyte)leak.Owner; s.Material = Material.Cement; s.Hu = (float)owner.Spec.Cement!.Hu;
                return s;
            }
        }

        // Discs: between vertebra k (above) and k + 1 (below).
        for (var k = 0; k + 1 < n; k++)
        {
            var up = _vertebrae[k]; var lo = _vertebrae[k + 1];
            var lu = local[k]; var ll = local[k + 1];
            if (lu.Z > 0 || ll.Z < 0) continue;
            if (up.NormalizedRadius(lu.X, lu.Y) > 1.03 || lo.NormalizedRadius(ll.X, ll.Y) > 1.03) continue;
            if (lu.Z < up.InferiorEndplateW(lu.X, lu.Y) && ll.Z > lo.SuperiorEndplateW(ll.X, ll.Y))
            {
                s.Material = Material.Disc; s.Hu = 80f + (float)(8 * Texture(p, 3.0));
                return s;
            }
        }

        // Canal (of the segment the point is nearest to), then posterior elements.
        var seg = -1; var segScore = double.MaxValue;
        for (var k = 0; k < n; k++)
        {
            var v = _vertebrae[k];
            var score = Math.Abs(local[k].Z) / (v.HalfHeight + v.Spec.DiscBelow / 2);
            if (score < segScore) { segScore = score; seg = k; }
        }
        if (segScore <= 1.6 && !_vertebrae[seg].Spec.IsSacrum && _vertebrae[seg].InCanal(local[seg]))
        {
            s.Material = Material.Csf; s.Hu = 10f + (float)(4 * Texture(p, 4.0));
            return s;
        }
        var best = double.MaxValue;
        for (var k = 0; k < n; k++)
        {
            var v = _vertebrae[k]; var l = local[k];
            if (l.X < v.LocalExtentMin.X || l.Y < v.LocalExtentMin.Y || l.Z < v.LocalExtentMin.Z
                || l.X > v.LocalExtentMax.X || l.Y > v.LocalExtentMax.Y || l.Z > v.LocalExtentMax.Z) continue;
            var d = v.PosteriorDistance(l);
            if (d < best) best = d;
        }
        if (best <= 0)
        {
            if (best > -1.0)
            {
                s.Material = Material.PosteriorCortex; s.Hu = 800f + (float)(60 * Texture(p, 2.0));
            }
            else
            {
                s.Material = Material.PosteriorTrabecular; s.Hu = (float)(200 + 60 * TrabecularTexture(p));
            }
            return s;
        }

        SoftTissue(p, ref s);
        return s;
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
}

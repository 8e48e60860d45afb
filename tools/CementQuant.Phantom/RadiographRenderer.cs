namespace CementQuant.Phantom;

/// <summary>Radiograph projection: AP (beam anterior → posterior) or lateral (beam right → left, the
/// patient's left side at the detector).</summary>
public enum View { AP, Lateral }

/// <summary>DICOM PhotometricInterpretation of a radiograph: MONOCHROME2 (high values bright) or MONOCHROME1
/// (high values dark; bone is then stored with low values).</summary>
public enum Photometric { Monochrome2, Monochrome1 }

/// <summary>How a radiograph is exposed and stored. <see cref="Mirrored"/> stores the image flipped left-right
/// (PatientOrientation's first value changes accordingly). <see cref="Photons"/> is the unattenuated photon
/// count per pixel (quantum noise); stored value = <see cref="Offset"/> + <see cref="Gain"/>·(−ln I/I₀), 12 bits.</summary>
public sealed record RadiographOptions
{
    public double PixelSpacing { get; init; } = 1.0;
    public Photometric Photometric { get; init; } = Photometric.Monochrome2;
    public bool Mirrored { get; init; }
    public double MarginMm { get; init; } = 25;
    public double Photons { get; init; } = 30000;
    public double Gain { get; init; } = 420;
    public double Offset { get; init; } = 100;
    /// <summary>Integration step along the rays through the spine, mm (2 mm through the soft tissue elsewhere).</summary>
    public double StepMm { get; init; } = 0.5;
    /// <summary>Linear attenuation of water at the effective beam energy, 1/mm.</summary>
    public double MuWater { get; init; } = 0.02;
    /// <summary>Extra attenuation of opacified cement relative to its CT number (barium's K edge at radiograph
    /// energies): μ = μ_water·(1 + k·HU/1000).</summary>
    public double CementContrastFactor { get; init; } = 1.8;
    /// <summary>The same for bone (calcium's photoelectric absorption at radiograph energies).</summary>
    public double BoneContrastFactor { get; init; } = 1.6;
}

/// <summary>
/// 2D truth of one vertebra in one radiograph, computed by casting 0.25 mm rays through the continuous model.
/// Areas are of the projected body and of the projected in-body cement of this vertebra (leaks excluded).
/// AP: <see cref="LeftFraction"/> is the share of projected cement area on the patient's left of the projected
/// midline (the vertebra's true midsagittal plane cut by the coronal plane through its centre).
/// LAT: gaps are measured in the image along the projected cranio-caudal axis, from the cement's projection to
/// the projection of the endplate's midsagittal profile.
/// </summary>
public sealed record RadiographVertebraTruth
{
    public required string Vertebra { get; init; }
    public required int Label { get; init; }
    public required View View { get; init; }
    /// <summary>Projected body centroid, 0-based pixel row as stored.</summary>
    public required double ImageRow { get; init; }
    /// <summary>Projected body centroid, 0-based pixel column as stored.</summary>
    public required double ImageCol { get; init; }
    public required double BodyAreaMm2 { get; init; }
    public required double CementAreaMm2 { get; init; }
    public required double FillAreaPct { get; init; }
    public double? LeftFraction { get; init; }
    public bool? CrossesMidline { get; init; }
    public double? SuperiorGapMm { get; init; }
    public double? InferiorGapMm { get; init; }
    public bool? SuperiorContact { get; init; }
    public bool? InferiorContact { get; init; }
    public bool? Npec { get; init; }
}

/// <summary>A rendered radiograph with what the DICOM writer needs and its truth. Pixel (col, row) centre lies
/// at <see cref="Origin"/> + col·<see cref="ColumnStep"/> + row·<see cref="RowStep"/> on the plane through the
/// spine perpendicular to <see cref="RayDirection"/> (parallel projection).</summary>
public sealed record RenderedRadiograph(
    Image2D<ushort> Image,
    View View,
    string PatientOrientation,
    Photometric Photometric,
    Vec3 Origin,
    Vec3 ColumnStep,
    Vec3 RowStep,
    Vec3 RayDirection,
    IReadOnlyList<RadiographVertebraTruth> Truth)
{
    /// <summary>ImagerPixelSpacing (0018,1164): row spacing, column spacing, mm.</summary>
    public (double Row, double Column) ImagerPixelSpacing => (Image.RowSpacing, Image.ColumnSpacing);
    public string PhotometricInterpretation => Photometric == Photometric.Monochrome1 ? "MONOCHROME1" : "MONOCHROME2";
    public int BitsStored => 12;
    /// <summary>DICOM ViewPosition (0018,5101): AP or LL (left lateral).</summary>
    public string ViewPosition => View == View.AP ? "AP" : "LL";
}

/// <summary>
/// Digitally reconstructed radiographs: parallel rays through the model, line integrals of μ = μ_water·(1 +
/// HU/1000) (cement higher, see <see cref="RadiographOptions.CementContrastFactor"/>), Beer–Lambert transmission,
/// quantum noise, log response and gain into 12 bits.
/// Orientation: the AP image is seen from the front with the patient's left on the viewer's right: columns
/// increase toward the patient's left, rows toward the feet, PatientOrientation (0020,0020) "L\F" ("R\F" when
/// mirrored). The lateral image has anterior on the viewer's left: columns increase toward posterior, rows
/// toward the feet: "P\F" ("A\F" when mirrored).
/// </summary>
public static class RadiographRenderer
{
    private const double TruthStep = 0.25;

    public static RenderedRadiograph Render(PhantomCase phantom, View view, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(phantom);
        var opt = phantom.Radiograph;
        var model = phantom.Model;
        var g = RadiographProjection.Of(phantom, view);
        var integrals = RadiographRays.LineIntegrals(model, opt, g, adaptive: true);

        var image = new Image2D<ushort>(g.Width, g.Height, opt.PixelSpacing, opt.PixelSpacing);
        var viewSalt = view == View.AP ? 0x0A9UL : 0x1A7UL;
        Parallel.For(0, g.Height, row =>
        {
            var rng = new SplitMix(((ulong)(uint)seed << 20) ^ viewSalt * 0x9E3779B97F4A7C15UL ^ (ulong)row * 0xD1B54A32D192ED03UL);
            var line = image.Row(row);
            for (var col = 0; col < g.Width; col++)
            {
                var expected = opt.Photons * Math.Exp(-integrals[row * g.Width + col]);
                var noisy = expected + Math.Sqrt(expected) * rng.NextGaussian();
                var l = -Math.Log(Math.Max(noisy, 0.5) / opt.Photons);
                var value = Math.Clamp(Math.Round(opt.Offset + opt.Gain * l), 0, 4095);
                if (opt.Photometric == Photometric.Monochrome1) value = 4095 - value;
                line[col] = (ushort)value;
            }
        });

        var truth = new List<RadiographVertebraTruth>();
        for (var k = 0; k < model.Vertebrae.Count; k++)
            truth.Add(VertebraTruth2D(model, k, view, g.Ray, g.SAxis, g.Origin, g.ColumnStep, g.RowStep, phantom.ContactToleranceMm));

        var mirrored = opt.Mirrored;
        var orientation = view == View.AP ? (mirrored ? "R\\F" : "L\\F") : (mirrored ? "A\\F" : "P\\F");
        return new RenderedRadiograph(image, view, orientation, opt.Photometric, g.Origin, g.ColumnStep, g.RowStep, g.Ray, truth);
    }

    private static RadiographVertebraTruth VertebraTruth2D(SpineModel model, int k, View view, Vec3 ray, Vec3 sAxis,
        Vec3 origin, Vec3 columnStep, Vec3 rowStep, double tol)
    {
        var v = model.Vertebrae[k];
        var seed = model.Spec.TextureSeed;
        var shapes = v.Spec.Cement?.Shapes.Where(s => s.Site == CementSite.Body).ToArray() ?? [];
        var f = v.Frame;
        var (sMin, sMax, tMin, tMax, dMin, dMax) = ProjectedBox(v, sAxis, ray);
        var h = TruthStep;
        const double hd = 2 * TruthStep; // along the ray: only thin (< 0.5 mm) cement would be missed
        var ns = (int)Math.Ceiling((sMax - sMin) / h); var nt = (int)Math.Ceiling((tMax - tMin) / h); var nd = (int)Math.Ceiling((dMax - dMin) / hd);
        var cementBox = CementBounds(v, shapes);
        var up = new Vec3(0, 0, 1);
        long bodyCells = 0, cementCells = 0, leftCells = 0;
        double leftReach = 0, rightReach = 0;
        var cementPoints = new List<(double S, double T)>();
        var centre = f.Origin;
        var uInPlane = new Vec3(f.U.Dot(sAxis), 0, f.U.Z); // U's in-plane components (s, ·, t)
        var uInPlaneLen = Math.Sqrt(uInPlane.X * uInPlane.X + uInPlane.Z * uInPlane.Z);
        for (var i = 0; i < ns; i++)
        {
            var s = sMin + (i + 0.5) * h;
            for (var j = 0; j < nt; j++)
            {
                var t = tMin + (j + 0.5) * h;
                var (hitBody, hitCement) = AlongRay(v, shapes, cementBox, seed, sAxis * s + up * t, ray, dMin, nd, hd);
                if (hitBody) bodyCells++;
                if (!hitCement) continue;
                cementCells++;
                cementPoints.Add((s, t));
                if (view == View.AP)
                {
                    // Signed in-plane distance from the projected midline, positive toward the patient's left.
                    var side = ((s - centre.Dot(sAxis)) * uInPlane.X + (t - centre.Z) * uInPlane.Z) / uInPlaneLen;
                    if (side > 0) { leftCells++; leftReach = Math.Max(leftReach, side + h / 2); }
                    else rightReach = Math.Max(rightReach, -side + h / 2);
                }
            }
        }
        var cell = h * h;
        var bodyArea = bodyCells * cell; var cementArea = cementCells * cell;
        var has = cementCells > 0;

        // Centroid in the stored image.
        var c3 = f.ToPatient(TruthCalculator.BodyIntegrals(v).LocalCentroid);
        var rel = c3 - origin;
        var colPx = rel.Dot(columnStep) / columnStep.Dot(columnStep);
        var rowPx = rel.Dot(rowStep) / rowStep.Dot(rowStep);

        double? left = null; bool? crosses = null;
        double? gapSup = null, gapInf = null; bool? supC = null, infC = null, npec = null;
        if (view == View.AP && has)
        {
            left = leftCells / (double)cementCells;
            var minor = leftCells * 2 >= cementCells ? rightReach : leftReach;
            crosses = minor >= 2.0;
        }
        if (view == View.Lateral)
        {
            supC = false; infC = false; npec = false;
            if (has)
            {
                (gapSup, gapInf) = LateralGaps(v, sAxis, cementPoints, h);
                supC = gapSup <= tol; infC = gapInf <= tol;
                npec = !(supC.Value && infC.Value);
            }
        }
        return new RadiographVertebraTruth
        {
            Vertebra = v.Name, Label = v.Label, View = view, ImageRow = rowPx, ImageCol = colPx,
            BodyAreaMm2 = bodyArea, CementAreaMm2 = cementArea, FillAreaPct = bodyArea > 0 ? 100 * cementArea / bodyArea : 0,
            LeftFraction = left, CrossesMidline = crosses,
            SuperiorGapMm = gapSup, InferiorGapMm = gapInf, SuperiorContact = supC, InferiorContact = infC, Npec = npec,
        };
    }

    /// <summary>Projected extent of the body box: along the detector's s axis, patient z (t) and the ray (d).</summary>
    private static (double SMin, double SMax, double TMin, double TMax, double DMin, double DMax) ProjectedBox(VertebraModel v, Vec3 sAxis, Vec3 ray)
    {
        var f = v.Frame;
        double sMin = double.MaxValue, sMax = double.MinValue, tMin = double.MaxValue, tMax = double.MinValue, dMin = double.MaxValue, dMax = double.MinValue;
        for (var c = 0; c < 8; c++)
        {
            var p = f.ToPatient((c & 1) == 0 ? -v.HalfWidth : v.HalfWidth, (c & 2) == 0 ? -v.HalfDepth : v.HalfDepth, (c & 4) == 0 ? -v.HalfHeight : v.HalfHeight);
            var s = p.Dot(sAxis); var d = p.Dot(ray);
            sMin = Math.Min(sMin, s); sMax = Math.Max(sMax, s); tMin = Math.Min(tMin, p.Z); tMax = Math.Max(tMax, p.Z);
            dMin = Math.Min(dMin, d); dMax = Math.Max(dMax, d);
        }
        return (sMin, sMax, tMin, tMax, dMin, dMax);
    }

    /// <summary>The local bounding box of the in-body cement shapes (empty, min above max, without any).</summary>
    private static (Vec3 Lo, Vec3 Hi) CementBounds(VertebraModel v, CementShape[] shapes)
    {
        var cLo = new Vec3(double.MaxValue, double.MaxValue, double.MaxValue); var cHi = -cLo;
        foreach (var sh in shapes)
        {
            var (a, b) = sh.LocalBounds(v);
            cLo = new Vec3(Math.Min(cLo.X, a.X), Math.Min(cLo.Y, a.Y), Math.Min(cLo.Z, a.Z));
            cHi = new Vec3(Math.Max(cHi.X, b.X), Math.Max(cHi.Y, b.Y), Math.Max(cHi.Z, b.Z));
        }
        return (cLo, cHi);
    }

    /// <summary>Whether the ray through a detector point crosses the body, and its cement, sampled every
    /// <paramref name="hd"/> mm from <paramref name="dMin"/>.</summary>
    private static (bool Body, bool Cement) AlongRay(VertebraModel v, CementShape[] shapes, (Vec3 Lo, Vec3 Hi) box, uint seed, Vec3 start,
        Vec3 ray, double dMin, int nd, double hd)
    {
        var (cLo, cHi) = box;
        bool hitBody = false, hitCement = false;
        for (var l = 0; l < nd && !(hitBody && (hitCement || shapes.Length == 0)); l++)
        {
            var p = start + ray * (dMin + (l + 0.5) * hd);
            var local = v.Frame.ToLocal(p);
            if (!v.InBody(local)) continue;
            hitBody = true;
            if (!hitCement && local.X >= cLo.X && local.X <= cHi.X && local.Y >= cLo.Y && local.Y <= cHi.Y && local.Z >= cLo.Z && local.Z <= cHi.Z)
            {
                foreach (var sh in shapes)
                {
                    if (sh.Contains(local, p, v, seed)) { hitCement = true; break; }
                }
            }
        }
        return (hitBody, hitCement);
    }

    /// <summary>Gaps in the lateral image along the projected cranial axis between the cement's projection and
    /// the projected midsagittal profiles (u = 0) of the endplates.</summary>
    private static (double Sup, double Inf) LateralGaps(VertebraModel v, Vec3 sAxis, List<(double S, double T)> cement, double h)
    {
        var f = v.Frame;
        var wS = f.W.Dot(sAxis); var wT = f.W.Z;
        var wl = Math.Sqrt(wS * wS + wT * wT); wS /= wl; wT /= wl;
        var aS = wT; var aT = -wS; // perpendicular, in the image plane
        var cs = f.Origin.Dot(sAxis); var ct = f.Origin.Z;
        // Profile of each endplate at u = 0 in (a, b) image coordinates.
        var rMinus = v.SectionRadius(-Math.PI / 2); var rPlus = v.SectionRadius(Math.PI / 2);
        const int n = 400;
        var sup = new (double A, double B)[n]; var inf = new (double A, double B)[n];
        for (var i = 0; i < n; i++)
        {
            var vv = -rMinus + (rMinus + rPlus) * i / (n - 1.0);
            var ps = f.ToPatient(0, vv, v.SuperiorEndplateW(0, vv));
            var pi = f.ToPatient(0, vv, v.InferiorEndplateW(0, vv));
            sup[i] = ToAB(ps.Dot(sAxis), ps.Z); inf[i] = ToAB(pi.Dot(sAxis), pi.Z);
        }
        Array.Sort(sup, (x, y) => x.A.CompareTo(y.A)); Array.Sort(inf, (x, y) => x.A.CompareTo(y.A));
        double gs = double.MaxValue, gi = double.MaxValue;
        foreach (var (s, t) in cement)
        {
            var (a, b) = ToAB(s, t);
            if (Interp(sup, a) is { } bs) gs = Math.Min(gs, bs - (b + h / 2));
            if (Interp(inf, a) is { } bi) gi = Math.Min(gi, (b - h / 2) - bi);
        }
        return (Math.Max(0, gs), Math.Max(0, gi));

        (double A, double B) ToAB(double s, double t) => ((s - cs) * aS + (t - ct) * aT, (s - cs) * wS + (t - ct) * wT);
    }

    private static double? Interp((double A, double B)[] curve, double a)
    {
        if (a < curve[0].A || a > curve[^1].A) return null;
        var lo = 0; var hi = curve.Length - 1;
        while (hi - lo > 1) { var m = (lo + hi) / 2; if (curve[m].A <= a) lo = m; else hi = m; }
        var span = curve[hi].A - curve[lo].A;
        var t = span > 0 ? (a - curve[lo].A) / span : 0;
        return curve[lo].B + (curve[hi].B - curve[lo].B) * t;
    }
}

/// <summary>The image geometry of one view: pixel (col, row) centre at <see cref="Origin"/> + col·ColumnStep +
/// row·RowStep; its ray runs along <see cref="Ray"/> from depth <see cref="RayStart"/> to <see cref="RayEnd"/>
/// (measured from the plane through the origin), finely sampled between FineStart and FineEnd.</summary>
internal sealed record RadiographProjection(int Width, int Height, Vec3 Origin, Vec3 ColumnStep, Vec3 RowStep, Vec3 Ray, Vec3 SAxis,
    double Depth0, double RayStart, double RayEnd, double FineStart, double FineEnd)
{
    public static RadiographProjection Of(PhantomCase phantom, View view)
    {
        var opt = phantom.Radiograph;
        var model = phantom.Model;
        var ab = model.Abdomen;
        var px = opt.PixelSpacing;
        // In-plane axes before mirroring: s along +x (AP) or +y (LAT), t along +z.
        var ray = view == View.AP ? new Vec3(0, 1, 0) : new Vec3(1, 0, 0);
        var sAxis = view == View.AP ? new Vec3(1, 0, 0) : new Vec3(0, 1, 0);
        var (sMin, sMax, tMin, tMax) = ProjectedExtent(model, sAxis);
        sMin -= opt.MarginMm; sMax += opt.MarginMm; tMin -= opt.MarginMm; tMax += opt.MarginMm;
        var width = (int)Math.Ceiling((sMax - sMin) / px);
        var height = (int)Math.Ceiling((tMax - tMin) / px);
        var colDir = opt.Mirrored ? -sAxis : sAxis;
        var centre = model.Vertebrae[(model.Vertebrae.Count - 1) / 2].Frame.Origin;
        var depth0 = centre.Dot(ray);
        var sStart = opt.Mirrored ? sMin + (width - 0.5) * px : sMin + 0.5 * px;
        var origin = sAxis * sStart + new Vec3(0, 0, tMax - 0.5 * px) + ray * depth0;
        // Ray extent: across the abdomen; fine steps inside the spine's box, coarse outside.
        var (bMin, bMax) = model.SpineBounds;
        return view == View.AP
            ? new RadiographProjection(width, height, origin, colDir * px, new Vec3(0, 0, -px), ray, sAxis, depth0,
                ab.Cy - ab.HalfDepth - 1, ab.Cy + ab.HalfDepth + 1, bMin.Y, bMax.Y)
            : new RadiographProjection(width, height, origin, colDir * px, new Vec3(0, 0, -px), ray, sAxis, depth0,
                ab.Cx - ab.HalfWidth - 1, ab.Cx + ab.HalfWidth + 1, bMin.X, bMax.X);
    }

    /// <summary>Where the ray of (fractional) pixel (col, row) enters depth 0.</summary>
    public Vec3 RayBase(double col, double row) => Origin + ColumnStep * col + RowStep * row - Ray * Depth0;

    private static (double SMin, double SMax, double TMin, double TMax) ProjectedExtent(SpineModel model, Vec3 sAxis)
    {
        double sMin = double.MaxValue, sMax = double.MinValue, tMin = double.MaxValue, tMax = double.MinValue;
        foreach (var v in model.Vertebrae)
        {
            var lo = v.LocalExtentMin; var hi = v.LocalExtentMax;
            for (var c = 0; c < 8; c++)
            {
                var p = v.Frame.ToPatient((c & 1) == 0 ? lo.X : hi.X, (c & 2) == 0 ? lo.Y : hi.Y, (c & 4) == 0 ? lo.Z : hi.Z);
                var s = p.Dot(sAxis);
                sMin = Math.Min(sMin, s); sMax = Math.Max(sMax, s);
                tMin = Math.Min(tMin, p.Z); tMax = Math.Max(tMax, p.Z);
            }
        }
        return (sMin, sMax, tMin, tMax);
    }
}

namespace CementQuant.Phantom;

/// <summary>
/// Computes the truth of a case from the continuous model: body volume and centroid by quadrature of the
/// analytic body (exact up to 1D quadrature error), cement, cleft and leak measures on a fine grid
/// (<see cref="GridMm"/> = 0.25 mm, sample centres at (i + ½)·h in each vertebra's local frame, so a
/// left-right symmetric fill is counted exactly symmetric).
/// </summary>
public static class TruthCalculator
{
    public const double GridMm = 0.25;
    private const double MinComponentMl = 0.01;

    public static PhantomTruth Compute(PhantomCase phantom)
    {
        ArgumentNullException.ThrowIfNull(phantom);
        var model = phantom.Model;
        var list = new List<VertebraTruth>();
        for (var k = 0; k < model.Vertebrae.Count; k++)
            list.Add(ComputeVertebra(model, k, phantom.ContactToleranceMm));
        // Fracture geometry needs the neighbours; its flags go before CLEFT, in METRICS.md's order.
        var geometry = FractureTruthCalculator.Compute(model);
        for (var k = 0; k < list.Count; k++)
        {
            if (geometry[k] is not { } g) continue;
            var flags = list[k].Flags.Where(f => f != "CLEFT").ToList();
            if (g.GenantGrade >= 1) flags.Add("FRACTURE");
            if (g.GenantGrade >= 3) flags.Add("SEVERE_COMPRESSION");
            if (list[k].Flags.Contains("CLEFT")) flags.Add("CLEFT");
            list[k] = list[k] with { Geometry = g, Flags = flags };
        }
        return new PhantomTruth(phantom.Name, phantom.Description, phantom.ContactToleranceMm, GridMm, list);
    }

    /// <summary>Section area (mm²) and centroid weights of a body by 1D quadrature over θ; see the derivation
    /// in <see cref="BodyVolumeMm3"/>.</summary>
    internal static (double Area, double Volume, Vec3 LocalCentroid) BodyIntegrals(VertebraModel v)
    {
        if (v.Spec.Fracture is not null) return FracturedBodyIntegrals(v);
        const int n = 8192;
        double area = 0, mu = 0, mv = 0;
        for (var i = 0; i < n; i++)
        {
            var th = -Math.PI + (i + 0.5) * (2 * Math.PI / n);
            var r = v.SectionRadius(th);
            area += r * r / 2;
            var r3 = r * r * r;
            mu += Math.Cos(th) * r3; mv += Math.Sin(th) * r3;
        }
        var dth = 2 * Math.PI / n;
        area *= dth; mu *= dth; mv *= dth;
        var h = 2 * v.HalfHeight; var c = v.Spec.EndplateConcavity;
        var volume = area * (h - c);
        var factor = (h / 3 - 4 * c / 15) / volume;
        return (area, volume, new Vec3(mu * factor, mv * factor, 0));
    }

    /// <summary>A fractured body has no closed form: the midpoint rule on a <see cref="FracturedGridMm"/> grid over its section,
    /// the height between the true endplate surfaces in each cell.</summary>
    private static (double Area, double Volume, Vec3 LocalCentroid) FracturedBodyIntegrals(VertebraModel v)
    {
        var h = FracturedGridMm; var da = h * h;
        double area = 0, vol = 0, mu = 0, mv = 0, mw = 0;
        for (var u = -v.HalfWidth + h / 2; u < v.HalfWidth; u += h)
            for (var vv = -v.HalfDepth + h / 2; vv < v.HalfDepth; vv += h)
            {
                if (v.BeyondRadius(u, vv, 1)) continue;
                double s = v.SuperiorEndplateW(u, vv), i = v.InferiorEndplateW(u, vv), t = Math.Max(0, s - i);
                area += da; vol += t * da; mu += u * t * da; mv += vv * t * da; mw += (s + i) / 2 * t * da;
            }
        return (area, vol, new Vec3(mu / vol, mv / vol, mw / vol));
    }

    /// <summary>Quadrature step of <see cref="FracturedBodyIntegrals"/>, mm.</summary>
    private const double FracturedGridMm = 0.1;

    /// <summary>
    /// Body volume: with height h(ρn) = H − 2c(1 − ρn²) between the concave endplates and ρn = ρ/R(θ),
    /// ∫∫h dA = ∫dθ ∫₀^R h ρ dρ = ∫dθ R²(H − c)/2 = A·(H − c). The centroid's v (and u) moment is
    /// ∫dθ sinθ R³ (H/3 − 4c/15); w is 0 by symmetry.
    /// </summary>
    public static double BodyVolumeMm3(VertebraModel vertebra) => BodyIntegrals(vertebra).Volume;

    private static VertebraTruth ComputeVertebra(SpineModel model, int k, double tol)
    {
        var v = model.Vertebrae[k];
        var seed = model.Spec.TextureSeed;
        var (area, bodyVol, localCentroid) = BodyIntegrals(v);
        var h = GridMm; var cell = h * h * h;
        var cement = v.Spec.Cement;
        var inBodyShapes = cement?.Shapes.Where(s => s.Site == CementSite.Body).ToArray() ?? [];

        // ---- in-body cement on the fine grid ----
        var t = inBodyShapes.Length > 0 ? TallyCement(v, inBodyShapes, seed, tol) : new CementTally();
        var (nLeft, nRight, leftExt, rightExt, gapSup, gapInf) = (t.NLeft, t.NRight, t.LeftExt, t.RightExt, t.GapSup, t.GapInf);
        var (supCols, infCols, supL, supR, infL, infR) = (t.SupCols, t.InfCols, t.SupL, t.SupR, t.InfL, t.InfR);
        var (components, bridgeL, bridgeR) = (t.Components, t.BridgeL, t.BridgeR);

        var leftMl = nLeft * cell / 1000; var rightMl = nRight * cell / 1000;
        var cementMl = leftMl + rightMl;
        var bodyMl = bodyVol / 1000;
        var has = nLeft + nRight > 0;
        var supContact = has && gapSup <= tol; var infContact = has && gapInf <= tol;
        var minorReach = nLeft >= nRight ? rightExt : leftExt;
        var npec = has && !(supContact && infContact);
        var npecType = !npec ? "none" : supContact ? "superior_only" : infContact ? "inferior_only" : "neither";
        var pattern = !has ? "none"
            : inBodyShapes.All(s => !s.Interdigitated) ? "mass_like"
            : inBodyShapes.All(s => s.Interdigitated) ? "trabecular" : "mixed";
        var asym = has ? Math.Abs(leftMl - rightMl) / cementMl : (double?)null;
        var crosses = has ? minorReach >= 2.0 : (bool?)null;
        var fill = 100 * cementMl / bodyMl;

        var (leakMl, sites) = Leakage(model, k);
        var cleftMl = CleftVolume(v, inBodyShapes, seed);

        var flags = TruthFlags(npec, pattern, asym, has, crosses, fill, leakMl, cleftMl);

        return new VertebraTruth
        {
            Vertebra = v.Name,
            Label = v.Label,
            Center = v.Frame.ToPatient(localCentroid),
            BodyVolumeMl = bodyMl,
            CementVolumeMl = cementMl,
            FillPct = fill,
            CementLeftMl = leftMl,
            CementRightMl = rightMl,
            LeftFraction = has ? leftMl / cementMl : null,
            AsymmetryIndex = asym,
            LargerSideFillPct = 100 * Math.Max(leftMl, rightMl) / bodyMl,
            CrossesMidline = crosses,
            ContralateralReachMm = has ? minorReach : null,
            LeftReachPct = has ? 100 * leftExt / v.SectionRadius(0) : null,
            RightReachPct = has ? 100 * rightExt / v.SectionRadius(Math.PI) : null,
            SuperiorContact = supContact,
            InferiorContact = infContact,
            SuperiorGapMm = has ? Math.Max(0, gapSup) : null,
            InferiorGapMm = has ? Math.Max(0, gapInf) : null,
            SuperiorContactPct = 100 * supCols * h * h / area,
            InferiorContactPct = 100 * infCols * h * h / area,
            SuperiorContactLeft = supL,
            SuperiorContactRight = supR,
            InferiorContactLeft = infL,
            InferiorContactRight = infR,
            BridgingLeft = bridgeL,
            BridgingRight = bridgeR,
            Npec = npec,
            NpecType = npecType,
            Components = components,
            Pattern = pattern,
            CleftVolumeMl = cleftMl,
            LeakageVolumeMl = leakMl,
            LeakSites = sites,
            Flags = flags,
            Frame = v.Frame,
            Model = v,
        };
    }

    /// <summary>Tallies of the in-body cement sampled on the fine grid: sides, lateral extents, endplate gaps, contact
    /// columns and halves, components and bridging.</summary>
    private sealed class CementTally
    {
        public long NLeft, NRight, SupCols, InfCols;
        public double LeftExt, RightExt, GapSup = double.MaxValue, GapInf = double.MaxValue;
        public bool SupL, SupR, InfL, InfR, BridgeL, BridgeR;
        public int Components;
    }

    private static CementTally TallyCement(VertebraModel v, CementShape[] inBodyShapes, uint seed, double tol)
    {
        var t = new CementTally();
        var h = GridMm; var cell = h * h * h;
        var lo = new Vec3(double.MaxValue, double.MaxValue, double.MaxValue); var hi = -lo;
        foreach (var s in inBodyShapes)
        {
            var (a, b) = s.LocalBounds(v);
            lo = new Vec3(Math.Min(lo.X, a.X), Math.Min(lo.Y, a.Y), Math.Min(lo.Z, a.Z));
            hi = new Vec3(Math.Max(hi.X, b.X), Math.Max(hi.Y, b.Y), Math.Max(hi.Z, b.Z));
        }
        lo = new Vec3(Math.Max(lo.X, -v.HalfWidth), Math.Max(lo.Y, -v.HalfDepth), Math.Max(lo.Z, -v.HalfHeight));
        hi = new Vec3(Math.Min(hi.X, v.HalfWidth), Math.Min(hi.Y, v.HalfDepth), Math.Min(hi.Z, v.HalfHeight));
        var grid = new Grid(lo, hi, h);
        var mask = new byte[grid.Count];
        // Per sample: bit 0 cement, bit 1 within tolerance of the superior endplate, bit 2 of the inferior.
        Parallel.For(0, grid.Nx, i =>
        {
            var u = grid.U(i);
            for (var j = 0; j < grid.Ny; j++)
            {
                var vv = grid.V(j);
                var ws = v.SuperiorEndplateW(u, vv);
                var wi = -ws;
                for (var l = 0; l < grid.Nz; l++)
                {
                    var w = grid.W(l);
                    if (w > ws || w < wi) continue;
                    var local = new Vec3(u, vv, w);
                    if (!v.InBody(local)) continue;
                    var p = v.Frame.ToPatient(local);
                    var hit = false;
                    foreach (var s in inBodyShapes)
                    {
                        if (s.Contains(local, p, v, seed)) { hit = true; break; }
                    }
                    if (!hit) continue;
                    byte m = 1;
                    if (ws - (w + h / 2) <= tol) m |= 2;
                    if ((w - h / 2) - wi <= tol) m |= 4;
                    mask[grid.Index(i, j, l)] = m;
                }
            }
        });

        for (var i = 0; i < grid.Nx; i++)
        {
            var u = grid.U(i);
            for (var j = 0; j < grid.Ny; j++)
            {
                var vv = grid.V(j);
                double ws = double.NaN;
                bool colSup = false, colInf = false;
                for (var l = 0; l < grid.Nz; l++)
                {
                    var m = mask[grid.Index(i, j, l)];
                    if (m == 0) continue;
                    if (double.IsNaN(ws)) ws = v.SuperiorEndplateW(u, vv);
                    var w = grid.W(l);
                    if (u > 0) { t.NLeft++; t.LeftExt = Math.Max(t.LeftExt, u + h / 2); }
                    else { t.NRight++; t.RightExt = Math.Max(t.RightExt, -u + h / 2); }
                    t.GapSup = Math.Min(t.GapSup, ws - (w + h / 2));
                    t.GapInf = Math.Min(t.GapInf, (w - h / 2) + ws);
                    colSup |= (m & 2) != 0; colInf |= (m & 4) != 0;
                }
                if (colSup) { t.SupCols++; if (u > 0) t.SupL = true; else t.SupR = true; }
                if (colInf) { t.InfCols++; if (u > 0) t.InfL = true; else t.InfR = true; }
            }
        }

        var minVoxels = (int)Math.Ceiling(MinComponentMl * 1000 / cell);
        t.Components = Label(grid, mask, _ => true, minVoxels, out _);
        Label(grid, mask, i => grid.U(i) > 0, minVoxels, out t.BridgeL);
        Label(grid, mask, i => grid.U(i) < 0, minVoxels, out t.BridgeR);
        return t;
    }

    /// <summary>The flags of shared/spec/METRICS.md from the true values.</summary>
    private static List<string> TruthFlags(bool npec, string pattern, double? asym, bool has, bool? crosses, double fill, double leakMl, double cleftMl)
    {
        var flags = new List<string>();
        if (npec) flags.Add("NPEC");
        if (pattern == "mass_like" && asym >= 0.5) flags.Add("ASYMMETRIC_MASS_LIKE");
        if (has && crosses == false) flags.Add("UNILATERAL");
        if (has && fill < 15) flags.Add("LOW_FILL");
        if (leakMl >= 0.05) flags.Add("LEAKAGE");
        if (cleftMl >= 0.05) flags.Add("CLEFT");
        return flags;
    }

    /// <summary>Cement outside every body owned by vertebra k, sampled with the model itself so the truth is
    /// exactly what the renderer draws; each sample counted once (for the first of the vertebra's leak shapes
    /// that contains it).</summary>
    private static (double Ml, IReadOnlyList<string> Sites) Leakage(SpineModel model, int k)
    {
        var v = model.Vertebrae[k];
        var leaks = v.Spec.Cement?.Shapes.Where(s => s.Site != CementSite.Body).ToArray() ?? [];
        var seed = model.Spec.TextureSeed;
        var h = GridMm;
        long total = 0;
        var sites = new SortedSet<CementSite>();
        for (var si = 0; si < leaks.Length; si++)
        {
            var shape = leaks[si];
            var (lo, hi) = shape.LocalBounds(v);
            var grid = new Grid(lo, hi, h);
            long count = 0;
            Parallel.For(0, grid.Nx, () => 0L, (i, _, acc) =>
            {
                var u = grid.U(i);
                for (var j = 0; j < grid.Ny; j++)
                {
                    for (var l = 0; l < grid.Nz; l++)
                    {
                        var local = new Vec3(u, grid.V(j), grid.W(l));
                        var p = v.Frame.ToPatient(local);
                        if (!shape.Contains(local, p, v, seed)) continue;
                        var earlier = false;
                        for (var e = 0; e < si && !earlier; e++) earlier = leaks[e].Contains(local, p, v, seed);
                        if (earlier) continue;
                        var s = model.Sample(p);
                        if (s.Cement && s.Body == 0 && s.CementOwner == k) acc++;
                    }
                }
                return acc;
            }, acc => Interlocked.Add(ref count, acc));
            if (count > 0) sites.Add(shape.Site);
            total += count;
        }
        return (total * h * h * h / 1000, sites.Select(SiteName).ToArray());
    }

    private static double CleftVolume(VertebraModel v, CementShape[] inBody, uint seed)
    {
        if (v.Spec.Cleft is not { } cleft) return 0;
        var grid = new Grid(cleft.Center - cleft.SemiAxes, cleft.Center + cleft.SemiAxes, GridMm);
        long count = 0;
        for (var i = 0; i < grid.Nx; i++)
            for (var j = 0; j < grid.Ny; j++)
                for (var l = 0; l < grid.Nz; l++)
                {
                    var local = new Vec3(grid.U(i), grid.V(j), grid.W(l));
                    if (!cleft.Contains(local) || !v.InBody(local)) continue;
                    var p = v.Frame.ToPatient(local);
                    if (inBody.Any(s => s.Contains(local, p, v, seed))) continue;
                    count++;
                }
        return count * GridMm * GridMm * GridMm / 1000;
    }

    public static string SiteName(CementSite site) => site switch
    {
        CementSite.IntradiscalSuperior => "intradiscal_superior",
        CementSite.IntradiscalInferior => "intradiscal_inferior",
        CementSite.Paravertebral => "paravertebral",
        CementSite.SpinalCanal => "spinal_canal",
        CementSite.Foraminal => "foraminal",
        CementSite.Venous => "venous",
        _ => "body",
    };

    /// <summary>26-connected components of the cement samples in columns accepted by <paramref name="columnFilter"/>
    /// (by u index), counting those of at least <paramref name="minVoxels"/>; <paramref name="bridging"/> is true
    /// when one counted component touches both endplates (has samples flagged 2 and 4).</summary>
    private static int Label(Grid grid, byte[] mask, Func<int, bool> columnFilter, int minVoxels, out bool bridging)
    {
        bridging = false;
        var seen = new bool[mask.Length];
        var stack = new Stack<int>();
        var count = 0;
        var include = new bool[grid.Nx];
        for (var i = 0; i < grid.Nx; i++) include[i] = columnFilter(i);
        for (var start = 0; start < mask.Length; start++)
        {
            if (mask[start] == 0 || seen[start]) continue;
            var (si, _, _) = grid.Unpack(start);
            if (!include[si]) continue;
            seen[start] = true;
            stack.Push(start);
            var size = 0; byte flags = 0;
            while (stack.Count > 0)
            {
                var cur = stack.Pop();
                size++; flags |= mask[cur];
                var (ci, cj, cl) = grid.Unpack(cur);
                for (var di = -1; di <= 1; di++)
                {
                    var ni = ci + di;
                    if (ni < 0 || ni >= grid.Nx || !include[ni]) continue;
                    for (var dj = -1; dj <= 1; dj++)
                    {
                        var nj = cj + dj;
                        if (nj < 0 || nj >= grid.Ny) continue;
                        for (var dl = -1; dl <= 1; dl++)
                        {
                            var nl = cl + dl;
                            if (nl < 0 || nl >= grid.Nz) continue;
                            var ni2 = grid.Index(ni, nj, nl);
                            if (mask[ni2] == 0 || seen[ni2]) continue;
                            seen[ni2] = true;
                            stack.Push(ni2);
                        }
                    }
                }
            }
            if (size >= minVoxels)
            {
                count++;
                if ((flags & 6) == 6) bridging = true;
            }
        }
        return count;
    }

    /// <summary>A local-frame sampling grid with centres at (i + ½)·h, covering [lo, hi].</summary>
    private readonly struct Grid
    {
        private readonly int _i0, _j0, _l0;
        private readonly double _h;

        public Grid(Vec3 lo, Vec3 hi, double h)
        {
            _h = h;
            _i0 = (int)Math.Floor(lo.X / h); _j0 = (int)Math.Floor(lo.Y / h); _l0 = (int)Math.Floor(lo.Z / h);
            Nx = Math.Max(0, (int)Math.Ceiling(hi.X / h) - _i0);
            Ny = Math.Max(0, (int)Math.Ceiling(hi.Y / h) - _j0);
            Nz = Math.Max(0, (int)Math.Ceiling(hi.Z / h) - _l0);
        }

        public int Nx { get; }
        public int Ny { get; }
        public int Nz { get; }
        public int Count => Nx * Ny * Nz;
        public double U(int i) => (_i0 + i + 0.5) * _h;
        public double V(int j) => (_j0 + j + 0.5) * _h;
        public double W(int l) => (_l0 + l + 0.5) * _h;
        public int Index(int i, int j, int l) => (i * Ny + j) * Nz + l;
        public (int I, int J, int L) Unpack(int index)
        {
            var l = index % Nz; var rest = index / Nz;
            return (rest / Ny, rest % Ny, l);
        }
    }
}

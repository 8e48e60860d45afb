using System.Runtime.CompilerServices;

namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Full-resolution segmentation of one vertebral body inside its slab between two disc planes:
/// bone (≥ BoneHu; cement is far above it, so a cemented body is simply solid bone) within a cylinder
/// around the body's axis and anterior to the spinal canal (<see cref="PosteriorCut"/>), without cement
/// beyond the body's own fitted endplates (a disc leak) and, where voxels are too thick along the axis to
/// resolve the endplate, without bone whose voxel centre lies beyond them; holes in the cortical shell filled in axial,
/// coronal and sagittal planes, the shell closed by a lid just outside each fitted endplate; thin
/// attachments (pedicle stubs, rib heads, osteophyte bridges, vein-like leaks) removed by keeping the core
/// component of an opening.
/// </summary>
internal static class BodySegmenter
{
    /// <summary>How far cement may lie beyond the surface fitted to an endplate (partial voxels) and still be body.</summary>
    private const double LeakMarginMm = 1;
    /// <summary>Value of lid voxels in the bone array: walls for hole filling, not body.</summary>
    private const byte Lid = 2;
    /// <summary>
    /// Where the posterior wall ends, as a fraction of the way from the body's level down to the canal's: the
    /// canal's front holds the posterior ligament and epidural veins, of soft-tissue density between bone and
    /// CSF, so the bone's edge lies nearer the body's level than half way.
    /// </summary>
    private const double WallDrop = 0.35;

    /// <summary>The body in <paramref name="slab"/>, cut across <paramref name="posterior"/> at the canal; null when nothing is left.</summary>

    public static RoiMask? Segment(Volume<short> hu, VertebraLocatorOptions o, VertebraLocator.Slab slab, Vec3 posterior)
    {
        var (center, axis, below, above, halfHeightMm) = (slab.Center, slab.Axis, slab.Below, slab.Above, slab.HalfHeight);
        var (endBelow, endAbove) = (slab.EndplateBelow, slab.EndplateAbove);
        var g = hu.Geometry;
        var map = new VoxelMap(g);
        var t = axis.Normalized();
        var pst = BodyGeometry.Orthogonal(posterior, t);
        var lat = pst.Cross(t).Normalized();
        var r = o.MaxBodyRadiusMm;
        var cut = PosteriorCut(hu, map, center, pst, lat, t, o.CementHu);
        // Cement beyond the body's lateral reach (its widest rays, plus the margin) lies against the outside of a wall.
        var reachLeft = LateralReach(hu, map, center, lat, pst, t, o.CementHu) + LeakMarginMm ?? double.MaxValue;
        var reachRight = LateralReach(hu, map, center, -lat, pst, t, o.CementHu) + LeakMarginMm ?? double.MaxValue;

        if (VoxelBox(hu, map, center, t, lat, pst, r, below, above, halfHeightMm) is not var (i0, j0, k0, nx, ny, nz)) return null;
        var bone = new byte[nx * ny * nz];
        var blocked = new byte[bone.Length];
        var frame = new SlabFrame(center, t, pst, lat, r, cut, halfHeightMm, reachLeft, reachRight, below, above, endBelow, endAbove,
            // Lids (bone = 2): a layer just outside each fitted endplate surface that closes the shell for hole filling
            // where the endplate itself reads below the bone threshold (over a gas cleft its partial voxels are soft);
            // they are walls for the filling only, not body.
            LidMm: 1.5 * Math.Max(g.ColumnSpacing, Math.Max(g.RowSpacing, g.SliceSpacing)),
            // A voxel too thick along the axis to resolve the endplate reads as bone when any part of the endplate
            // lies in it: there the fitted endplate surfaces (sub-voxel, from the endplate's partial volumes)
            // decide, and a voxel whose centre lies beyond them is not body.
            Coarse: BodyGeometry.VoxelExtentAlong(g, t) > BodyGeometry.CoarseVoxelMm);
        var seedIdx = Rasterise(hu, o, frame, (i0, j0, k0, nx, ny, nz), bone, blocked);
        // Fill the osteoporotic interior: holes of the cortical shell in each of the three plane orientations.
        var filled = (byte[])bone.Clone();
        for (var axisIndex = 0; axisIndex < 3; axisIndex++) MaskKernels.FillHoles2D(bone, blocked, nx, ny, nz, axisIndex, filled);
        for (var i = 0; i < filled.Length; i++) if (blocked[i] != 0 || filled[i] == Lid) filled[i] = 0;
        if (OpenCore(filled, nx, ny, nz, seedIdx) is not { } opened) return null;
        var roi = new RoiMask(i0, j0, k0, nx, ny, nz);
        for (var i = 0; i < opened.Length; i++) roi.Mask[i] = (byte)(opened[i] & filled[i]);
        PeelPartialVoxels(hu, roi, o.BoneHu);
        return roi;
    }

    /// <summary>The slab's frame and limits, as the per-voxel tests of <see cref="Rasterise"/> read them.</summary>
    private sealed record SlabFrame(Vec3 Center, Vec3 T, Vec3 Pst, Vec3 Lat, double R, double Cut, double HalfHeightMm, double ReachLeft,
        double ReachRight, Plane? Below, Plane? Above, HeightSurface? EndBelow, HeightSurface? EndAbove, double LidMm, bool Coarse)
    {
        /// <summary>Signed distances of <paramref name="p"/> inside the lower and upper disc planes (0 without a plane).</summary>
        public (double Below, double Above) InsidePlanes(Vec3 p) => (Below is { } b ? b.Signed(p) : 0, Above is { } a ? a.Signed(p) : 0);

        /// <summary>Change of <see cref="InsidePlanes"/> per step <paramref name="d"/>.</summary>
        public (double Below, double Above) PlaneSteps(Vec3 d) => (Below is { } b ? d.Dot(b.Normal) : 0, Above is { } a ? d.Dot(a.Normal) : 0);

        /// <summary>Coordinates of <paramref name="p"/> in the lower and upper endplate surfaces' frames (default without one).</summary>
        public (Vec3 Below, Vec3 Above) EndplateLocal(Vec3 p) =>
            (EndBelow is { } eb ? eb.Local(p - eb.Origin) : default, EndAbove is { } ea ? ea.Local(p - ea.Origin) : default);

        /// <summary>Change of <see cref="EndplateLocal"/> per step <paramref name="d"/>.</summary>
        public (Vec3 Below, Vec3 Above) EndplateSteps(Vec3 d) => (EndBelow?.Local(d) ?? default, EndAbove?.Local(d) ?? default);
    }

    /// <summary>Voxel box around the slab (its extent along the axis is bounded by the planes or by halfHeightMm); null when
    /// it misses the volume.</summary>
    private static (int I0, int J0, int K0, int Nx, int Ny, int Nz)? VoxelBox(Volume<short> hu, VoxelMap map, Vec3 center, Vec3 t, Vec3 lat,
        Vec3 pst, double r, Plane? below, Plane? above, double halfHeightMm)
    {
        double lo = -halfHeightMm, hi = halfHeightMm;
        if (below is { } b) lo = Math.Max(lo, AxisHit(center, t, b) - 2);
        if (above is { } a) hi = Math.Min(hi, AxisHit(center, t, a) + 2);
        lo -= 10; hi += 10; // tilted planes reach further off the axis
        int i0 = int.MaxValue, j0 = int.MaxValue, k0 = int.MaxValue, i1 = int.MinValue, j1 = int.MinValue, k1 = int.MinValue;
        foreach (var h in (ReadOnlySpan<double>)[lo, hi])
            foreach (var su in (ReadOnlySpan<double>)[-r, r])
                foreach (var sv in (ReadOnlySpan<double>)[-r, r])
                {
                    var q = map.ToVoxel(center + t * h + lat * su + pst * sv);
                    i0 = Math.Min(i0, (int)Math.Floor(q.X)); i1 = Math.Max(i1, (int)Math.Ceiling(q.X));
                    j0 = Math.Min(j0, (int)Math.Floor(q.Y)); j1 = Math.Max(j1, (int)Math.Ceiling(q.Y));
                    k0 = Math.Min(k0, (int)Math.Floor(q.Z)); k1 = Math.Max(k1, (int)Math.Ceiling(q.Z));
                }
        i0 = Math.Max(0, i0); j0 = Math.Max(0, j0); k0 = Math.Max(0, k0);
        i1 = Math.Min(hu.SizeX - 1, i1); j1 = Math.Min(hu.SizeY - 1, j1); k1 = Math.Min(hu.SizeZ - 1, k1);
        return i1 < i0 || j1 < j0 || k1 < k0 ? null : (i0, j0, k0, i1 - i0 + 1, j1 - j0 + 1, k1 - k0 + 1);
    }

    /// <summary>Marks body bone (1), lids (2) and blocked voxels in the box; returns the index of the allowed voxel nearest
    /// the slab's centre (−1 when none).</summary>
    private static int Rasterise(Volume<short> hu, VertebraLocatorOptions o, SlabFrame f, (int I0, int J0, int K0, int Nx, int Ny, int Nz) box,
        byte[] bone, byte[] blocked)
    {
        var g = hu.Geometry;
        var (i0, j0, k0, nx, ny, nz) = box;
        var (center, t, pst, lat, cut, halfHeightMm) = (f.Center, f.T, f.Pst, f.Lat, f.Cut, f.HalfHeightMm);
        var (coarse, r) = (f.Coarse, f.R);
        var (stepBelow, stepAbove) = f.EndplateSteps(g.ColumnStep);
        var seedIdx = -1; var seedDist2 = double.MaxValue;
        // Every test below is linear or quadratic along a row of voxels: set up per row, stepped per voxel
        // in plain doubles (this loop visits a million voxels per body).
        var (boneHu, cementHu, dx) = (o.BoneHu, o.CementHu, g.ColumnStep);
        double r2 = r * r, dA = dx.Dot(t), dP = dx.Dot(pst), dL = dx.Dot(lat), ss = dx.Dot(dx);
        var (dB, dH) = f.PlaneSteps(dx);
        for (var z = 0; z < nz; z++)
            for (var y = 0; y < ny; y++)
            {
                var p0 = g.ToPatient(i0, j0 + y, k0 + z);
                var d0 = p0 - center;
                double a0 = d0.Dot(t), q0 = d0.Dot(pst), l0 = d0.Dot(lat), n0 = d0.Dot(d0), n1 = 2 * d0.Dot(dx);
                var (b0, h0) = f.InsidePlanes(p0);
                var row = (z * ny + y) * nx;
                var src = hu.IndexOf(i0, j0 + y, k0 + z);
                // Endplate-surface coordinates of the row's first voxel; they step by a constant per voxel.
                var (lb, la) = f.EndplateLocal(p0);
                for (var x = 0; x < nx; x++)
                {
                    var along = a0 + x * dA;
                    var dist2 = n0 + x * (n1 + x * ss);
                    var allowed = dist2 - along * along <= r2 && q0 + x * dP <= cut && along >= -halfHeightMm && along <= halfHeightMm
                        && b0 + x * dB >= 0 && h0 + x * dH >= 0;
                    if (!allowed) { blocked[row + x] = 1; continue; }
                    var h = hu.Data[src + x];
                    var isBone = h >= boneHu && h < cementHu;
                    if (isBone && !coarse) bone[row + x] = 1;
                    else
                    {
                        var code = OffBone(f, lb + stepBelow * x, la + stepAbove * x, h, isBone, cementHu, l0 + x * dL);
                        if (code == Blocked) { blocked[row + x] = 1; continue; }
                        if (code != 0) bone[row + x] = code;
                    }
                    if (dist2 < seedDist2) { seedDist2 = dist2; seedIdx = row + x; }
                }
            }
        return seedIdx;
    }

    /// <summary><see cref="OffBone"/>'s answer for a voxel that is not body and blocks the hole filling.</summary>
    private const byte Blocked = 3;

    /// <summary>
    /// A voxel that is not plain bone at fine resolution: bone in a coarse voxel is body unless its centre lies beyond a
    /// fitted endplate (then a lid); cement is body unless it lies beyond an endplate or a lateral wall (a leak, touching
    /// the body as it may: blocked); anything else just beyond an endplate is a lid. Returns 0, 1, <see cref="Lid"/> or
    /// <see cref="Blocked"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte OffBone(SlabFrame f, Vec3 localBelow, Vec3 localAbove, short h, bool isBone, int cementHu, double side)
    {
        // Depth beyond the body's own endplates (positive outside, toward the disc).
        var beyond = double.MinValue;
        if (f.EndBelow is { } eb) beyond = -eb.SignedLocal(localBelow);
        if (f.EndAbove is { } ea) beyond = Math.Max(beyond, -ea.SignedLocal(localAbove));
        if (isBone) return beyond > 0 && WithinFit(f.EndBelow, localBelow, f.EndAbove, localAbove) ? Lid : (byte)1;
        if (h >= cementHu) return beyond > LeakMarginMm || side > f.ReachLeft || -side > f.ReachRight ? Blocked : (byte)1;
        return beyond > 0 && beyond <= f.LidMm ? Lid : (byte)0;
    }

    /// <summary>Opening core: erode, keep the component nearest the axis centre (the largest among central ones), dilate
    /// back; null when nothing is left.</summary>
    private static byte[]? OpenCore(byte[] filled, int nx, int ny, int nz, int seedIdx)
    {
        var eroded = MaskKernels.Erode6(filled, nx, ny, nz);
        var (labels, sizes) = MaskKernels.Components6(eroded, nx, ny, nz);
        var keep = sizes.Count > 1 ? PickCore(labels, sizes, nx, ny, nz, seedIdx) : 0;
        byte[] opened;
        if (keep > 0) opened = MaskKernels.Dilate6(Only(labels, keep), nx, ny, nz);
        else
        {
            // Too thin to survive the erosion (a body cut by the field of view to two thick slices): its component
            // of the filled mask as it is.
            (labels, sizes) = MaskKernels.Components6(filled, nx, ny, nz);
            keep = sizes.Count > 1 ? PickCore(labels, sizes, nx, ny, nz, seedIdx) : 0;
            if (keep <= 0) return null;
            opened = Only(labels, keep);
        }
        return opened;
    }

    /// <summary>Axes of at most this spacing resolve the cortex well enough for <see cref="PeelPartialVoxels"/>.</summary>
    private const double FineMm = BodyGeometry.CoarseVoxelMm;

    /// <summary>
    /// Partial-volume correction of the surface: a boundary voxel of the mask is kept only when its HU is at
    /// least halfway between the soft tissue or disc outside it (the mean of its outside face neighbours below
    /// <paramref name="boneHu"/>) and the cortex inside (the largest HU among it and its inside face neighbours,
    /// capped at 1000 so cement does not raise the bar), i.e. when at least about half of it is bone. A low
    /// body threshold alone keeps every voxel that holds a few percent of cortex or endplate, which puts the
    /// surface (and the endplate heights) about half a voxel too far out. Judged only across faces along axes
    /// of at most 1.5 mm spacing.
    /// </summary>
    internal static void PeelPartialVoxels(Volume<short> hu, RoiMask roi, int boneHu)
    {
        int nx = roi.SizeX, ny = roi.SizeY, nz = roi.SizeZ, sxy = nx * ny;
        var m = roi.Mask;
        // Only along axes finer than the cortex's blur: with coarser voxels the "cortex inside" is itself a
        // partial voxel and the rule would strip true surface voxels (3 mm CT lost 10-15 % of each body).
        var g = hu.Geometry;
        Span<bool> fine = [g.ColumnSpacing <= FineMm, g.RowSpacing <= FineMm, g.SliceSpacing <= FineMm];
        if (!fine[0] && !fine[1] && !fine[2]) return;
        var drop = new List<int>();
        Span<int> nb = stackalloc int[6];
        for (var z = 0; z < nz; z++)
            for (var y = 0; y < ny; y++)
                for (var x = 0; x < nx; x++)
                {
                    var i = z * sxy + y * nx + x;
                    if (m[i] == 0) continue;
                    nb[0] = x > 0 ? i - 1 : -1; nb[1] = x < nx - 1 ? i + 1 : -1;
                    nb[2] = y > 0 ? i - nx : -1; nb[3] = y < ny - 1 ? i + nx : -1;
                    nb[4] = z > 0 ? i - sxy : -1; nb[5] = z < nz - 1 ? i + sxy : -1;
                    int h = hu.Data[hu.IndexOf(x + roi.X0, y + roi.Y0, z + roi.Z0)];
                    double outside = 0; var nOut = 0; var peak = Math.Min(h, 1000);
                    for (var k = 0; k < 6; k++)
                    {
                        if (nb[k] < 0 || !fine[k / 2]) continue;
                        int q = nb[k], qx = q % nx, qy = q / nx % ny, qz = q / sxy;
                        int hq = hu.Data[hu.IndexOf(qx + roi.X0, qy + roi.Y0, qz + roi.Z0)];
                        if (m[q] != 0) peak = Math.Max(peak, Math.Min(hq, 1000));
                        else if (hq < boneHu) { outside += hq; nOut++; }
                    }
                    if (nOut == 0) continue;
                    if (h < (outside / nOut + peak) / 2) drop.Add(i);
                }
        foreach (var i in drop) m[i] = 0;
    }

    /// <summary>
    /// True when a point lies over the part of its nearer fitted endplate that the fit saw (within
    /// <see cref="DiscSearch.DiscFitRadiusMm"/> of its centre): beyond that a quadratic dome says little of a real
    /// endplate's rim, which rises more steeply.
    /// </summary>
    private static bool WithinFit(HeightSurface? below, Vec3 localBelow, HeightSurface? above, Vec3 localAbove)
    {
        const double R2 = DiscSearch.DiscFitRadiusMm * DiscSearch.DiscFitRadiusMm;
        var nearBelow = below is not null && (above is null || Math.Abs(localBelow.Z) < Math.Abs(localAbove.Z));
        var l = nearBelow ? localBelow : localAbove;
        return (nearBelow ? below : above) is not null && l.X * l.X + l.Y * l.Y <= R2;
    }

    /// <summary>A 0/1 mask of the voxels labelled <paramref name="keep"/>.</summary>
    private static byte[] Only(int[] labels, int keep)
    {
        var m = new byte[labels.Length];
        for (var i = 0; i < m.Length; i++) if (labels[i] == keep) m[i] = 1;
        return m;
    }

    /// <summary>The eroded component that contains the seed, else the largest one touching a small ball around it.</summary>
    private static int PickCore(int[] labels, List<int> sizes, int nx, int ny, int nz, int seed)
    {
        if (seed >= 0 && labels[seed] > 0) return labels[seed];
        int sx = seed % nx, sy = seed / nx % ny, sz = seed / (nx * ny);
        var best = 0; var bestSize = 0;
        var rad = Math.Max(3, Math.Min(nx, Math.Min(ny, nz)) / 4);
        for (var z = Math.Max(0, sz - rad); z <= Math.Min(nz - 1, sz + rad); z++)
            for (var y = Math.Max(0, sy - rad); y <= Math.Min(ny - 1, sy + rad); y++)
                for (var x = Math.Max(0, sx - rad); x <= Math.Min(nx - 1, sx + rad); x++)
                {
                    var l = labels[(z * ny + y) * nx + x];
                    if (l > 0 && sizes[l] > bestSize) { best = l; bestSize = sizes[l]; }
                }
        return best;
    }

    private static double AxisHit(Vec3 c, Vec3 t, Plane p)
    {
        var den = t.Dot(p.Normal);
        return Math.Abs(den) < 1e-6 ? 0 : (p.Point - c).Dot(p.Normal) / den;
    }

    /// <summary>
    /// Distance from the body centre, posteriorly, at which the spinal canal begins: the median of the wall
    /// crossings (<see cref="WallCrossings"/>) of 35 rays from points up to 6 mm sideways and 9 mm along the
    /// axis from the centre, so the basivertebral foramen (a notch at mid-height) does not move it; 20 mm
    /// without five usable rays.
    /// </summary>
    internal static double PosteriorCut(Volume<short> hu, VoxelMap map, Vec3 c, Vec3 pst, Vec3 lat, Vec3 t, int cementHu)
    {
        var cuts = WallCrossings(hu, map, c, pst, lat, [-6, -3, 0, 3, 6], t, cementHu, back: 10);
        if (cuts.Count < 5) return 20;
        cuts.Sort();
        return cuts[cuts.Count / 2];
    }

    /// <summary>
    /// How far the body reaches toward <paramref name="side"/> (±lateral): the 90th percentile of the wall
    /// crossings of 35 rays from the front two thirds of the body (rays further back meet the pedicles); null
    /// without ten usable rays. Cement beyond it is a leak lying against the wall.
    /// </summary>
    internal static double? LateralReach(Volume<short> hu, VoxelMap map, Vec3 c, Vec3 side, Vec3 pst, Vec3 t, int cementHu)
    {
        var reach = WallCrossings(hu, map, c, side, pst, [-9, -6, -3, 0, 3], t, cementHu, back: 0);
        if (reach.Count < 10) return null;
        reach.Sort();
        return reach[(int)(0.9 * (reach.Count - 1))];
    }

    /// <summary>
    /// Where rays along <paramref name="dir"/> leave the body, in mm from <paramref name="c"/>: one ray from each
    /// point offset by <paramref name="across"/> × each of <paramref name="offsets"/> and by 3 mm steps up to
    /// 9 mm along <paramref name="t"/>, sampled from <paramref name="back"/> mm before the centre (which can lie
    /// near the posterior wall) to 50 mm beyond it (HU clipped to 400, so cement reads as dense bone, and
    /// smoothed over 3 mm). On each, the body's level is the median of its first 6 mm (a ray that starts in
    /// cement at the centre gives none) and the outside's the lowest value 8–45 mm out; the wall's
    /// outer surface is where the ray falls <see cref="WallDrop"/> of the way from the body's level (at most
    /// 150) to the outside's (at least −20, fat) and stays there for 5 mm. A ray with cement within 3 mm before
    /// or 6 mm after that point gives none (a leak against the wall hides it), nor does one without contrast.
    /// </summary>
    private static List<double> WallCrossings(Volume<short> hu, VoxelMap map, Vec3 c, Vec3 dir, Vec3 across, ReadOnlySpan<double> offsets, Vec3 t, int cementHu, int back)
    {
        const int Back = 10, Max = 50, Run = 5, N = Back + Max + 1;
        // Samples before the ray's own start are read but not used.
        var head0 = Back - back;
        Span<float> raw = stackalloc float[N];
        Span<double> prof = stackalloc double[N];
        Span<double> head = stackalloc double[7];
        var found = new List<double>();
        foreach (var a in offsets)
            for (var b = -3; b <= 3; b++)
            {
                var o = c + across * a + t * (3.0 * b);
                for (var i = 0; i < N; i++)
                {
                    var q = map.ToVoxel(o + dir * (i - Back));
                    raw[i] = Sampler.Trilinear(hu, q.X, q.Y, q.Z);
                }
                for (var i = 0; i < N; i++)
                    prof[i] = (Clip(raw[Math.Max(0, i - 1)]) + Clip(raw[i]) + Clip(raw[Math.Min(N - 1, i + 1)])) / 3;
                prof.Slice(head0, 7).CopyTo(head);
                head.Sort();
                var body = head[3];
                // A lateral ray that starts in cement has no level of bone to fall from.
                if (back == 0 && raw[0] >= cementHu) continue;
                var outside = double.MaxValue;
                for (var i = Back + 8; i <= Back + 45; i++) outside = Math.Min(outside, prof[i]);
                if (body - outside < 40) continue;
                // Cement or a dense body must not raise the bar above trabecular bone, nor fat lower it.
                var (bodyLevel, outsideLevel) = (Math.Min(body, 150), Math.Max(outside, -20));
                var bar = bodyLevel - WallDrop * (bodyLevel - outsideLevel);
                for (var i = head0 + 7; i < N - Run; i++)
                {
                    var low = true;
                    for (var q = i; q < i + Run && low; q++) low = prof[q] < bar;
                    if (!low) continue;
                    var leak = false;
                    for (var q = Math.Max(0, i - 3); q <= Math.Min(N - 1, i + 6) && !leak; q++) leak = raw[q] >= cementHu;
                    // Interpolate the crossing between the last sample above and the first below.
                    if (!leak) found.Add(i - Back - (prof[i - 1] <= bar ? 0 : 1 - (prof[i - 1] - bar) / (prof[i - 1] - prof[i])));
                    break;
                }
            }
        return found;

        static double Clip(float h) => Math.Clamp(h, -200f, 400f);
    }
}

namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Finds, segments, labels and frames every vertebral body in a CT volume (HU, LPS geometry).
/// <list type="number">
/// <item>Detection on a coarse patient-aligned grid: the anterior column is tracked as a vertical chain of
/// "body with a canal behind it" near the midline (<see cref="ColumnTracker"/>).</item>
/// <item>Discs: along the chain, lines parallel to the column find a soft layer between two denser ones (the
/// endplates) near each disc (<see cref="DiscSearch.DiscProfile"/>); regularly spaced peaks of that profile are the discs,
/// and each disc's plane is fitted to the disc's own mid-surface (<see cref="DiscSearch.DiscPlane"/>), not taken across
/// the column, so shifted, tilted or wedge-shaped discs separate their bodies cleanly.</item>
/// <item>Each slab between discs is segmented at full resolution (<see cref="BodySegmenter"/>) and
/// measured (<see cref="BodyGeometry"/>).</item>
/// <item>The lowest slab is recognised as the sacrum when it is long (no disc below S1) or fused to wide
/// bone (alae, ilia); labels are then counted up from it, otherwise from the last rib-bearing vertebra,
/// otherwise V1, V2, ... from the top.</item>
/// </list>
/// </summary>
public static class VertebraLocator
{
    private const double SectionRadiusMm = 20;
    /// <summary>Axial rotation (from the body's symmetry) beyond which a body is segmented again with its own posterior direction.</summary>
    private const double RecutDeg = 3;

    public static VertebraLocatorResult Locate(Volume<short> hu, VertebraLocatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(hu);
        ArgumentNullException.ThrowIfNull(options);
        var w = WorkGrid.Build(hu, options.WorkingSpacingMm, options.CementHu);
        if (ColumnTracker.Track(w, options) is not { } chain) return new VertebraLocatorResult([], [VertebraQc.NoSpineFound]);
        var found = FindBodies(hu, w, chain, options);
        var (bodies, sacrumIndex, broken) = found;
        if (bodies.Count == 0) return new VertebraLocatorResult([], [VertebraQc.NoSpineFound]);
        var qc = new List<string>();
        // Counting levels across a rejected candidate would skip or add a level: such a spine is labelled by index.
        if (broken) sacrumIndex = -1;
        var labels = SpineLabeler.Label(w, bodies.Select(b => (b.Slab, b.Shape)).ToList(), sacrumIndex, options, !broken, out var source);
        if (source == "index") qc.Add(VertebraQc.LabelsByIndex);
        var result = new List<VertebraRoi>(bodies.Count);
        for (var i = 0; i < bodies.Count; i++) result.Add(ToRoi(bodies[i], i, labels[i], source, i == found.SacrumIndex && i == bodies.Count - 1));
        return new VertebraLocatorResult(result, qc);
    }

    /// <summary>The bodies along one tracked chain, superior first, the index of S1 among them (−1 when none), and whether
    /// a rejected candidate lay between two kept bodies.</summary>
    private sealed record Found(List<(Slab Slab, RoiMask Mask, BodyShape Shape)> Bodies, int SacrumIndex, bool Broken);

    /// <summary>
    /// Discs, slabs and bodies along a tracked chain. Sacral segments below S1 are not vertebral bodies to report, nor
    /// is a candidate that is not bone (<see cref="BoneShell"/>: a contrast-filled lumen the tracker took for a body),
    /// the sacrum's fused segments are judged as one.
    /// </summary>
    private static Found FindBodies(Volume<short> hu, WorkGrid w, ColumnTracker.Chain chain, VertebraLocatorOptions options)
    {
        var column = Column.From(w, chain).Extend(w, EndSearchMm, out var chainFirst, out var chainLast);
        var (low, discs, high) = Bounds(hu, w, column, chainFirst, chainLast);
        var slabs = Slabs(hu, w, column, low, discs, high);
        var bodies = KeepBodies(slabs, SegmentSlabs(hu, options, slabs), options);
        var sacrumIndex = SacrumIndex(w, bodies);
        if (sacrumIndex >= 0) bodies.RemoveRange(sacrumIndex + 1, bodies.Count - sacrumIndex - 1);
        var keep = bodies.Select((b, i) => (sacrumIndex >= 0 && i == sacrumIndex) || BoneShell.LooksLikeBone(hu, b.Mask, options.CementHu)).ToList();
        var first = keep.IndexOf(true); var last = keep.LastIndexOf(true);
        var broken = false;
        var kept = new List<(Slab Slab, RoiMask Mask, BodyShape Shape)>();
        for (var i = 0; i < bodies.Count; i++)
        {
            if (keep[i]) kept.Add(bodies[i]);
            else broken |= i > first && i < last;
        }
        return new Found(kept, sacrumIndex >= 0 ? kept.Count - 1 : -1, broken);
    }

    /// <summary>The bounds of the bodies along the column: the lower end, the discs between, the upper end. A clean gap
    /// inside the tracked chain with bone beyond it is a disc the spacing search passed over; segments too long for one
    /// body are split.</summary>
    private static (End Low, List<int> Discs, End High) Bounds(Volume<short> hu, WorkGrid w, Column column, int chainFirst, int chainLast)
    {
        var (dense, mean) = Profiles(w, column);
        var discness = DiscSearch.DiscProfile(hu, column);
        var discs = DiscSearch.FindDiscs(w, discness[chainFirst..(chainLast + 1)]).Select(d => d + chainFirst).ToList();
        var low = ColumnEnd(w, column, dense, mean, discs.Count > 0 ? discs[0] : (chainFirst + chainLast) / 2, chainFirst, -1);
        while (!low.Open && low.Index > chainFirst + 2 && low.Disc) { discs.Insert(0, low.Index); low = ColumnEnd(w, column, dense, mean, low.Index, chainFirst, -1); }
        var high = ColumnEnd(w, column, dense, mean, discs.Count > 0 ? discs[^1] : (chainFirst + chainLast) / 2, chainLast, +1);
        while (!high.Open && high.Index < chainLast - 2 && high.Disc) { discs.Add(high.Index); high = ColumnEnd(w, column, dense, mean, high.Index, chainLast, +1); }
        DiscSearch.SplitLongSegments(discs, low, high, discness);
        return (low, discs, high);
    }

    /// <summary>Each slab's body segmented and measured (in parallel); null where nothing was found. The posterior cut is
    /// across the patient's AP axis; an axially rotated vertebra is cut again across its own (from its symmetry), so
    /// neither pedicle root is kept nor a posterior corner lost.</summary>
    private static (RoiMask Mask, BodyShape Shape)?[] SegmentSlabs(Volume<short> hu, VertebraLocatorOptions options, List<Slab> slabs)
    {
        var shapes = new (RoiMask Mask, BodyShape Shape)?[slabs.Count];
        Parallel.For(0, slabs.Count, i =>
        {
            var sl = slabs[i];
            var mask = BodySegmenter.Segment(hu, options, sl, sl.Posterior);
            if (mask is null || mask.Count() == 0) return;
            var shape = BodyGeometry.Measure(hu, mask, sl.Axis, options.EndplateGridStepMm, options.CementHu, sl.EndplateBelow, sl.EndplateAbove);
            var assumed = BodyGeometry.Orthogonal(sl.Posterior, sl.Axis);
            var own = BodyGeometry.Orthogonal(shape.Frame.Posterior, sl.Axis);
            if (assumed.Dot(own) < Math.Cos(RecutDeg * Math.PI / 180)
                && BodySegmenter.Segment(hu, options, sl, own) is { } again && again.Count() > 0)
            {
                mask = again;
                shape = BodyGeometry.Measure(hu, mask, sl.Axis, options.EndplateGridStepMm, options.CementHu, sl.EndplateBelow, sl.EndplateAbove,
                    (shape.MidsagittalNormal, shape.MidsagittalPoint));
            }
            shapes[i] = (mask, shape);
        });
        return shapes;
    }

    /// <summary>What was segmented, superior first, without small slivers cut by the field of view.</summary>
    private static List<(Slab Slab, RoiMask Mask, BodyShape Shape)> KeepBodies(List<Slab> slabs, (RoiMask Mask, BodyShape Shape)?[] shapes,
        VertebraLocatorOptions options)
    {
        var bodies = new List<(Slab Slab, RoiMask Mask, BodyShape Shape)>();
        for (var i = 0; i < slabs.Count; i++)
        {
            if (shapes[i] is not { } ms) continue;
            var partial = ms.Shape.TouchesFov;
            if (partial && ms.Shape.VolumeMl < options.MinPartialVolumeMl) continue;
            if (!partial && ms.Shape.VolumeMl < 2) continue;
            bodies.Add((slabs[i], ms.Mask, ms.Shape));
        }
        bodies.Sort((a, b) => b.Shape.Centroid.Z.CompareTo(a.Shape.Centroid.Z));
        return bodies;
    }

    /// <summary>The index of S1 among the bodies, else −1: the lowest body when it is sacrum, or the highest of the sacral
    /// segments above it when a remnant S1–S2 disc split the sacrum (<see cref="SpineLabeler.IsUpperSacralSegment"/>).
    /// Five rib-free lumbar vertebrae lie between the last rib and the sacrum: a "sacrum" under bodies that all bear
    /// ribs is a chest structure (heart, contrast-filled vessels, a cropped field), never S1.</summary>
    private static int SacrumIndex(WorkGrid w, List<(Slab Slab, RoiMask Mask, BodyShape Shape)> bodies)
    {
        if (bodies.Count == 0) return -1;
        var last = bodies[^1];
        var ribFreeAbove = bodies.Count == 1 || bodies.Take(bodies.Count - 1).Any(b => !SpineLabeler.HasRibs(w, b.Shape));
        if (!ribFreeAbove || !SpineLabeler.IsSacrum(w, last.Slab, last.Shape)) return -1;
        var s1 = bodies.Count - 1;
        while (s1 > 0 && SpineLabeler.IsUpperSacralSegment(w, bodies[s1 - 1].Shape)) s1--;
        return s1;
    }

    /// <summary>A found body as the locator's result, with its QC notes and confidence.</summary>
    private static VertebraRoi ToRoi((Slab Slab, RoiMask Mask, BodyShape Shape) body, int index, string label, string source, bool sacrum)
    {
        var (_, mask, shape) = body;
        var notes = new List<string>();
        var partial = shape.TouchesFov;
        if (partial) notes.Add(VertebraQc.PartialFov);
        var confidence = partial ? 0.5 : 1.0;
        if (!sacrum && !partial && (shape.VolumeMl < 5 || shape.VolumeMl > 120 || shape.SymmetryScore < 0.3))
        {
            notes.Add(VertebraQc.LowRoiConfidence);
            confidence *= 0.5;
        }
        return shape.ToRoi(index + 1, label, source, mask, confidence, notes, sacrum);
    }

    /// <summary>The chain smoothed, in patient coordinates, with its unit tangent (pointing superior).</summary>
    internal sealed record Column(Vec3[] Points, Vec3[] Tangents, int Z0)
    {
        public int Length => Points.Length;

        public static Column From(WorkGrid w, ColumnTracker.Chain c)
        {
            var n = c.Length;
            var pts = new Vec3[n];
            // The chain jumps between body centres and discs: average its points over ±10 mm and take the
            // direction from a line fitted over ±20 mm, so one shifted body does not swing the tangent.
            var half = Math.Max(1, (int)Math.Round(10 / w.Step));
            for (var i = 0; i < n; i++)
            {
                double sx = 0, sy = 0; var m = 0;
                for (var j = Math.Max(0, i - half); j <= Math.Min(n - 1, i + half); j++) { sx += c.X[j]; sy += c.Y[j]; m++; }
                pts[i] = w.ToPatient(sx / m, sy / m, c.Z0 + i);
            }
            var tan = new Vec3[n];
            var fit = Math.Max(1, (int)Math.Round(20 / w.Step));
            for (var i = 0; i < n; i++)
            {
                int a = Math.Max(0, i - fit), b = Math.Min(n - 1, i + fit);
                if (a == b) { tan[i] = new Vec3(0, 0, 1); continue; }
                // Least-squares slope of x and y against z (grid units).
                double mz = (a + b) / 2.0, mx = 0, my = 0;
                for (var j = a; j <= b; j++) { mx += c.X[j]; my += c.Y[j]; }
                mx /= b - a + 1; my /= b - a + 1;
                double szz = 0, sxz = 0, syz = 0;
                for (var j = a; j <= b; j++) { var dz = j - mz; szz += dz * dz; sxz += dz * (c.X[j] - mx); syz += dz * (c.Y[j] - my); }
                tan[i] = new Vec3(sxz / szz, syz / szz, 1).Normalized();
            }
            return new Column(pts, tan, c.Z0);
        }

        /// <summary>
        /// The column continued straight (along the mean direction of its last 10 mm) for up to
        /// <paramref name="mm"/> beyond each end, one point per working slice, stopping at the grid's edge;
        /// <paramref name="first"/> and <paramref name="last"/> are the original ends' indices in the result.
        /// The tracker stops where its score fades, which can be inside the last body of a spine (no canal
        /// or disc beyond to confirm it): the extension lets the disc or the end of the bone be found there.
        /// </summary>
        public Column Extend(WorkGrid w, double mm, out int first, out int last)
        {
            var k = Math.Max(1, (int)Math.Round(mm / w.Step));
            var span = Math.Min(Length - 1, Math.Max(1, (int)Math.Round(10 / w.Step)));
            var below = Math.Min(k, Z0);
            var above = Math.Min(k, w.NZ - 1 - (Z0 + Length - 1));
            var n = below + Length + above;
            var pts = new Vec3[n]; var tan = new Vec3[n];
            Array.Copy(Points, 0, pts, below, Length);
            Array.Copy(Tangents, 0, tan, below, Length);
            // Per-slice step of the end directions (z advances one working step per point).
            var dLow = span == 0 ? new Vec3(0, 0, w.Step) : (Points[span] - Points[0]) / span;
            var dHigh = span == 0 ? new Vec3(0, 0, w.Step) : (Points[^1] - Points[^(span + 1)]) / span;
            for (var i = 1; i <= below; i++) { pts[below - i] = Points[0] - dLow * i; tan[below - i] = dLow.Normalized(); }
            for (var i = 1; i <= above; i++) { pts[below + Length - 1 + i] = Points[^1] + dHigh * i; tan[below + Length - 1 + i] = dHigh.Normalized(); }
            first = below; last = below + Length - 1;
            return new Column(pts, tan, Z0 - below);
        }
    }

    /// <summary>
    /// At each point, the fraction of dense samples in a disc-shaped section perpendicular to the column and
    /// the mean HU of its central 12 mm (cement left out): where the bone ends (<see cref="ColumnEnd"/>).
    /// </summary>
    internal static (double[] Dense, double[] Mean) Profiles(WorkGrid w, Column col)
    {
        var prof = new double[col.Length];
        var mean = new double[col.Length];
        var st = w.Step;
        for (var i = 0; i < col.Length; i++)
        {
            var t = col.Tangents[i];
            var e1 = BodyGeometry.Orthogonal(new Vec3(1, 0, 0), t);
            var e2 = t.Cross(e1);
            int dense = 0, all = 0, inner = 0; double sum = 0;
            for (var v = -SectionRadiusMm; v <= SectionRadiusMm; v += st)
                for (var u = -SectionRadiusMm; u <= SectionRadiusMm; u += st)
                {
                    if (u * u + v * v > SectionRadiusMm * SectionRadiusMm) continue;
                    var q = col.Points[i] + e1 * u + e2 * v;
                    // Cement is neither bone nor disc here: a column touching an endplate or a leak into the
                    // disc would otherwise bridge the disc's gap.
                    if (w.IsCement(q)) continue;
                    var h = w.Nearest(q);
                    all++;
                    if (h >= DiscSearch.DenseHu) dense++;
                    if (u * u + v * v <= 144) { inner++; sum += Math.Clamp((int)h, -100, 400); }
                }
            prof[i] = all == 0 ? 0 : (double)dense / all;
            mean[i] = inner == 0 ? 0 : sum / inner;
        }
        return (prof, mean);
    }

    /// <summary>A body's slab: centre between and axis from its bounding disc planes (null when open to the field of view's edge).</summary>
    internal sealed record Slab(Vec3 Center, Vec3 Axis, Vec3 Posterior, Plane? Below, Plane? Above, double HalfHeight,
        bool OpenBelow, bool OpenAbove, double LengthMm, int FirstIndex, int LastIndex, bool ChainEndBelow)
    {
        /// <summary>The body's own endplates facing its bounding discs, where fitted (normals into the body).</summary>
        public HeightSurface? EndplateBelow { get; init; }
        public HeightSurface? EndplateAbove { get; init; }
    }

    /// <summary>How far past each end of the tracked chain the column is followed to find where the end body stops.</summary>
    internal const double EndSearchMm = 40;

    /// <summary>Where the column stops at one end: the index of the bounding plane, or open (cut by the field of view).</summary>
    internal readonly record struct End(int Index, bool Open, bool Disc = false);

    /// <summary>
    /// The bound of the end body at one end of the column (<paramref name="dir"/> −1 inferior, +1 superior).
    /// From 15 mm past the outermost disc (<paramref name="from"/>) outward along the extended column, the first
    /// section without bone (under 3 % dense samples, centre softer than 90 HU: a disc, or the soft tissue past
    /// the last vertebra) bounds the body: at the middle of the gap when bone resumes beyond it (a disc), else
    /// one working step past its start (the spine ends there). Without such a section the body is open when the
    /// extension reached the grid's edge (cut by the field of view) and bounded at the chain's own end otherwise,
    /// as the tracker saw no spine beyond it.
    /// </summary>
    internal static End ColumnEnd(WorkGrid w, Column col, double[] dense, double[] mean, int from, int chainEnd, int dir)
    {
        var n = col.Length;
        var atEdge = dir < 0 ? col.Z0 <= 1 : col.Z0 + n - 1 >= w.NZ - 2;
        var chainAtEdge = dir < 0 ? col.Z0 + chainEnd <= 1 : col.Z0 + chainEnd >= w.NZ - 2;
        if (chainAtEdge) return new End(chainEnd, true);
        var start = from + dir * (int)Math.Round(15 / w.Step);
        bool Gap(int i) => dense[i] < 0.03 && mean[i] < 90;
        for (var i = start; i >= 0 && i < n; i += dir)
        {
            if (!Gap(i)) continue;
            var j = i;
            while (j + dir >= 0 && j + dir < n && Gap(j + dir)) j += dir;
            var resumes = j + dir >= 0 && j + dir < n && dense[j + dir] >= 0.1;
            return new End(resumes ? (i + j) / 2 : Math.Clamp(i + dir, 0, n - 1), false, resumes);
        }
        return atEdge ? new End(dir < 0 ? 0 : n - 1, true) : new End(chainEnd, false);
    }

    internal static List<Slab> Slabs(Volume<short> hu, WorkGrid w, Column col, End low, List<int> discs, End high)
    {
        var bounds = new List<int> { low.Index };
        bounds.AddRange(discs.Where(d => d > low.Index && d < high.Index));
        bounds.Add(high.Index);
        // Each bound's plane (superior normal): discs fitted to the disc itself, ends across the column.
        var fits = new DiscSearch.Disc?[bounds.Count];
        var map = new VoxelMap(hu.Geometry);
        var reach = (int)Math.Round(20 / w.Step);
        Parallel.For(0, bounds.Count, k =>
        {
            var i = bounds[k];
            var isDisc = (k > 0 && k < bounds.Count - 1) || (k == 0 ? low.Disc : high.Disc);
            // Guesses of the disc's normal: the column's tangent, its chord over ±20 mm, the patient's superior axis.
            var chord = (col.Points[Math.Min(col.Length - 1, i + reach)] - col.Points[Math.Max(0, i - reach)]).Normalized();
            fits[k] = isDisc ? DiscSearch.DiscPlane(hu, map, col.Points[i], col.Tangents[i], chord, new Vec3(0, 0, 1)) : null;
        });
        var slabs = new List<Slab>();
        for (var s = 0; s + 1 < bounds.Count; s++)
        {
            int a = bounds[s], b = bounds[s + 1];
            if (b - a < 2) continue;
            var isFirst = s == 0; var isLast = s + 1 == bounds.Count - 1;
            var da = fits[s]; var db = fits[s + 1];
            // Bounds: fitted discs, else across the column.
            var pa = da?.Mid ?? new Plane(col.Points[a], col.Tangents[a]);
            var pb = db?.Mid ?? new Plane(col.Points[b], col.Tangents[b]);
            // The body's axis: the mean of its fitted disc normals (endplates are near parallel to their discs),
            // else the line between its bounds.
            var axis = da is not null && db is not null ? (pa.Normal + pb.Normal).Normalized()
                : da is not null ? pa.Normal : db is not null ? pb.Normal : (pb.Point - pa.Point).Normalized();
            var length = (pb.Point - pa.Point).Length;
            Plane? below = isFirst && low.Open ? null : pa;
            Plane? above = isLast && high.Open ? null : new Plane(pb.Point, -pb.Normal);
            var center = (pa.Point + pb.Point) * 0.5;
            var half = length / 2 + 15;
            slabs.Add(new Slab(center, axis, new Vec3(0, 1, 0), below, above, half,
                below is null, above is null, length, a, b, isFirst) { EndplateBelow = da?.EndplateAbove, EndplateAbove = db?.EndplateBelow });
        }
        return slabs;
    }
}

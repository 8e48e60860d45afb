namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Finds, segments, labels and frames every vertebral body in a CT volume (HU, LPS geometry).
/// <list type="number">
/// <item>Detection on a coarse patient-aligned grid: the anterior column is tracked as a vertical chain of
/// "body with a canal behind it" near the midline (<see cref="ColumnTracker"/>).</item>
/// <item>Discs: along the chain, lines parallel to the column find a soft layer between two denser ones (the
/// endplates) near each disc (<see cref="DiscProfile"/>); regularly spaced peaks of that profile are the discs,
/// and each disc's plane is fitted to the disc's own mid-surface (<see cref="DiscPlane"/>), not taken across
/// the column, so shifted, tilted or wedge-shaped discs separate their bodies cleanly.</item>
/// <item>Each slab between discs is segmented at full resolution (<see cref="BodySegmenter"/>) and
/// measured (<see cref="BodyGeometry"/>).</item>
/// <item>The lowest slab is recognised as the sacrum when it is long (no disc below S1) or fused to wide
/// bone (alae, ilia); labels are then counted up from it, otherwise from the last rib-bearing vertebra,
/// otherwise V1, V2, ... from the top.</item>
/// </list>
/// </summary>
/// <remarks>Over 400 lines on purpose for now: the steps above share the working grid and the chain, and the
/// concurrent anatomy work (real labels, last-rib counting) edits this file; once it has landed, the disc search
/// (<see cref="DiscProfile"/>, <see cref="DiscPlane"/>) and the labelling belong in files of their own.</remarks>
public static class VertebraLocator
{
    /// <summary>Bone on either side of a disc: the disc gap ends where the profile along the column reaches this HU.</summary>
    private const int DenseHu = 180;
    private const double SectionRadiusMm = 20;
    /// <summary>Axial rotation (from the body's symmetry) beyond which a body is segmented again with its own posterior direction.</summary>
    private const double RecutDeg = 3;

    public static VertebraLocatorResult Locate(Volume<short> hu, VertebraLocatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(hu);
        ArgumentNullException.ThrowIfNull(options);
        var w = WorkGrid.Build(hu, options.WorkingSpacingMm, options.CementHu);
        var chain = ColumnTracker.Track(w, options);
        if (chain is null) return new VertebraLocatorResult([], [VertebraQc.NoSpineFound]);

        var column = Column.From(w, chain).Extend(w, EndSearchMm, out var chainFirst, out var chainLast);
        var (dense, mean) = Profiles(w, column);
        var discness = DiscProfile(hu, column);
        var discs = FindDiscs(w, discness[chainFirst..(chainLast + 1)]).Select(d => d + chainFirst).ToList();
        var low = ColumnEnd(w, column, dense, mean, discs.Count > 0 ? discs[0] : (chainFirst + chainLast) / 2, chainFirst, -1);
        // A clean gap inside the tracked chain with bone beyond it is a disc the spacing search passed over.
        while (!low.Open && low.Index > chainFirst + 2 && low.Disc) { discs.Insert(0, low.Index); low = ColumnEnd(w, column, dense, mean, low.Index, chainFirst, -1); }
        var high = ColumnEnd(w, column, dense, mean, discs.Count > 0 ? discs[^1] : (chainFirst + chainLast) / 2, chainLast, +1);
        while (!high.Open && high.Index < chainLast - 2 && high.Disc) { discs.Add(high.Index); high = ColumnEnd(w, column, dense, mean, high.Index, chainLast, +1); }
        SplitLongSegments(discs, low, high, discness);
        var slabs = Slabs(hu, w, column, low, discs, high);

        var found = new Slab?[slabs.Count];
        var shapes = new (RoiMask Mask, BodyShape Shape)?[slabs.Count];
        Parallel.For(0, slabs.Count, i =>
        {
            var sl = slabs[i];
            var mask = BodySegmenter.Segment(hu, options, sl, sl.Posterior);
            if (mask is null || mask.Count() == 0) return;
            var shape = BodyGeometry.Measure(hu, mask, sl.Axis, options.EndplateGridStepMm, options.CementHu, sl.EndplateBelow, sl.EndplateAbove);
            // The posterior cut was across the patient's AP axis; an axially rotated vertebra is cut again across
            // its own (from its symmetry), so neither pedicle root is kept nor a posterior corner lost.
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
            found[i] = sl;
        });

        // Keep what was segmented; drop small slivers cut by the field of view.
        var bodies = new List<(Slab Slab, RoiMask Mask, BodyShape Shape)>();
        for (var i = 0; i < slabs.Count; i++)
        {
            if (found[i] is not { } sl || shapes[i] is not { } ms) continue;
            var partial = ms.Shape.TouchesFov;
            if (partial && ms.Shape.VolumeMl < options.MinPartialVolumeMl) continue;
            if (!partial && ms.Shape.VolumeMl < 2) continue;
            bodies.Add((sl, ms.Mask, ms.Shape));
        }
        // Superior first.
        bodies.Sort((a, b) => b.Shape.Centroid.Z.CompareTo(a.Shape.Centroid.Z));

        var qc = new List<string>();
        var sacrumIndex = -1;
        if (bodies.Count > 0)
        {
            var last = bodies[^1];
            // Five rib-free lumbar vertebrae lie between the last rib and the sacrum: a "sacrum" under bodies that all
            // bear ribs is a chest structure (heart, contrast-filled vessels, a cropped field), never S1.
            var ribFreeAbove = bodies.Count == 1 || bodies.Take(bodies.Count - 1).Any(b => !HasRibs(w, b.Shape));
            if (ribFreeAbove && IsSacrum(w, last.Slab, last.Shape)) sacrumIndex = bodies.Count - 1;
        }
        var labels = Label(w, bodies.Select(b => (b.Slab, b.Shape)).ToList(), sacrumIndex, options, out var source);
        if (source == "index") qc.Add(VertebraQc.LabelsByIndex);

        var result = new List<VertebraRoi>(bodies.Count);
        for (var i = 0; i < bodies.Count; i++)
        {
            var (sl, mask, shape) = bodies[i];
            var notes = new List<string>();
            var partial = shape.TouchesFov;
            if (partial) notes.Add(VertebraQc.PartialFov);
            var confidence = partial ? 0.5 : 1.0;
            if (i != sacrumIndex && !partial && (shape.VolumeMl < 5 || shape.VolumeMl > 120 || shape.SymmetryScore < 0.3))
            {
                notes.Add(VertebraQc.LowRoiConfidence);
                confidence *= 0.5;
            }
            result.Add(shape.ToRoi(i + 1, labels[i], source, mask, confidence, notes, i == sacrumIndex));
        }
        return new VertebraLocatorResult(result, qc);
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
                    if (h >= DenseHu) dense++;
                    if (u * u + v * v <= 144) { inner++; sum += Math.Clamp((int)h, -100, 400); }
                }
            prof[i] = all == 0 ? 0 : (double)dense / all;
            mean[i] = inner == 0 ? 0 : sum / inner;
        }
        return (prof, mean);
    }

    /// <summary>
    /// How much the column looks like a disc at each point: on lines parallel to the column through a 2 mm grid
    /// within 14 mm of it, the contrast of a soft layer between two denser ones, i.e. the lower of the brightest
    /// sample 2–9 mm above and the brightest 2–9 mm below (the endplates) minus the point's own value (mean of
    /// 3 samples), clipped to 0–300 HU, averaged over the lines and scaled to 0–1. Inside a body the bone on one
    /// side is farther or no denser. A contrast, not a fixed threshold, so the faint endplates of osteoporotic
    /// bone at 3 mm count too. HU clipped to 500 (cement reads as dense bone); full resolution, so thin
    /// endplates are not missed.
    /// </summary>
    internal static double[] DiscProfile(Volume<short> hu, Column col)
    {
        const double Radius = 14, Grid = 2, Reach = 9, Step = 1;
        var map = new VoxelMap(hu.Geometry);
        var d = new double[col.Length];
        var m = (int)(Reach / Step);
        Parallel.For(0, col.Length, i =>
        {
            var t = col.Tangents[i];
            var e1 = BodyGeometry.Orthogonal(new Vec3(1, 0, 0), t);
            var e2 = t.Cross(e1);
            var dh = map.Delta(t * Step);
            var line = new float[2 * m + 1];
            int lines = 0; double sum = 0;
            for (var v = -Radius; v <= Radius; v += Grid)
                for (var u = -Radius; u <= Radius; u += Grid)
                {
                    if (u * u + v * v > Radius * Radius) continue;
                    var c = map.ToVoxel(col.Points[i] + e1 * u + e2 * v);
                    if (c.X < 0 || c.Y < 0 || c.Z < 0 || c.X > hu.SizeX - 1 || c.Y > hu.SizeY - 1 || c.Z > hu.SizeZ - 1) continue;
                    lines++;
                    var q = c - dh * m;
                    for (var k = 0; k < line.Length; k++, q += dh) line[k] = Math.Clamp(Sampler.Trilinear(hu, q.X, q.Y, q.Z), -100f, 500f);
                    var v0 = (line[m - 1] + line[m] + line[m + 1]) / 3;
                    float up = float.MinValue, down = float.MinValue;
                    for (var k = 2; k <= m; k++) { up = Math.Max(up, line[m + k]); down = Math.Max(down, line[m - k]); }
                    sum += Math.Clamp(Math.Min(up, down) - v0, 0, 300);
                }
            d[i] = lines == 0 ? 0 : sum / lines / 300;
        });
        return d;
    }

    /// <summary>Lowest disc-profile peak taken as a disc candidate.</summary>
    private const double MinDisc = 0.08;

    /// <summary>
    /// Chain indices of disc centres. Candidates are peaks of the disc profile <paramref name="d"/>
    /// (<see cref="DiscProfile"/>) of at least <see cref="MinDisc"/> that stand at least twice as high as the
    /// lowest point within 10 mm on either side, scored by their height relative to the scan's highest peak.
    /// A dynamic programme then picks the best set whose spacing is regular, near the profile's own period (its
    /// autocorrelation peak), so a disc-like gap inside a body (trabecular bone between a cement lump and an
    /// endplate, a cleft), 10–15 mm from the real discs, loses to them, and a faint disc in its place is kept.
    /// </summary>
    internal static List<int> FindDiscs(WorkGrid w, double[] d)
    {
        var n = d.Length;
        var reach = Math.Max(2, (int)Math.Round(10 / w.Step));
        var peaks = new List<int>();
        for (var i = 1; i < n - 1; i++)
        {
            // A peak (the first sample of a plateau).
            if (d[i] < MinDisc || d[i] < d[i - 1] || d[i] < d[i + 1]) continue;
            if (d[i] == d[i - 1] && i > 1 && d[i - 2] <= d[i]) continue;
            double left = double.MaxValue, right = double.MaxValue;
            for (var j = Math.Max(0, i - reach); j < i; j++) left = Math.Min(left, d[j]);
            for (var j = i + 1; j <= Math.Min(n - 1, i + reach); j++) right = Math.Min(right, d[j]);
            if (d[i] < 2 * left || d[i] < 2 * right) continue;
            peaks.Add(i);
        }
        // Scores relative to this scan's clear discs (contrast varies with bone density and slice thickness).
        var top = peaks.Count == 0 ? 0 : peaks.Max(i => d[i]);
        var cands = peaks.Select(i => (Index: i, Score: Math.Min(1, d[i] / (0.8 * top)))).ToList();
        if (cands.Count == 0) return [];
        // Typical vertebral spacing from the profile's autocorrelation (20–45 mm).
        var avg = d.Average();
        double bestAc = double.MinValue; var g0 = 32 / w.Step;
        for (var lag = (int)Math.Round(20 / w.Step); lag <= (int)Math.Round(45 / w.Step) && lag < n - 4; lag++)
        {
            double ac = 0;
            for (var i = 0; i + lag < n; i++) ac += (d[i] - avg) * (d[i + lag] - avg);
            ac /= n - lag;
            if (ac > bestAc) { bestAc = ac; g0 = lag; }
        }
        var minGap = Math.Max(15 / w.Step, 0.6 * g0); var maxGap = 1.6 * g0;
        var m = cands.Count;
        var best = new double[m]; var prev = new int[m];
        for (var a = 0; a < m; a++)
        {
            best[a] = cands[a].Score; prev[a] = -1;
            for (var b = 0; b < a; b++)
            {
                var gap = cands[a].Index - cands[b].Index;
                if (gap < minGap) continue;
                // A longer gap means a missed disc: allowed, at a price.
                var dev = (gap - g0) / g0;
                var t = best[b] + cands[a].Score - (gap > maxGap ? 1 : 8 * dev * dev);
                if (t > best[a]) { best[a] = t; prev[a] = b; }
            }
        }
        var end = 0;
        for (var a = 1; a < m; a++) if (best[a] > best[end]) end = a;
        var picked = new List<int>();
        for (var a = end; a >= 0; a = prev[a]) picked.Add(cands[a].Index);
        picked.Reverse();
        return picked;
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

    /// <summary>
    /// A segment between two bounds that is at least 1.7 times the median segment (two bodies with the disc
    /// between them missed) is split at its most disc-like section in the middle half. The lowest segment is
    /// left alone: the sacrum is long by nature.
    /// </summary>
    internal static void SplitLongSegments(List<int> discs, End low, End high, double[] d)
    {
        for (var pass = 0; pass < 4; pass++)
        {
            var bounds = new List<int> { low.Index };
            bounds.AddRange(discs);
            bounds.Add(high.Index);
            if (bounds.Count < 4) return;
            var lengths = new List<int>();
            for (var k = 0; k + 1 < bounds.Count; k++) lengths.Add(bounds[k + 1] - bounds[k]);
            var sorted = lengths.OrderBy(v => v).ToList();
            var median = sorted[sorted.Count / 2];
            var split = -1;
            for (var k = 1; k < lengths.Count && split < 0; k++)
            {
                if (lengths[k] < 1.7 * median) continue;
                int a = bounds[k], b = bounds[k + 1], q = (b - a) / 4;
                var best = double.MinValue;
                for (var i = a + q; i <= b - q; i++)
                    if (d[i] > best) { best = d[i]; split = i; }
            }
            if (split < 0) return;
            discs.Add(split);
            discs.Sort();
        }
    }

    internal static List<Slab> Slabs(Volume<short> hu, WorkGrid w, Column col, End low, List<int> discs, End high)
    {
        var bounds = new List<int> { low.Index };
        bounds.AddRange(discs.Where(d => d > low.Index && d < high.Index));
        bounds.Add(high.Index);
        // Each bound's plane (superior normal): discs fitted to the disc itself, ends across the column.
        var fits = new Disc?[bounds.Count];
        var map = new VoxelMap(hu.Geometry);
        var reach = (int)Math.Round(20 / w.Step);
        Parallel.For(0, bounds.Count, k =>
        {
            var i = bounds[k];
            var isDisc = (k > 0 && k < bounds.Count - 1) || (k == 0 ? low.Disc : high.Disc);
            // Guesses of the disc's normal: the column's tangent, its chord over ±20 mm, the patient's superior axis.
            var chord = (col.Points[Math.Min(col.Length - 1, i + reach)] - col.Points[Math.Max(0, i - reach)]).Normalized();
            fits[k] = isDisc ? DiscPlane(hu, map, col.Points[i], col.Tangents[i], chord, new Vec3(0, 0, 1)) : null;
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

    /// <summary>
    /// The plane of one disc, fitted to the disc itself: the column's tangent is a poor guide where the bodies
    /// are shifted or tilted against each other (scoliosis, the lumbosacral junction) or near the chain's ends.
    /// For each guess of the disc's normal (<paramref name="guesses"/>), lines parallel to it through a 2 mm grid
    /// within 16 mm of <paramref name="point"/> are sampled at full resolution; on each, the soft run nearest the
    /// point is bounded by the half-way crossings to the endplates on both sides: the crossings are points of the
    /// two endplate surfaces, their middle a point of the disc's mid-surface. A plane is fitted to the middles
    /// and a bowed plane (<see cref="SurfaceFit.Robust"/>) to each endplate's crossings; the guess whose fit
    /// keeps the most lines wins (the first to keep half the grid's lines ends the search) and is refined once
    /// along its own normal. Null without a usable fit.
    /// </summary>
    internal static Disc? DiscPlane(Volume<short> hu, VoxelMap map, Vec3 point, params Vec3[] guesses)
    {
        Disc? best = null;
        foreach (var g in guesses)
        {
            if (DiscFit(hu, map, point, g) is { } f && (best is null || f.Lines > best.Lines)) best = f;
            if (best?.Lines >= GoodDiscLines) break;
        }
        if (best is null) return null;
        if (DiscFit(hu, map, best.Mid.Point, best.Mid.Normal) is { } r && r.Lines >= best.Lines * 0.9) best = r;
        return best;
    }

    /// <summary>Half the lines of a disc fit's grid (about 200 within 16 mm at 2 mm): enough to trust a fit.</summary>
    private const int GoodDiscLines = 100;

    /// <summary>
    /// A disc: its mid-surface plane (normal superior) and the surfaces fitted to the endplates that face it,
    /// each positive inside its own body (null with too few lines); <see cref="Lines"/> counts the lines the
    /// mid-surface fit kept.
    /// </summary>
    internal sealed record Disc(Plane Mid, HeightSurface? EndplateBelow, HeightSurface? EndplateAbove, int Lines);

    /// <summary>Radius around the disc's point within which its lines are sampled and its surfaces fitted, mm.</summary>
    internal const double DiscFitRadiusMm = 16;

    private static Disc? DiscFit(Volume<short> hu, VoxelMap map, Vec3 point, Vec3 normal)
    {
        const double Radius = DiscFitRadiusMm, Grid = 2, Step = 0.5;
        var n0 = normal.Normalized();
        var extent = BodyGeometry.VoxelExtentAlong(hu.Geometry, n0);
        var coarse = extent > BodyGeometry.CoarseVoxelMm;
        // Thick voxels: the partial-volume model looks two voxels past each endplate.
        var reachMm = coarse ? Math.Max(14, 10 + 2 * extent) : 14;
        var voxel = (int)Math.Round(extent / Step);
        var e1 = BodyGeometry.Orthogonal(new Vec3(1, 0, 0), n0);
        var e2 = n0.Cross(e1);
        var m = (int)(reachMm / Step);
        var prof = new float[2 * m + 1];
        var mids = new List<(double U, double V, double H)>();
        var lows = new List<(double U, double V, double H)>();
        var highs = new List<(double U, double V, double H)>();
        var dh = map.Delta(n0 * Step);
        for (var v = -Radius; v <= Radius; v += Grid)
            for (var u = -Radius; u <= Radius; u += Grid)
            {
                if (u * u + v * v > Radius * Radius) continue;
                var q = map.ToVoxel(point + e1 * u + e2 * v - n0 * reachMm);
                // Cement reads as dense bone: a leak into the disc gives a wrong middle that the refit drops.
                for (var k = 0; k < prof.Length; k++, q += dh) prof[k] = Math.Clamp(Sampler.Trilinear(hu, q.X, q.Y, q.Z), -100f, 500f);
                if (AcrossDisc(prof, m, Step, coarse, voxel) is not { } x) continue;
                mids.Add((u, v, (x.Mid - m) * Step));
                if (!double.IsNaN(x.Low)) lows.Add((u, v, (x.Low - m) * Step));
                if (!double.IsNaN(x.High)) highs.Add((u, v, (x.High - m) * Step));
            }
        if (SurfaceFit.Robust(mids, dome: false) is not { } f) return null;
        // The endplates are concave: a plane bowed by a radial quadratic.
        return new Disc(new Plane(point + n0 * f.A, (n0 - e1 * f.B - e2 * f.C).Normalized()),
            Endplate(lows, -1), Endplate(highs, 1), f.N);

        HeightSurface? Endplate(List<(double U, double V, double H)> pts, double sign) =>
            SurfaceFit.Robust(pts, dome: true) is { } g ? new HeightSurface(point, e1, e2, n0, g, sign) : null;
    }

    /// <summary>
    /// One line across a disc (<paramref name="prof"/>, sampled every <paramref name="step"/> mm, the section's
    /// point at index <paramref name="m"/>): the soft sample nearest the point (within 4 mm), the endplates the
    /// first dense samples on either side of it (a gas cleft or osteoporotic bone beyond them is as soft as the
    /// disc) climbed to their peaks, the disc at most 20 mm long. Each endplate's disc-facing surface lies half
    /// way between its peak and the softest sample between them, or, where voxels are too thick along the line
    /// to resolve the endplate (<paramref name="coarse"/>), comes from its partial volumes
    /// (<see cref="CoarseSurface"/>, NaN where its model fails); the disc's middle is half way between the
    /// half-way crossings. Fractional sample indices; null when the line crosses no disc.
    /// </summary>
    internal static (double Mid, double Low, double High)? AcrossDisc(ReadOnlySpan<float> prof, int m, double step, bool coarse, int voxel)
    {
        const double Start = 4, MaxDisc = 20;
        var s0 = -1;
        for (var d = 0; d <= (int)(Start / step) && s0 < 0; d++)
            if (prof[m - d] < DenseHu) s0 = m - d; else if (prof[m + d] < DenseHu) s0 = m + d;
        if (s0 < 0) return null;
        int pa = s0, pb = s0;
        while (pa > 0 && prof[pa] < DenseHu) pa--;
        while (pb < prof.Length - 1 && prof[pb] < DenseHu) pb++;
        if (prof[pa] < DenseHu || prof[pb] < DenseHu || (pb - pa) * step > MaxDisc) return null;
        int denseA = pa, denseB = pb;
        while (pa > 0 && prof[pa - 1] > prof[pa]) pa--;
        while (pb < prof.Length - 1 && prof[pb + 1] > prof[pb]) pb++;
        var lo = pa;
        for (var k = pa; k <= pb; k++) if (prof[k] < prof[lo]) lo = k;
        var a = pa; var hb = (prof[lo] + prof[pa]) / 2;
        while (prof[a] >= hb) a++;
        var b = pb; var ha = (prof[lo] + prof[pb]) / 2;
        while (prof[b] >= ha) b--;
        if (!coarse) return ((a + b) / 2.0, a - 0.5, b + 0.5);
        // The partial-volume model's peaks: the densest sample within a voxel past the first dense one (a climb
        // can run on along bone as dense as the endplate).
        int peakA = denseA, peakB = denseB;
        for (var k = denseA; k >= Math.Max(0, denseA - voxel); k--) if (prof[k] > prof[peakA]) peakA = k;
        for (var k = denseB; k <= Math.Min(prof.Length - 1, denseB + voxel); k++) if (prof[k] > prof[peakB]) peakB = k;
        return ((a + b) / 2.0, CoarseSurface(prof, lo, peakA, -1, voxel, step) ?? double.NaN, CoarseSurface(prof, lo, peakB, 1, voxel, step) ?? double.NaN);
    }

    /// <summary>Profile level (clamped at 500 HU) above which a sample is cement, which the partial-volume model does not describe.</summary>
    private const float CementLevel = 450;

    /// <summary>
    /// Disc-facing surface of an endplate on a line profile sampled every <paramref name="step"/> mm, where the
    /// voxels (<paramref name="voxel"/> samples long along the line) are too thick to resolve it, as a fractional
    /// sample index: the endplate's peak is at <paramref name="peak"/>, the disc's softest sample at
    /// <paramref name="floor"/>, and its body lies toward <paramref name="dir"/>. Across the surface the profile
    /// is modelled as a step from the disc (D, the floor) to the body's own bone (B, the mean of the samples one
    /// to two voxels past the peak) plus a thin endplate layer of <see cref="BodyGeometry.ThinEndplateMm"/> just
    /// inside the surface, all blurred by the voxels. Blurring keeps the excess over D's area and first moment
    /// over a window from the floor to two voxels past the peak, and those two give the surface and the layer's
    /// contrast: with B = D (osteoporotic bone) the surface is the moment less half the layer, with no layer it
    /// is where a step of the excess's area would start. Null when the profile ends too soon, the window holds
    /// cement, or the surface falls outside the window.
    /// </summary>
    internal static double? CoarseSurface(ReadOnlySpan<float> prof, int floor, int peak, int dir, int voxel, double step)
    {
        var end = peak + dir * 2 * voxel;
        if (end < 0 || end >= prof.Length) return null;
        double d = prof[floor], bone = 0;
        for (var k = peak + dir * voxel; k != end + dir; k += dir) bone += prof[k];
        var beta = bone / (voxel + 1) - d;
        double m0 = 0, m1 = 0;
        for (var k = floor; k != end + dir; k += dir)
        {
            // Cement (the profile is clamped at 500 HU) is not part of the model.
            if (prof[k] >= CementLevel) return null;
            double y = (k - floor) * dir * step, e = (prof[k] - d) * step;
            m0 += e; m1 += e * y;
        }
        double yEnd = (end - floor) * dir * step + step / 2, t = BodyGeometry.ThinEndplateMm;
        // Area m0 = β(Y − s) + L and moment m1 = β(Y² − s²)/2 + L(s + t/2) for a surface at depth s and a layer of excess L.
        double qa = beta / 2, qb = m0 + beta * t / 2 - beta * yEnd, qc = beta * yEnd * yEnd / 2 + m0 * t / 2 - beta * yEnd * t / 2 - m1;
        var peakY = (peak - floor) * dir * step;
        double? best = null;
        if (Math.Abs(qa) < 1e-9) { if (Math.Abs(qb) > 1e-9) best = -qc / qb; }
        else
        {
            var disc = qb * qb - 4 * qa * qc;
            // No solution with a layer (blur moves the moment by up to half a voxel's worth): a plain step of the
            // excess's area, which blur keeps exactly.
            if (disc < 0) best = beta > 0 ? yEnd - m0 / beta : -qb / (2 * qa);
            else foreach (var sgn in (ReadOnlySpan<double>)[-1, 1])
            {
                var root = (-qb + sgn * Math.Sqrt(disc)) / (2 * qa);
                if (best is null || Math.Abs(root - peakY) < Math.Abs(best.Value - peakY)) best = root;
            }
        }
        if (best is not { } sMm || sMm < -step || sMm > yEnd) return null;
        return floor + dir * sMm / step;
    }

    /// <summary>
    /// The lowest slab is the sacrum when no disc was found below a long segment (S1 to S2 are fused) or
    /// when the bone around its middle spreads far sideways (alae, sacroiliac joints, ilia), also when the
    /// field of view cuts it (a scan ending in S1).
    /// </summary>
    internal static double SacrumWidthMm = 120;

    internal static bool IsSacrum(WorkGrid w, Slab slab, BodyShape shape)
    {
        if (!slab.ChainEndBelow) return false;
        if (!slab.OpenBelow && slab.LengthMm >= 45) return true;
        var width = 0.0;
        for (var dz = -10.0; dz <= 10; dz += w.Step) width = Math.Max(width, BoneWidthMm(w, shape.Centroid + new Vec3(0, 0, dz)));
        // A field cropped to the spine can be narrower than the alae: bone across all of it is wide enough.
        return width >= Math.Min(SacrumWidthMm, (w.NX - 2) * w.Step);
    }

    /// <summary>Left-right extent of the bone (≥ 200 HU) 2D-connected to a point's axial slice, on the working grid.</summary>
    internal static double BoneWidthMm(WorkGrid w, Vec3 p)
    {
        var g = w.ToGrid(p);
        int z = (int)Math.Round(g.X * 0 + g.Z), sx = (int)Math.Round(g.X), sy = (int)Math.Round(g.Y);
        if ((uint)z >= (uint)w.NZ) return 0;
        int nx = w.NX, ny = w.NY;
        var seen = new byte[nx * ny];
        var stack = new Stack<int>();
        // Seed: the nearest dense voxel within 10 mm.
        var r = (int)Math.Round(10 / w.Step);
        var seed = -1; var bestD = int.MaxValue;
        for (var y = Math.Max(0, sy - r); y <= Math.Min(ny - 1, sy + r); y++)
            for (var x = Math.Max(0, sx - r); x <= Math.Min(nx - 1, sx + r); x++)
            {
                var d = (x - sx) * (x - sx) + (y - sy) * (y - sy);
                if (w.At(x, y, z) >= 200 && d < bestD) { bestD = d; seed = y * nx + x; }
            }
        if (seed < 0) return 0;
        int minX = int.MaxValue, maxX = int.MinValue;
        seen[seed] = 1; stack.Push(seed);
        while (stack.Count > 0)
        {
            var q = stack.Pop();
            int x = q % nx, y = q / nx;
            minX = Math.Min(minX, x); maxX = Math.Max(maxX, x);
            for (var dy = -1; dy <= 1; dy++)
                for (var dx = -1; dx <= 1; dx++)
                {
                    int xx = x + dx, yy = y + dy;
                    if ((uint)xx >= (uint)nx || (uint)yy >= (uint)ny) continue;
                    var k = yy * nx + xx;
                    if (seen[k] != 0 || w.At(xx, yy, z) < 200) continue;
                    seen[k] = 1; stack.Push(k);
                }
        }
        return (maxX - minX + 1) * w.Step;
    }

    private static readonly string[] Names = BuildNames();

    private static string[] BuildNames()
    {
        var names = new List<string>();
        for (var i = 1; i <= 7; i++) names.Add($"C{i}");
        for (var i = 1; i <= 12; i++) names.Add($"T{i}");
        for (var i = 1; i <= 6; i++) names.Add($"L{i}");
        return [.. names];
    }

    /// <summary>Name of the vertebra <paramref name="above"/> levels above the sacrum (1 = lowest lumbar).</summary>
    internal static string NameAboveSacrum(int above, int lumbar)
    {
        if (above <= lumbar) return $"L{lumbar - above + 1}";
        var t = 12 - (above - lumbar) + 1;
        if (t >= 1) return $"T{t}";
        var c = 7 + t;
        return c >= 1 ? $"C{c}" : $"V?{above}";
    }

    private static List<string> Label(WorkGrid w, List<(Slab Slab, BodyShape Shape)> bodies, int sacrumIndex, VertebraLocatorOptions o, out string source)
    {
        var labels = new List<string>(bodies.Count);
        if (sacrumIndex >= 0)
        {
            source = "counted";
            for (var i = 0; i < bodies.Count; i++)
                labels.Add(i == sacrumIndex ? "S1" : NameAboveSacrum(sacrumIndex - i, o.LumbarVertebrae));
            return labels;
        }
        // Last rib-bearing vertebra with a rib-free one below it: that one is T12.
        var ribs = bodies.Select(b => HasRibs(w, b.Shape)).ToList();
        var t12 = -1;
        for (var i = 0; i + 1 < bodies.Count; i++)
            if (ribs[i] && !ribs[i + 1] && !bodies[i + 1].Slab.OpenBelow) { t12 = i; }
        if (t12 >= 0)
        {
            source = "counted";
            // T12 is 1 + lumbar levels above the sacrum.
            for (var i = 0; i < bodies.Count; i++)
            {
                var above = o.LumbarVertebrae + 1 - (i - t12);
                labels.Add(above >= 1 ? NameAboveSacrum(above, o.LumbarVertebrae) : $"V{i + 1}");
            }
            return labels;
        }
        source = "index";
        for (var i = 0; i < bodies.Count; i++) labels.Add($"V{i + 1}");
        return labels;
    }

    /// <summary>
    /// Rib evidence at a body: bone (≥ 200 HU) 58–110 mm lateral of the body on both sides, level with the
    /// body and not anterior to it, in at least a third of the body's axial slices. Lumbar transverse
    /// processes reach about 40–55 mm from the midline (L3's are the longest), so the band starts past them.
    /// </summary>
    internal const double RibInnerMm = 58;

    internal static bool HasRibs(WorkGrid w, BodyShape shape)
    {
        var c = w.ToGrid(shape.Centroid);
        var halfH = 8 / w.Step;
        int z0 = (int)Math.Round(c.Z - halfH), z1 = (int)Math.Round(c.Z + halfH);
        int slices = 0, withRibs = 0;
        int inner = (int)Math.Round(RibInnerMm / w.Step), outer = (int)Math.Round(110 / w.Step), back = (int)Math.Round(60 / w.Step);
        var cx = (int)Math.Round(c.X); var cy = (int)Math.Round(c.Y);
        for (var z = Math.Max(0, z0); z <= Math.Min(w.NZ - 1, z1); z++)
        {
            slices++;
            bool left = false, right = false;
            for (var y = cy; y <= cy + back && !(left && right); y++)
                for (var d = inner; d <= outer; d++)
                {
                    if (w.At(cx + d, y, z) >= 200) left = true;
                    if (w.At(cx - d, y, z) >= 200) right = true;
                }
            if (left && right) withRibs++;
        }
        return slices > 0 && withRibs * 3 >= slices;
    }
}

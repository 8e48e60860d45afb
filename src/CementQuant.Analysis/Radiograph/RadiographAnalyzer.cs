using System.Diagnostics;
using System.Globalization;

namespace CementQuant.Analysis.Radiograph;

/// <summary>
/// Radiograph stage: cement (the most radiopaque wide structure) → the vertebral body around each cement group
/// (side walls and endplate lines from edges of the image with the cement painted out) → METRICS.md radiograph
/// columns: area fill, left fraction about the body's midline (AP, left from PatientOrientation), endplate gaps
/// and contact (LAT). Works in the canonical frame of <see cref="CanonicalImage"/> and, per body, in a window turned to
/// the vertebra (<see cref="BodyWindow"/>); positions are reported as stored.
/// </summary>
public sealed class RadiographAnalyzer(RadiographAnalysisOptions? options = null)
{
    private readonly RadiographAnalysisOptions _o = options ?? new RadiographAnalysisOptions();

    /// <summary>Optional diagnostics sink (tests and tuning).</summary>
    internal Action<string>? Trace { get; init; }

    /// <summary>Both views of one study. Levels counted on the lateral view (from the sacrum) label the frontal view's
    /// rows too when both found the same number of cemented bodies (matched superior to inferior).</summary>
    public RadiographPairResult AnalyzePair(RadiographImage? frontal, RadiographImage? lateral)
    {
        var f = frontal is null ? null : Analyze(frontal);
        var l = lateral is null ? null : Analyze(lateral);
        if (f is not null && l is not null && l.Vertebrae.Count == f.Vertebrae.Count && l.Vertebrae.Count > 0 && l.Vertebrae.All(v => v.LabelSource == "counted"))
            f = f with { Vertebrae = [.. f.Vertebrae.Zip(l.Vertebrae, (a, b) => a with { Vertebra = b.Vertebra, LabelSource = b.LabelSource })] };
        return new RadiographPairResult(f, l);
    }

    public RadiographResult Analyze(RadiographImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var sw = Stopwatch.StartNew();
        var notes = new List<string>();
        var lateral = image.View == RadiographView.Lateral;
        if (image.View == RadiographView.Unknown) notes.Add("VIEW_UNKNOWN: analysed as frontal, left/right not reported");
        var c = CanonicalImage.From(image, lateral);
        if (!c.LateralityKnown) notes.Add(lateral ? "ANTERIOR_UNKNOWN" : "LATERALITY_UNKNOWN");
        if (!c.SuperiorKnown) notes.Add("SUPERIOR_ASSUMED_UP");

        var cement = CementDetector.Detect(c, _o, Trace);
        notes.AddRange(cement.Notes);
        var rows = new List<RadiographMetrics>();
        if (cement.Groups.Count == 0) notes.Add("NO_CEMENT");
        var bodies = new List<(BodyOutline Body, CementGroup Group)>();
        float[]? smoothed = null;
        if (cement.Groups.Count > 0)
        {
            smoothed = Cv.Blur(cement.Painted, c.Width, c.Height, EdgeBlurMm(c) / ((c.Sx + c.Sy) / 2));
            foreach (var g in cement.Groups)
            {
                var body = FindBody(c, smoothed, cement, g, lateral);
                if (body is null) { notes.Add("CEMENT_WITHOUT_BODY: a cement group with no vertebral body found around it"); continue; }
                // A body is in the image or it is not a body: an outline centred outside (traced from edges at the border,
                // e.g. of a blank or saturated image) is dropped.
                var (bx, by) = Centroid(body);
                if (bx < 0 || bx >= c.Width || by < 0 || by >= c.Height) { notes.Add("BODY_OUTSIDE_IMAGE: a body outline centred outside the image was dropped"); continue; }
                bodies.Add((body, g));
            }
        }
        bodies.Sort((a, b) => Centroid(a.Body).Y.CompareTo(Centroid(b.Body).Y));
        var (labels, labelSource) = bodies.Count == 0 ? ([], "index") : VertebraLevels.Label([.. bodies.Select(b => b.Body)],
            (x, y) => FindBody(c, smoothed!, cement, Probe(c, x, y), lateral, passes: 3, maxTurnDeg: 15), lateral, Trace);
        for (var k = 0; k < bodies.Count; k++)
            rows.Add(Measure(c, cement, bodies[k].Body, bodies[k].Group, labels[k], labelSource, lateral, image.View == RadiographView.Unknown));
        var overlays = bodies.Select(b => RadiographOverlays.Build(c, b.Body, b.Group, lateral)).ToList();
        return new RadiographResult(image.View, rows, notes, sw.Elapsed.TotalSeconds) { Overlays = overlays };
    }

    /// <summary>
    /// Blur (σ, mm) of the cement-painted residual in which bodies are found: 0.5 mm, or 0.75 of a stored pixel where
    /// those are coarser. Working pixels interpolated from one stored pixel share its noise, so a narrower blur averages
    /// none of it, and at 1 mm a CT scout's noise per mm² is many times a 0.2 mm radiograph's (phantom: 25 times the
    /// variance at the same photons per pixel). 0.75 was chosen on the 1 mm phantoms over three noise seeds: 0.5 left the
    /// lateral endplates beside the cement to the noise, 1.0 blurred the walls' edges so far that weaker contours outside
    /// them passed the wall rules.
    /// </summary>
    internal static double EdgeBlurMm(CanonicalImage c) => Math.Max(0.5, 0.75 * c.StoredSpacing);

    private static (double X, double Y) Centroid(BodyOutline b) => b.Window.ToCanonical(b.CentroidX, b.CentroidY);

    /// <summary>A stand-in for a cement group where a body is looked for without cement: a 4 mm disc at (x, y).</summary>
    private static CementGroup Probe(CanonicalImage c, double x, double y)
    {
        int rx = (int)Math.Round(4 / c.Sx), ry = (int)Math.Round(4 / c.Sy), cx = (int)Math.Round(x), cy = (int)Math.Round(y);
        var pixels = new List<int>();
        for (var yy = Math.Max(0, cy - ry); yy <= Math.Min(c.Height - 1, cy + ry); yy++)
            for (var xx = Math.Max(0, cx - rx); xx <= Math.Min(c.Width - 1, cx + rx); xx++)
                if (Math.Pow((xx - cx) / (double)rx, 2) + Math.Pow((yy - cy) / (double)ry, 2) <= 1) pixels.Add(yy * c.Width + xx);
        return new CementGroup(pixels, cx - rx, cx + rx, cy - ry, cy + ry, cx - rx, cx + rx, cy - ry, cy + ry);
    }

    /// <summary>The body around a cement group: the edges' orientation about the cement, a window turned to it, the
    /// body in the window; then up to <paramref name="passes"/> − 1 more times with the window centred on that body and
    /// turned by its walls' and endplates' slope (at most <paramref name="maxTurnDeg"/>), kept while it still holds the
    /// cement's centre and its confidence is not more than 0.1 below the previous pass's (a pass that loses more found
    /// another, worse outline: at coarse pixels a recentred window can lose the endplate beside the cement).</summary>
    private BodyOutline? FindBody(CanonicalImage c, float[] smoothed, CementResult cement, CementGroup g, bool lateral, int passes = 2, double maxTurnDeg = 4)
    {
        double cx = (g.MainX0 + g.MainX1) / 2.0, cy = (g.MainY0 + g.MainY1) / 2.0;
        var angle = BodyWindow.Orientation(c, smoothed, cement.PaintedMask, cx, cy, lateral ? 20 : 30);
        BodyWindow Cut(double x, double y, double a) => BodyWindow.Cut(c, smoothed, cement, g, x, y, a, lateral ? 40 : 45, 38);
        var body = BodyFinder.Find(Cut(cx, cy, angle), lateral, Trace);
        for (var pass = 1; pass < passes && body is not null; pass++)
        {
            var lines = new[] { body.First, body.Second, body.Superior, body.Inferior };
            var limit = maxTurnDeg * Math.PI / 180;
            var turn = lines.All(l => l.InlierFraction >= 0.6)
                ? Math.Clamp((Math.Atan(-(body.First.B + body.Second.B) / 2) + Math.Atan((body.Superior.B + body.Inferior.B) / 2)) / 2, -limit, limit)
                : 0;
            var (bx, by) = body.Window.ToCanonical(body.CentroidX, body.CentroidY);
            var next = BodyFinder.Find(Cut(bx, by, body.Window.Angle + turn), lateral, Trace);
            if (next is null) break;
            var (mi, mj) = next.Window.FromCanonical(cx, cy);
            if (!next.Contains(mi, mj, 0)) break;
            if (next.Confidence < body.Confidence - 0.1) break;
            body = next;
        }
        return body;
    }

    private RadiographMetrics Measure(CanonicalImage c, CementResult cement, BodyOutline body, CementGroup group, string label, string labelSource, bool lateral, bool viewUnknown)
    {
        int w = c.Width;
        var win = body.Window;
        double pixelArea = c.Sx * c.Sy, s = win.S;
        var inBody = new List<(double X, double Y)>();
        var outside = 0;
        foreach (var i in group.Pixels)
        {
            var (x, y) = win.FromCanonical(i % w, i / w);
            if (body.Contains(x, y, 1.0 / s)) inBody.Add((x, y)); else outside++;
        }
        var flags = new List<string>();
        var qc = new List<string> { "PROJECTION_ONLY" };
        if (outside * pixelArea >= 10) flags.Add("LEAKAGE");
        if (body.Confidence < 0.5) qc.Add(QcCodes.LowRoiConfidence);
        var cementArea = inBody.Count * pixelArea;
        var (row, col) = c.ToStored(win.ToCanonical(body.CentroidX, body.CentroidY).X, win.ToCanonical(body.CentroidX, body.CentroidY).Y);
        double? left = null, gapSup = null, gapInf = null; bool? crosses = null, supC = null, infC = null, npec = null;
        if (!lateral && inBody.Count > 0 && c.LateralityKnown && !viewUnknown)
        {
            long nLeft = 0; double leftReach = 0, rightReach = 0;
            var half = Math.Sqrt(pixelArea) / 2;
            foreach (var (x, y) in inBody)
            {
                var d = body.SignedMidlineDistanceMm(x, y);
                if (d > 0) { nLeft++; leftReach = Math.Max(leftReach, d + half); }
                else rightReach = Math.Max(rightReach, -d + half);
            }
            left = nLeft / (double)inBody.Count;
            var minor = nLeft * 2 >= inBody.Count ? rightReach : leftReach;
            crosses = minor >= _o.CrossingMm;
            if (crosses == false) flags.Add("UNILATERAL");
        }
        if (lateral)
        {
            supC = false; infC = false; npec = false;
            if (inBody.Count > 0)
            {
                (gapSup, gapInf) = Gaps(body, cement.Level);
                supC = gapSup <= _o.ContactToleranceMm; infC = gapInf <= _o.ContactToleranceMm;
                npec = !(supC.Value && infC.Value);
                if (npec == true) flags.Add("NPEC");
            }
        }
        if (cement.Metal) qc.Add("METAL");
        // "Not assessable" beats a confident wrong answer: on a body found with low confidence the outline, the midline and
        // the endplates that the flags rest on are uncertain, so its numbers stay (with the QC) but no clinical flag is raised.
        if (body.Confidence < 0.5 && flags.Count > 0)
        {
            flags.Clear();
            qc.Add(QcCodes.FlagsWithheld);
        }
        return new RadiographMetrics
        {
            Vertebra = label, LabelSource = labelSource, View = lateral ? "LAT" : "AP",
            ImageRow = row, ImageCol = col,
            BodyAreaMm2 = body.AreaPx * s * s, CementAreaMm2 = cementArea,
            FillAreaPct = body.AreaPx > 0 ? 100 * cementArea / (body.AreaPx * s * s) : 0,
            LeftFraction = left, CrossesMidline = crosses,
            SuperiorGapMm = gapSup, InferiorGapMm = gapInf, SuperiorContact = supC, InferiorContact = infC, Npec = npec,
            Confidence = body.Confidence, Flags = flags, Qc = qc,
        };
    }

    /// <summary>
    /// Superior and inferior gaps (mm) of the group's in-body cement in the body's window, along its columns (the
    /// vertebra's cranio-caudal axis). The cement's top and bottom edges are moved out to where the contrast would reach
    /// 12 % of the seed contrast (at most 1.5 mm further): the segmentation threshold sits on the steep but blurred
    /// flank, a little inside the true edge. The flank's slope is taken across the edge pixel (± half a stored pixel,
    /// at least one working pixel) and extended straight down to 12 %, not followed pixel by pixel: the low tail of the
    /// flank is where the noise is as large as the contrast (1 mm pixels) and the next endplate's flank begins, and a walk
    /// through it stops at the first noise dip or runs on over a noise bump. Where the endplate is seen above/below the
    /// cement the gap is measured to it in that column (the bowl's concavity included); where the cement hides it
    /// (cement within ~2 mm), to the line fitted through the visible parts, less <see cref="BowlAllowanceMm"/>: that
    /// line joins the rims, which lie above the bowl's midline.
    /// </summary>
    private static (double Sup, double Inf) Gaps(BodyOutline body, double level)
    {
        var win = body.Window;
        int w = win.Width, h = win.Height;
        var s = win.S;
        var top = new Dictionary<int, double>(); var bottom = new Dictionary<int, double>();
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                if (win.Cement[y * w + x] == 0 || !body.Contains(x, y, 1.0 / s)) continue;
                top[x] = top.TryGetValue(x, out var t) ? Math.Min(t, y) : y;
                bottom[x] = bottom.TryGetValue(x, out var b) ? Math.Max(b, y) : y;
            }
        if (win.Contrast is { } con)
        {
            double lim = 1.5 / s, t12 = 0.12 * level;
            var k = Math.Max(1, (int)Math.Round(0.5 * win.StoredSpacing / s));
            // How far past edge pixel y (going in direction dir) the contrast falls to 12 % along the flank's slope there.
            double Extension(int x, int y, int dir)
            {
                if (y - k < 0 || y + k >= h) return 0;
                var slope = (con[(y - dir * k) * w + x] - con[(y + dir * k) * w + x]) / (2.0 * k);
                return slope > 0 ? Math.Clamp((con[y * w + x] - t12) / slope, 0, lim) : 0;
            }
            foreach (var x in top.Keys.ToList())
            {
                top[x] -= Extension(x, (int)top[x], -1);
                bottom[x] += Extension(x, (int)bottom[x], +1);
            }
        }
        double gs = double.MaxValue, gi = double.MaxValue;
        foreach (var (x, t) in top)
            gs = Math.Min(gs, body.SuperiorSeen.TryGetValue(x, out var ys) ? (t - 0.5 - ys) * s : (t - 0.5 - body.Superior.At(x)) * s - BowlAllowanceMm);
        foreach (var (x, b) in bottom)
            gi = Math.Min(gi, body.InferiorSeen.TryGetValue(x, out var yi) ? (yi - (b + 0.5)) * s : (body.Inferior.At(x) - (b + 0.5)) * s - BowlAllowanceMm);
        return (Math.Max(0, gs), Math.Max(0, gi));
    }

    /// <summary>How far a line through an endplate's visible rims lies above the midline of its concave bowl, mm.</summary>
    internal const double BowlAllowanceMm = 1.0;

    internal static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}

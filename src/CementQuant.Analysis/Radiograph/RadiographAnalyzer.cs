using System.Diagnostics;
using System.Globalization;

namespace CementQuant.Analysis.Radiograph;

/// <summary>Settings of the radiograph stage, validated on construction. Contrast thresholds are multiples of the
/// image's own bone contrast (the 95th percentile of wide bright structures), so they do not depend on a vendor's gain.</summary>
public sealed record RadiographAnalysisOptions
{
    private readonly double _contact = 1.0, _seed = 5.0, _edge = 1.5, _minArea = 15, _crossing = 2.0;

    /// <summary>A gap of at most this many mm counts as endplate contact (METRICS.md default 1.0).</summary>
    public double ContactToleranceMm { get => _contact; init => _contact = NonNegative(value, nameof(ContactToleranceMm)); }
    /// <summary>Cement seeds: wide (≥ 4 mm) structures brighter than this many times the bone contrast.</summary>
    public double SeedContrast { get => _seed; init => _seed = Positive(value, nameof(SeedContrast)); }
    /// <summary>Cement grows from its seeds over pixels brighter than this many times the bone contrast.</summary>
    public double EdgeContrast { get => _edge; init => _edge = Positive(value, nameof(EdgeContrast)); }
    /// <summary>Smaller bright blobs are not cement, mm².</summary>
    public double MinCementAreaMm2 { get => _minArea; init => _minArea = NonNegative(value, nameof(MinCementAreaMm2)); }
    /// <summary>Cement crosses the midline when the smaller side reaches at least this far past it, mm (METRICS.md: 2).</summary>
    public double CrossingMm { get => _crossing; init => _crossing = NonNegative(value, nameof(CrossingMm)); }

    private static double Positive(double v, string name) =>
        v > 0 && double.IsFinite(v) ? v : throw new ArgumentOutOfRangeException(name, v, "must be a positive number");
    private static double NonNegative(double v, string name) =>
        v >= 0 && double.IsFinite(v) ? v : throw new ArgumentOutOfRangeException(name, v, "must be a non-negative number");
}

/// <summary>The analysis of one radiograph: one row per cemented vertebral body found, and what was noticed.</summary>
public sealed record RadiographResult(RadiographView View, IReadOnlyList<RadiographMetrics> Vertebrae, IReadOnlyList<string> Notes, double Seconds)
{
    /// <summary>Where each row's body and cement were seen, for drawing: <c>Overlays[i]</c> belongs to <c>Vertebrae[i]</c>.</summary>
    public IReadOnlyList<RadiographOverlay> Overlays { get; init; } = [];

    public bool CementFound => Vertebrae.Any(v => v.CementAreaMm2 > 0);
}

/// <summary>The frontal and lateral analyses of one study.</summary>
public sealed record RadiographPairResult(RadiographResult? Frontal, RadiographResult? Lateral);

/// <summary>
/// Radiograph stage: cement (the most radiopaque wide structure) → the vertebral body around each cement group
/// (side walls and endplate lines from edges of the image with the cement painted out) → METRICS.md radiograph
/// columns: area fill, left fraction about the body's midline (AP, left from PatientOrientation), endplate gaps
/// and contact (LAT). Works in the canonical frame of <see cref="CanonicalImage"/>; positions are reported as stored.
/// </summary>
public sealed class RadiographAnalyzer(RadiographAnalysisOptions? options = null)
{
    private readonly RadiographAnalysisOptions _o = options ?? new RadiographAnalysisOptions();

    /// <summary>Optional diagnostics sink (tests and tuning).</summary>
    internal Action<string>? Trace { get; init; }

    public RadiographPairResult AnalyzePair(RadiographImage? frontal, RadiographImage? lateral) =>
        new(frontal is null ? null : Analyze(frontal), lateral is null ? null : Analyze(lateral));

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
        foreach (var g in cement.Groups)
        {
            var body = BodyFinder.Find(c, cement.Painted, cement.PaintedMask, g, lateral, Trace);
            if (body is null) { notes.Add("CEMENT_WITHOUT_BODY: a cement group with no vertebral body found around it"); continue; }
            bodies.Add((body, g));
        }
        bodies.Sort((a, b) => a.Body.CentroidY.CompareTo(b.Body.CentroidY));
        for (var k = 0; k < bodies.Count; k++)
            rows.Add(Measure(c, cement, bodies[k].Body, bodies[k].Group, $"V{k + 1}", lateral, image.View == RadiographView.Unknown));
        var overlays = bodies.Select(b => RadiographOverlays.Build(c, b.Body, b.Group, lateral)).ToList();
        return new RadiographResult(image.View, rows, notes, sw.Elapsed.TotalSeconds) { Overlays = overlays };
    }

    private RadiographMetrics Measure(CanonicalImage c, CementResult cement, BodyOutline body, CementGroup group, string label, bool lateral, bool viewUnknown)
    {
        int w = c.Width;
        double sx = c.Sx, sy = c.Sy, pixelArea = sx * sy;
        var inBody = new List<int>();
        var outside = 0;
        foreach (var i in group.Pixels)
        {
            int x = i % w, y = i / w;
            if (body.Contains(x, y, 1.0 / sy)) inBody.Add(i); else outside++;
        }
        var flags = new List<string>();
        var qc = new List<string> { "PROJECTION_ONLY" };
        if (outside * pixelArea >= 10) flags.Add("LEAKAGE");
        if (body.Confidence < 0.5) qc.Add("LOW_ROI_CONFIDENCE");
        var cementArea = inBody.Count * pixelArea;
        var (row, col) = c.ToStored(body.CentroidX, body.CentroidY);
        double? left = null, gapSup = null, gapInf = null; bool? crosses = null, supC = null, infC = null, npec = null;
        if (!lateral && inBody.Count > 0 && c.LateralityKnown && !viewUnknown)
        {
            long nLeft = 0; double leftReach = 0, rightReach = 0;
            foreach (var i in inBody)
            {
                int x = i % w, y = i / w;
                var d = body.SignedMidlineDistanceMm(x, y, sx, sy);
                if (d > 0) { nLeft++; leftReach = Math.Max(leftReach, d + sx / 2); }
                else rightReach = Math.Max(rightReach, -d + sx / 2);
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
                var top = new Dictionary<int, int>(); var bottom = new Dictionary<int, int>();
                foreach (var i in inBody)
                {
                    int x = i % w, y = i / w;
                    top[x] = top.TryGetValue(x, out var t) ? Math.Min(t, y) : y;
                    bottom[x] = bottom.TryGetValue(x, out var b) ? Math.Max(b, y) : y;
                }
                // The cement's top and bottom edges refined down to 12 % of the seed contrast (at most 1.5 mm further):
                // the segmentation threshold sits on the steep but blurred flank, a little inside the true edge.
                if (cement.Contrast is { } con)
                {
                    var lim = (int)Math.Round(1.5 / sy); var t12 = 0.12 * cement.Level;
                    foreach (var x in top.Keys.ToList())
                    {
                        var y = top[x];
                        for (var k = 0; k < lim && y - 1 >= 0 && con[(y - 1) * w + x] > t12; k++) y--;
                        top[x] = y;
                        y = bottom[x];
                        for (var k = 0; k < lim && y + 1 < c.Height && con[(y + 1) * w + x] > t12; k++) y++;
                        bottom[x] = y;
                    }
                }
                double gs = double.MaxValue, gi = double.MaxValue;
                // Where the endplate is seen above/below the cement the gap is measured to it in that column (the bowl's
                // concavity included). Where the cement hides it (cement within ~2 mm), to the line fitted through the
                // visible parts, less BowlAllowanceMm: that line joins the rims, which lie above the bowl's midline.
                foreach (var (x, t) in top)
                    gs = Math.Min(gs, body.SuperiorSeen.TryGetValue(x, out var ys) ? (t - 0.5 - ys) * sy : (t - 0.5 - body.SuperiorY(x)) * sy - BowlAllowanceMm);
                foreach (var (x, b) in bottom)
                    gi = Math.Min(gi, body.InferiorSeen.TryGetValue(x, out var yi) ? (yi - (b + 0.5)) * sy : (body.InferiorY(x) - (b + 0.5)) * sy - BowlAllowanceMm);
                gapSup = Math.Max(0, gs); gapInf = Math.Max(0, gi);
                supC = gapSup <= _o.ContactToleranceMm; infC = gapInf <= _o.ContactToleranceMm;
                npec = !(supC.Value && infC.Value);
                if (npec == true) flags.Add("NPEC");
            }
        }
        if (cement.Metal) qc.Add("METAL");
        return new RadiographMetrics
        {
            Vertebra = label, LabelSource = "index", View = lateral ? "LAT" : "AP",
            ImageRow = row, ImageCol = col,
            BodyAreaMm2 = body.AreaPx * pixelArea, CementAreaMm2 = cementArea,
            FillAreaPct = body.AreaPx > 0 ? 100 * inBody.Count / (double)body.AreaPx : 0,
            LeftFraction = left, CrossesMidline = crosses,
            SuperiorGapMm = gapSup, InferiorGapMm = gapInf, SuperiorContact = supC, InferiorContact = infC, Npec = npec,
            Confidence = body.Confidence, Flags = flags, Qc = qc,
        };
    }

    /// <summary>How far a line through an endplate's visible rims lies above the midline of its concave bowl, mm.</summary>
    internal const double BowlAllowanceMm = 1.0;

    internal static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}

using System.Collections.Concurrent;
using System.Globalization;
using CementQuant.Analysis.Radiograph;
using CementQuant.Dicom.Series;
using CementQuant.Phantom;
using Xunit.Abstractions;

namespace CementQuant.Analysis.Tests;

/// <summary>
/// Phantom radiographs written as DX files (the renderer's output through RadiographWriter) into a directory of this test
/// run (removed when the run ends), rendered once per distinct radiograph and view. MONOCHROME1 and mirrored variants are derived from the
/// MONOCHROME2 render exactly as the renderer would store them. Catalogue cases that differ only in how the CT is
/// acquired or stored have the same radiograph as an earlier case (<see cref="Source"/>) and share its render.
/// </summary>
internal static class RadiographPhantoms
{
    private static readonly string Dir = Path.Combine(Path.GetTempPath(), "cq-xr-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
    private static readonly ConcurrentDictionary<string, Lazy<(string Path, IReadOnlyList<RadiographVertebraTruth> Truth)>> Renders = new();
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Sources = new(FindSources);

    static RadiographPhantoms() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try { if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    };

    public sealed record Item(string Path, IReadOnlyList<RadiographVertebraTruth> Truth, int Width);

    /// <summary>The first catalogue case whose radiographs equal <paramref name="name"/>'s: the same radiograph options
    /// and the same model, checked at 20,000 points of the spine's box.</summary>
    public static string Source(string name) => Sources.Value[name];

    private static Dictionary<string, string> FindSources()
    {
        var cases = PhantomCatalogue.All;
        var map = new Dictionary<string, string>();
        for (var k = 0; k < cases.Count; k++)
            map[cases[k].Name] = cases.Take(k).FirstOrDefault(e => SameRadiograph(e, cases[k]))?.Name ?? cases[k].Name;
        return map;
    }

    private static bool SameRadiograph(PhantomCase a, PhantomCase b)
    {
        if (a.Radiograph != b.Radiograph || a.ContactToleranceMm != b.ContactToleranceMm || a.Model.SpineBounds != b.Model.SpineBounds) return false;
        var (lo, hi) = a.Model.SpineBounds;
        var rnd = new Random(3);
        for (var i = 0; i < 20_000; i++)
        {
            var p = new Vec3(lo.X + rnd.NextDouble() * (hi.X - lo.X), lo.Y + rnd.NextDouble() * (hi.Y - lo.Y), lo.Z + rnd.NextDouble() * (hi.Z - lo.Z));
            var (sa, sb) = (a.Model.Sample(p), b.Model.Sample(p));
            if (sa.Hu != sb.Hu || sa.Material != sb.Material || sa.Body != sb.Body || sa.CementOwner != sb.CementOwner) return false;
        }
        return true;
    }

    public static Item Get(string name, View view, double spacing, bool mono1 = false, bool mirrored = false)
    {
        var source = Source(name);
        var key = string.Create(CultureInfo.InvariantCulture, $"{source}_{(view == View.AP ? "AP" : "LAT")}_{spacing:0.###}");
        var (path, truth) = Renders.GetOrAdd(key, k => new Lazy<(string, IReadOnlyList<RadiographVertebraTruth>)>(() => Render(source, view, spacing, k))).Value;
        var img = RadiographLoader.Load(path);
        if (!mono1 && !mirrored) return new Item(path, truth, img.Pixels.Width);
        // Variant: re-store the same pixels inverted and/or mirrored.
        int w = img.Pixels.Width, h = img.Pixels.Height;
        var px = new ushort[w * h];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var v = (int)img.Pixels[mirrored ? w - 1 - x : x, y];
                px[y * w + x] = (ushort)(mono1 ? 4095 - v : v);
            }
        var variant = Path.Combine(Dir, $"{name}_{key}{(mono1 ? "_m1" : "")}{(mirrored ? "_mir" : "")}.dcm");
        var orientation = view == View.AP ? (mirrored ? "R\\F" : "L\\F") : (mirrored ? "A\\F" : "P\\F");
        RadiographWriter.Write(variant, w, h, px, new RadiographWriteOptions
        {
            ImagerPixelSpacing = (img.Pixels.RowSpacing, img.Pixels.ColumnSpacing), PhotometricInterpretation = mono1 ? "MONOCHROME1" : "MONOCHROME2",
            PatientOrientation = orientation, ViewPosition = view == View.AP ? "AP" : "LL",
        });
        if (mirrored) truth = [.. truth.Select(t => t with { ImageCol = w - 1 - t.ImageCol })];
        return new Item(variant, truth, w);
    }

    private static (string, IReadOnlyList<RadiographVertebraTruth>) Render(string name, View view, double spacing, string key)
    {
        Directory.CreateDirectory(Dir);
        var c = PhantomCatalogue.Get(name);
        c = c with { Radiograph = c.Radiograph with { PixelSpacing = spacing } };
        var r = RadiographRenderer.Render(c, view, 1);
        var study = "2.25." + string.Concat(name.Select(ch => ((int)ch).ToString(CultureInfo.InvariantCulture)));
        if (study.Length > 60) study = study[..60];
        var path = Path.Combine(Dir, key + ".dcm");
        RadiographWriter.Write(path, r.Image.Width, r.Image.Height, r.Image.Data, new RadiographWriteOptions
        {
            ImagerPixelSpacing = r.ImagerPixelSpacing, PhotometricInterpretation = r.PhotometricInterpretation,
            PatientOrientation = r.PatientOrientation, ViewPosition = r.ViewPosition, StudyInstanceUid = study,
        });
        return (path, r.Truth);
    }

    /// <summary>The analysed row nearest to a truth row's centroid, within 12 mm.</summary>
    public static RadiographMetrics? Match(RadiographResult result, RadiographVertebraTruth t, double spacing) =>
        result.Vertebrae.Where(v => double.Hypot(v.ImageRow - t.ImageRow, v.ImageCol - t.ImageCol) * spacing < 12)
            .OrderBy(v => double.Hypot(v.ImageRow - t.ImageRow, v.ImageCol - t.ImageCol)).FirstOrDefault();
}

/// <summary>
/// Issue 9's acceptance on phantom radiographs: every catalogue case, AP and lateral, each case with one view stored
/// MONOCHROME1 and the other MONOCHROME2, at 0.2 mm (a subset also at 0.1 mm and mirrored) and at 1.0 mm (CT scout
/// pixels), quantum noise included: cemented bodies found; left fraction within 0.05 of the 2D truth; superior/inferior
/// contact identical to truth; gaps within 1 mm; no more cemented bodies than the truth has. All 22 cases meet it at
/// 0.2 mm; at 1.0 mm all but one left fraction (rotated-scoliotic, a known failure).
/// </summary>
public class RadiographPhantomTests(ITestOutputHelper output)
{
    private readonly RadiographAnalyzer _analyzer = new() { Trace = output.WriteLine };

    /// <summary>Checks every cemented truth vertebra against the analysis; returns a one-line summary per vertebra.</summary>
    internal static List<string> Compare(string name, View view, RadiographPhantoms.Item item, RadiographResult result, double spacing, List<string> failures,
        double leftTolerance = 0.05)
    {
        var lines = new List<string>();
        foreach (var t in item.Truth.Where(t => t.CementAreaMm2 > 0))
        {
            var m = RadiographPhantoms.Match(result, t, spacing);
            if (m is null) { failures.Add($"{name} {view} {t.Vertebra}: cemented body not found"); lines.Add($"{name} {view} {t.Vertebra}: NOT FOUND"); continue; }
            if (view == View.AP)
            {
                var err = Math.Abs((m.LeftFraction ?? double.NaN) - t.LeftFraction!.Value);
                if (!(err <= leftTolerance)) failures.Add($"{name} AP {t.Vertebra}: left fraction {m.LeftFraction:0.000} vs truth {t.LeftFraction:0.000}");
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name} AP {t.Vertebra}: left {m.LeftFraction:0.000} truth {t.LeftFraction:0.000} (err {err:0.000}); crosses {m.CrossesMidline}/{t.CrossesMidline}; cement {m.CementAreaMm2:0} mm² truth {t.CementAreaMm2:0}; body {m.BodyAreaMm2:0} truth {t.BodyAreaMm2:0}; {m.Vertebra} ({m.LabelSource}); conf {m.Confidence:0.00}"));
            }
            else
            {
                var es = Math.Abs((m.SuperiorGapMm ?? double.NaN) - t.SuperiorGapMm!.Value);
                var ei = Math.Abs((m.InferiorGapMm ?? double.NaN) - t.InferiorGapMm!.Value);
                if (m.SuperiorContact != t.SuperiorContact) failures.Add($"{name} LAT {t.Vertebra}: superior contact {m.SuperiorContact} vs truth {t.SuperiorContact}");
                if (m.InferiorContact != t.InferiorContact) failures.Add($"{name} LAT {t.Vertebra}: inferior contact {m.InferiorContact} vs truth {t.InferiorContact}");
                if (!(es <= 1.0)) failures.Add($"{name} LAT {t.Vertebra}: superior gap {m.SuperiorGapMm:0.00} vs truth {t.SuperiorGapMm:0.00}");
                if (!(ei <= 1.0)) failures.Add($"{name} LAT {t.Vertebra}: inferior gap {m.InferiorGapMm:0.00} vs truth {t.InferiorGapMm:0.00}");
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name} LAT {t.Vertebra}: gaps {m.SuperiorGapMm:0.00}/{m.InferiorGapMm:0.00} truth {t.SuperiorGapMm:0.00}/{t.InferiorGapMm:0.00} (err {es:0.00}/{ei:0.00}); contact {m.SuperiorContact}/{m.InferiorContact} truth {t.SuperiorContact}/{t.InferiorContact}; cement {m.CementAreaMm2:0} truth {t.CementAreaMm2:0}; body {m.BodyAreaMm2:0} truth {t.BodyAreaMm2:0}; {m.Vertebra} ({m.LabelSource}); conf {m.Confidence:0.00}"));
            }
        }
        if (!item.Truth.Any(t => t.CementAreaMm2 > 0) && result.CementFound)
            failures.Add($"{name} {view}: cement reported on a phantom without cement");
        var extra = result.Vertebrae.Count(v => v.CementAreaMm2 > 0) - item.Truth.Count(t => t.CementAreaMm2 > 0);
        if (extra > 0) failures.Add($"{name} {view}: {extra} cemented bodies more than the truth has");
        return lines;
    }

    private void Check(string name, double spacing, Func<View, bool> mono1, Func<View, bool>? mirrored = null)
    {
        var failures = Failures(name, spacing, mono1, mirrored);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private List<string> Failures(string name, double spacing, Func<View, bool> mono1, Func<View, bool>? mirrored = null)
    {
        var failures = new List<string>();
        var source = RadiographPhantoms.Source(name);
        if (source != name) output.WriteLine($"{name}: same radiographs as {source}");
        foreach (var view in new[] { View.AP, View.Lateral })
        {
            var item = RadiographPhantoms.Get(name, view, spacing, mono1(view), mirrored?.Invoke(view) ?? false);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var result = _analyzer.Analyze(RadiographLoader.Load(item.Path));
            output.WriteLine($"{view}: load + analyse {sw.Elapsed.TotalMilliseconds:0} ms; notes {string.Join("; ", result.Notes)}");
            foreach (var line in Compare(name, view, item, result, spacing, failures)) output.WriteLine(line);
        }
        return failures;
    }

    public static TheoryData<string> Cases() => [.. PhantomCatalogue.Names];

    /// <summary>Every catalogue case at 0.2 mm; MONOCHROME1 for the lateral view of odd-length names and the AP view of
    /// even-length ones, so each photometric interpretation meets each view.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Analyze_EveryCatalogueCaseAt02mm_MatchesTruth(string name) =>
        Check(name, 0.2, view => view == View.Lateral ^ name.Length % 2 == 0);

    /// <summary>
    /// Every catalogue case at 1.0 mm, the phantom's default spacing and a CT scout's: the same photons per pixel as at
    /// 0.2 mm, so 25 times the noise variance per mm², and edges one stored pixel wide. The photometric interpretations
    /// are swapped against the 0.2 mm test, so each view of each case meets both. The same tolerances; the rotated
    /// L3's left fraction misses them (a known failure, below).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Analyze_EveryCatalogueCaseAt1mm_MatchesTruth(string name)
    {
        var failures = Failures(name, 1.0, view => view == View.AP ^ name.Length % 2 == 0).Where(f => !IsRotatedLeftFraction(name, f)).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// The axially rotated L3 (rotated-scoliotic) at 1.0 mm, a known limitation rather than a physical one, kept to the
    /// same 0.05 as every other case and expected to fail (it had a special tolerance of 0.10 that hid it): the rotated
    /// body's AP outline has a second contour about 7 mm outside its right wall (its posterior elements turned out to
    /// the side). At 0.2 mm its edge is 38 % as strong as the wall's; blurred by 1 mm pixels it reaches 52 %, passes the
    /// frontal wall rule (the widest pair whose weaker edge is half the strongest's), and the walls' midline moves
    /// 3.4 mm: 0.924 of the cement on the left instead of 1.0 (0.93 on another noise seed, 0.925 at 0.7 mm).
    /// </summary>
    [Fact]
    public void Analyze_RotatedScolioticAt1mm_LeftFractionWithinTheCommonTolerance_KnownFailure()
    {
        const string Name = "rotated-scoliotic";
        var failures = Failures(Name, 1.0, view => view == View.AP ^ Name.Length % 2 == 0);
        Assert.DoesNotContain(failures, f => !IsRotatedLeftFraction(Name, f));
        KnownFailure.Expect("the rotated body's posterior elements pass the frontal wall rule at 1 mm: left fraction 0.924 for 1.0",
            () => Assert.DoesNotContain(failures, f => IsRotatedLeftFraction(Name, f)));
    }

    private static bool IsRotatedLeftFraction(string name, string failure) =>
        RadiographPhantoms.Source(name) == "rotated-scoliotic" && failure.Contains(" AP L3: left fraction", StringComparison.Ordinal);

    /// <summary>A subset at 0.1 mm, AP stored MONOCHROME1.</summary>
    [Theory]
    [InlineData("worked-example")]
    [InlineData("superior-only")]
    public void Analyze_SubsetAt01mm_MatchesTruth(string name) => Check(name, 0.1, view => view == View.AP);

    /// <summary>Stored mirrored (PatientOrientation R\F, A\F): the same left fraction and gaps as stored plainly, and truth met.</summary>
    [Theory]
    [InlineData("worked-example")]
    [InlineData("unipedicular-crossing")]
    [InlineData("multi-level")]
    public void Analyze_Mirrored_SameLeftRightAsPlain(string name)
    {
        Check(name, 0.2, _ => false, _ => true);
        foreach (var view in new[] { View.AP, View.Lateral })
        {
            var plain = _analyzer.Analyze(RadiographLoader.Load(RadiographPhantoms.Get(name, view, 0.2).Path));
            var mirrored = _analyzer.Analyze(RadiographLoader.Load(RadiographPhantoms.Get(name, view, 0.2, mirrored: true).Path));
            Assert.Equal(plain.Vertebrae.Count, mirrored.Vertebrae.Count);
            foreach (var (a, b) in plain.Vertebrae.Zip(mirrored.Vertebrae))
            {
                Assert.Equal(a.LeftFraction ?? -1, b.LeftFraction ?? -1, 0.02);
                Assert.Equal(a.SuperiorGapMm ?? -1, b.SuperiorGapMm ?? -1, 0.3);
                Assert.Equal(a.InferiorGapMm ?? -1, b.InferiorGapMm ?? -1, 0.3);
            }
        }
    }

    /// <summary>
    /// Metal is not cement: the worked example with a steel rod (6 mm × 90 mm, AP, over the right pedicles from L2 to L4)
    /// or a pedicle screw (6.5 mm × 40 mm, lateral, in L4) drawn into the stored pixels (+1,500 grey levels, about 3.6 of
    /// line integral, clipped at 4,095). The cement found and its metrics still meet the truth, no cement is reported at
    /// the screw, and METAL is noted.
    /// </summary>
    [Theory]
    [InlineData(View.AP)]
    [InlineData(View.Lateral)]
    public void Analyze_WithMetalRodOrScrew_MetalNotTakenAsCement(View view)
    {
        var item = RadiographPhantoms.Get("worked-example", view, 0.2);
        var img = RadiographLoader.Load(item.Path);
        int w = img.Pixels.Width, h = img.Pixels.Height;
        const double s = 0.2;
        var l3 = item.Truth.Single(t => t.Vertebra == "L3"); var l4 = item.Truth.Single(t => t.Vertebra == "L4");
        // Bar from (r0, c0) to (r1, c1) in stored pixels, half-width in pixels.
        var (r0, c0, r1, c1, half) = view == View.AP
            ? (l3.ImageRow - 45 / s, l3.ImageCol - 13 / s, l3.ImageRow + 45 / s, l3.ImageCol - 13 / s, 3 / s)
            : (l4.ImageRow - 2 / s, l4.ImageCol + 38 / s, l4.ImageRow + 1 / s, l4.ImageCol - 2 / s, 3.25 / s);
        var px = new ushort[w * h];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                double dr = r1 - r0, dc = c1 - c0, len2 = dr * dr + dc * dc;
                var t = Math.Clamp(((y - r0) * dr + (x - c0) * dc) / len2, 0, 1);
                var inBar = double.Hypot(y - (r0 + t * dr), x - (c0 + t * dc)) <= half;
                px[y * w + x] = (ushort)Math.Min(4095, img.Pixels[x, y] + (inBar ? 1500 : 0));
            }
        var path = Path.Combine(Path.GetDirectoryName(item.Path)!, $"worked-example-metal-{view}.dcm");
        RadiographWriter.Write(path, w, h, px, new RadiographWriteOptions
        {
            ImagerPixelSpacing = (s, s), PhotometricInterpretation = "MONOCHROME2",
            PatientOrientation = view == View.AP ? "L\\F" : "P\\F", ViewPosition = view == View.AP ? "AP" : "LL",
        });
        var result = _analyzer.Analyze(RadiographLoader.Load(path));
        var failures = new List<string>();
        foreach (var line in Compare("worked-example+metal", view, item with { Path = path }, result, s, failures)) output.WriteLine(line);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Single(result.Vertebrae);
        Assert.Contains(result.Notes, n => n.StartsWith("METAL", StringComparison.Ordinal));
        Assert.Contains("METAL", result.Vertebrae[0].Qc);
    }

    /// <summary>Levels: counted up from the sacrum on the lateral view of T12–S1 and carried to the AP view by AnalyzePair;
    /// on multi-level (no sacrum in view) numbered from the top cemented body, counting the untreated L3 between (V1, V2,
    /// V4). Prints the pair's analysis time (issue 9: under 0.5 s; timings are not asserted).</summary>
    [Theory]
    [InlineData("t12-to-sacrum", "L1", "counted")]
    [InlineData("multi-level", "V1,V2,V4", "index")]
    public void AnalyzePair_Levels_CountedFromTheSacrumElseFromTheTopCementedBody(string name, string labels, string source)
    {
        var ap = RadiographLoader.Load(RadiographPhantoms.Get(name, View.AP, 0.2).Path);
        var lat = RadiographLoader.Load(RadiographPhantoms.Get(name, View.Lateral, 0.2).Path);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var pair = new RadiographAnalyzer().AnalyzePair(ap, lat);
        output.WriteLine($"AnalyzePair {sw.Elapsed.TotalMilliseconds:0} ms ({ap.Pixels.Width}x{ap.Pixels.Height} + {lat.Pixels.Width}x{lat.Pixels.Height})");
        foreach (var r in new[] { pair.Frontal!, pair.Lateral! })
        {
            Assert.Equal(labels, string.Join(',', r.Vertebrae.Select(v => v.Vertebra)));
            Assert.All(r.Vertebrae, v => Assert.Equal(source, v.LabelSource));
        }
    }

    /// <summary>Catalogue cases that only change the CT share their radiographs; the others each have their own.</summary>
    [Fact]
    public void Source_AcquisitionOnlyVariants_ShareTheWorkedExampleRadiographs()
    {
        foreach (var name in new[] { "feet-first-prone", "feet-first-supine", "head-first-prone", "mirrored-rows", "thick-slices-3mm", "unsigned-shuffled", "streak-artifacts" })
            Assert.Equal("worked-example", RadiographPhantoms.Source(name));
        Assert.Equal(15, PhantomCatalogue.Names.Select(RadiographPhantoms.Source).Distinct().Count());
    }
}

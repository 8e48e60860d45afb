using System.Globalization;
using System.Text.Json;
using CementQuant.Analysis.Radiograph;
using CementQuant.Dicom.Series;
using CementQuant.Phantom;
using Xunit.Abstractions;

namespace CementQuant.Analysis.Tests;

/// <summary>
/// Phantom radiographs written as DX files (the renderer's output through RadiographWriter), cached on disk because a
/// 0.2 mm render takes ~30 s per view: CQ_RADIOGRAPH_CACHE, else &lt;temp&gt;/cq-xr-cache. MONOCHROME1 and mirrored
/// variants are derived from the MONOCHROME2 render exactly as the renderer would store them.
/// </summary>
internal static class RadiographPhantoms
{
    public static string CacheDir { get; } = Environment.GetEnvironmentVariable("CQ_RADIOGRAPH_CACHE") is { Length: > 0 } d
        ? d : Path.Combine(Path.GetTempPath(), "cq-xr-cache");

    private static readonly Lock Gate = new();

    public sealed record Item(string Path, IReadOnlyList<RadiographVertebraTruth> Truth, int Width);

    public static Item Get(string name, View view, double spacing, bool mono1 = false, bool mirrored = false)
    {
        Directory.CreateDirectory(CacheDir);
        var stem = Path.Combine(CacheDir, string.Create(CultureInfo.InvariantCulture, $"{name}_{(view == View.AP ? "AP" : "LAT")}_{spacing:0.###}"));
        lock (Gate)
        {
            if (!File.Exists(stem + ".json"))
            {
                var c = PhantomCatalogue.Get(name);
                c = c with { Radiograph = c.Radiograph with { PixelSpacing = spacing } };
                var r = RadiographRenderer.Render(c, view, 1);
                var study = "2.25." + string.Concat(name.Select(ch => ((int)ch).ToString(CultureInfo.InvariantCulture)));
                if (study.Length > 60) study = study[..60];
                RadiographWriter.Write(stem + ".dcm", r.Image.Width, r.Image.Height, r.Image.Data, new RadiographWriteOptions
                {
                    ImagerPixelSpacing = r.ImagerPixelSpacing, PhotometricInterpretation = r.PhotometricInterpretation,
                    PatientOrientation = r.PatientOrientation, ViewPosition = r.ViewPosition, StudyInstanceUid = study,
                });
                File.WriteAllText(stem + ".json", JsonSerializer.Serialize(r.Truth));
            }
        }
        var truth = JsonSerializer.Deserialize<List<RadiographVertebraTruth>>(File.ReadAllText(stem + ".json"))!;
        if (!mono1 && !mirrored) return new Item(stem + ".dcm", truth, RadiographLoader.Load(stem + ".dcm").Pixels.Width);
        // Variant: re-store the same pixels inverted and/or mirrored.
        var img = RadiographLoader.Load(stem + ".dcm");
        int w = img.Pixels.Width, h = img.Pixels.Height;
        var px = new ushort[w * h];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var v = (int)img.Pixels[mirrored ? w - 1 - x : x, y];
                px[y * w + x] = (ushort)(mono1 ? 4095 - v : v);
            }
        var variant = Path.Combine(CacheDir, $"{Path.GetFileName(stem)}{(mono1 ? "_m1" : "")}{(mirrored ? "_mir" : "")}.dcm");
        var orientation = view == View.AP ? (mirrored ? "R\\F" : "L\\F") : (mirrored ? "A\\F" : "P\\F");
        RadiographWriter.Write(variant, w, h, px, new RadiographWriteOptions
        {
            ImagerPixelSpacing = (img.Pixels.RowSpacing, img.Pixels.ColumnSpacing), PhotometricInterpretation = mono1 ? "MONOCHROME1" : "MONOCHROME2",
            PatientOrientation = orientation, ViewPosition = view == View.AP ? "AP" : "LL",
        });
        if (mirrored) truth = [.. truth.Select(t => t with { ImageCol = w - 1 - t.ImageCol })];
        return new Item(variant, truth, w);
    }

    /// <summary>The analysed row nearest to a truth row's centroid, within 12 mm.</summary>
    public static RadiographMetrics? Match(RadiographResult result, RadiographVertebraTruth t, double spacing) =>
        result.Vertebrae.Where(v => double.Hypot(v.ImageRow - t.ImageRow, v.ImageCol - t.ImageCol) * spacing < 12)
            .OrderBy(v => double.Hypot(v.ImageRow - t.ImageRow, v.ImageCol - t.ImageCol)).FirstOrDefault();
}

public class RadiographPhantomTests(ITestOutputHelper output)
{
    private readonly RadiographAnalyzer _analyzer = new() { Trace = output.WriteLine };

    /// <summary>Checks every cemented truth vertebra against the analysis; returns a one-line summary per vertebra.</summary>
    internal static List<string> Compare(string name, View view, RadiographPhantoms.Item item, RadiographResult result, double spacing, List<string> failures)
    {
        var lines = new List<string>();
        foreach (var t in item.Truth.Where(t => t.CementAreaMm2 > 0))
        {
            var m = RadiographPhantoms.Match(result, t, spacing);
            if (m is null) { failures.Add($"{name} {view} {t.Vertebra}: cemented body not found"); lines.Add($"{name} {view} {t.Vertebra}: NOT FOUND"); continue; }
            if (view == View.AP)
            {
                var err = Math.Abs((m.LeftFraction ?? double.NaN) - t.LeftFraction!.Value);
                if (!(err <= 0.05)) failures.Add($"{name} AP {t.Vertebra}: left fraction {m.LeftFraction:0.000} vs truth {t.LeftFraction:0.000}");
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name} AP {t.Vertebra}: left {m.LeftFraction:0.000} truth {t.LeftFraction:0.000} (err {err:0.000}); crosses {m.CrossesMidline}/{t.CrossesMidline}; cement {m.CementAreaMm2:0} mm² truth {t.CementAreaMm2:0}; body {m.BodyAreaMm2:0} truth {t.BodyAreaMm2:0}; conf {m.Confidence:0.00}"));
            }
            else
            {
                var es = Math.Abs((m.SuperiorGapMm ?? double.NaN) - t.SuperiorGapMm!.Value);
                var ei = Math.Abs((m.InferiorGapMm ?? double.NaN) - t.InferiorGapMm!.Value);
                if (m.SuperiorContact != t.SuperiorContact) failures.Add($"{name} LAT {t.Vertebra}: superior contact {m.SuperiorContact} vs truth {t.SuperiorContact}");
                if (m.InferiorContact != t.InferiorContact) failures.Add($"{name} LAT {t.Vertebra}: inferior contact {m.InferiorContact} vs truth {t.InferiorContact}");
                if (!(es <= 1.0)) failures.Add($"{name} LAT {t.Vertebra}: superior gap {m.SuperiorGapMm:0.00} vs truth {t.SuperiorGapMm:0.00}");
                if (!(ei <= 1.0)) failures.Add($"{name} LAT {t.Vertebra}: inferior gap {m.InferiorGapMm:0.00} vs truth {t.InferiorGapMm:0.00}");
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name} LAT {t.Vertebra}: gaps {m.SuperiorGapMm:0.00}/{m.InferiorGapMm:0.00} truth {t.SuperiorGapMm:0.00}/{t.InferiorGapMm:0.00} (err {es:0.00}/{ei:0.00}); contact {m.SuperiorContact}/{m.InferiorContact} truth {t.SuperiorContact}/{t.InferiorContact}; cement {m.CementAreaMm2:0} truth {t.CementAreaMm2:0}; body {m.BodyAreaMm2:0} truth {t.BodyAreaMm2:0}; conf {m.Confidence:0.00}"));
            }
        }
        if (!item.Truth.Any(t => t.CementAreaMm2 > 0) && result.CementFound)
            failures.Add($"{name} {view}: cement reported on a phantom without cement");
        return lines;
    }

    private void Run(string name, View view, double spacing, bool mono1 = false, bool mirrored = false)
    {
        var item = RadiographPhantoms.Get(name, view, spacing, mono1, mirrored);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var image = RadiographLoader.Load(item.Path);
        var result = _analyzer.Analyze(image);
        var failures = new List<string>();
        foreach (var line in Compare(name, view, item, result, spacing, failures)) output.WriteLine(line);
        output.WriteLine($"load + analyse {sw.Elapsed.TotalMilliseconds:0} ms; notes {string.Join("; ", result.Notes)}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [RadiographAcceptanceFact]
    public void Analyze_WorkedExampleAP_LeftFractionMatchesTruth() => Run("worked-example", View.AP, 0.2);

    [RadiographAcceptanceFact]
    public void Analyze_WorkedExampleLateralMonochrome1_GapsAndContactMatchTruth() => Run("worked-example", View.Lateral, 0.2, mono1: true);

    [RadiographAcceptanceFact]
    public void Analyze_BipedicularMirroredAP_LeftFractionFromPatientOrientation() => Run("bipedicular-symmetric", View.AP, 0.2, mirrored: true);

    [RadiographAcceptanceFact]
    public void Analyze_SuperiorOnlyLateral_NpecMatchesTruth() => Run("superior-only", View.Lateral, 0.2);

    /// <summary>A representative subset at 0.1 mm (a render takes ~200 s per view): CQ_RADIOGRAPH_ACCEPTANCE=1 only.</summary>
    [RadiographAcceptanceTheory]
    [InlineData("worked-example")]
    [InlineData("bipedicular-symmetric")]
    [InlineData("superior-only")]
    public void Analyze_SubsetAt01mm_MatchesTruth(string name)
    {
        var failures = new List<string>();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        foreach (var view in new[] { View.AP, View.Lateral })
        {
            var item = RadiographPhantoms.Get(name, view, 0.1, mono1: view == View.AP);
            sw.Restart();
            var result = _analyzer.Analyze(RadiographLoader.Load(item.Path));
            output.WriteLine($"{view}: load + analyse {sw.Elapsed.TotalMilliseconds:0} ms");
            foreach (var line in Compare(name, view, item, result, 0.1, failures)) output.WriteLine(line);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    public static TheoryData<string> Cases() => [.. PhantomCatalogue.Names];

    /// <summary>The acceptance run of issue 9 (all cases, both views, both photometric interpretations): ~30 s of
    /// rendering per view and case on first use, so it runs only with CQ_RADIOGRAPH_ACCEPTANCE=1. Known failures (7 of 22) are listed in the issue 9 report.</summary>
    [RadiographAcceptanceTheory]
    [MemberData(nameof(Cases))]
    public void Analyze_EveryCatalogueCaseAt02mm_MatchesTruth(string name)
    {
        var failures = new List<string>();
        foreach (var view in new[] { View.AP, View.Lateral })
        {
            var mono1 = view == View.Lateral ^ name.Length % 2 == 0;
            var item = RadiographPhantoms.Get(name, view, 0.2, mono1);
            var result = _analyzer.Analyze(RadiographLoader.Load(item.Path));
            foreach (var line in Compare(name, view, item, result, 0.2, failures)) output.WriteLine(line);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

/// <summary>Like <see cref="RadiographAcceptanceTheoryAttribute"/> for single cases: each renders at 0.2 mm (~75 s a view here).</summary>
public sealed class RadiographAcceptanceFactAttribute : FactAttribute
{
    public RadiographAcceptanceFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CQ_RADIOGRAPH_ACCEPTANCE") != "1")
            Skip = "radiograph phantom render at 0.2 mm (~75 s a view): set CQ_RADIOGRAPH_ACCEPTANCE=1";
    }
}

/// <summary>
/// The long radiograph acceptance runs (minutes of rendering): skipped with this message unless
/// CQ_RADIOGRAPH_ACCEPTANCE=1, so a default run shows them as skipped rather than passing without rendering.
/// </summary>
public sealed class RadiographAcceptanceTheoryAttribute : TheoryAttribute
{
    public RadiographAcceptanceTheoryAttribute()
    {
        if (Environment.GetEnvironmentVariable("CQ_RADIOGRAPH_ACCEPTANCE") != "1")
            Skip = "radiograph acceptance run: set CQ_RADIOGRAPH_ACCEPTANCE=1 (renders every case at 0.2 mm and a subset at 0.1 mm; 7 of 22 cases fail, see issue 9)";
    }
}

using System.Globalization;
using CementQuant.Analysis.Radiograph;
using CementQuant.Dicom;
using CementQuant.Dicom.Series;
using CementQuant.Phantom;
using CementQuant.Reporting;
using SkiaSharp;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// A folder of radiographs as analyze meets them: study A, the worked-example phantom's CT with its AP and lateral DX
/// rendered at 0.5 mm (coarse, so the render takes seconds) plus a copy of the AP in the same series whose pixel data is
/// cut short; study B, the same two views stored mirrored (AP "R\F", lateral "A\F"); and, when ../shared/data is there,
/// the real CT scouts and chest CR given as single files. One analyze run over all of it, made once.
/// </summary>
public sealed class RadiographFolderFixture : IDisposable
{
    public const double SpacingMm = 0.5;

    public string Root { get; } = Directory.CreateTempSubdirectory("cq-xr-").FullName;
    public string Input => Path.Combine(Root, "in");
    public string Output => Path.Combine(Root, "out");
    public string SiteKeyPath => Path.Combine(Root, "site.key");
    public SiteKey Key => SiteKey.LoadOrCreate(SiteKeyPath);

    public RenderedRadiograph Ap { get; }
    public RenderedRadiograph Lat { get; }
    public string ApPath => Path.Combine(Input, "a", "xr", "AP.dcm");
    public string LatPath => Path.Combine(Input, "a", "xr", "LAT.dcm");
    public string CutPath => Path.Combine(Input, "a", "xr", "AP-copy.dcm");
    public string MirroredApPath => Path.Combine(Input, "b", "AP.dcm");
    public string MirroredLatPath => Path.Combine(Input, "b", "LAT.dcm");

    /// <summary>The real projection images (CT scouts, chest CR) of ../shared/data, when present.</summary>
    public static string[] RealFiles => SharedData.Available
        ? [SharedData.Path("conformance", "fo-dicom", "xray", "GH342.dcm"), SharedData.Path("conformance", "orthanc-tests", "TransferSyntaxes", "1.2.840.10008.1.2.4.70.dcm"),
           SharedData.Path("conformance", "fo-dicom", "xray", "CR-MONO1-10-chest")]
        : [];

    public Cli.Result Run { get; }

    public RadiographFolderFixture()
    {
        File.WriteAllText(SiteKeyPath, "8899aabbccddeeff00112233445566778899aabbccddeeff0011223344556677\n");
        var phantoms = Path.Combine(Root, "phantom");
        var p = Cli.Run("phantom", "--case", "worked-example", "--size", "small", "--out", phantoms);
        Assert.True(p.ExitCode == 0, p.Stderr);
        var ct = Directory.CreateDirectory(Path.Combine(Input, "a", "ct")).FullName;
        foreach (var f in Directory.GetFiles(Path.Combine(phantoms, "worked-example", "ct"))) File.Copy(f, Path.Combine(ct, Path.GetFileName(f)));
        var studyA = DicomFile.Open(Directory.GetFiles(ct)[0], headerOnly: true).Dataset.GetString(DicomTag.StudyInstanceUID)!;

        var c = PhantomCatalogue.Get("worked-example", PhantomSize.Small);
        c = c with { Radiograph = c.Radiograph with { PixelSpacing = SpacingMm } };
        Ap = RadiographRenderer.Render(c, View.AP, 1);
        Lat = RadiographRenderer.Render(c, View.Lateral, 1);
        Directory.CreateDirectory(Path.Combine(Input, "a", "xr"));
        Directory.CreateDirectory(Path.Combine(Input, "b"));
        Write(ApPath, Ap, studyA, "a/ap", "a/ap/1", mirrored: false);
        Write(LatPath, Lat, studyA, "a/lat", "a/lat/1", mirrored: false);
        Write(CutPath, Ap, studyA, "a/ap", "a/ap/2", mirrored: false);
        var whole = File.ReadAllBytes(CutPath);
        File.WriteAllBytes(CutPath, whole[..(whole.Length * 2 / 3)]);
        var studyB = DicomWriter.UidFrom("cq-xr-test/b/study");
        Write(MirroredApPath, Ap, studyB, "b/ap", "b/ap/1", mirrored: true);
        Write(MirroredLatPath, Lat, studyB, "b/lat", "b/lat/1", mirrored: true);

        Run = Cli.Run(["analyze", Input, .. RealFiles, "--out", Output, "--site-key", SiteKeyPath, "--jobs", "2"]);
    }

    /// <summary>Writes a rendered view as DX, as the renderer stores it or mirrored left-right (PatientOrientation changed to match).</summary>
    private static void Write(string path, RenderedRadiograph r, string study, string series, string sop, bool mirrored)
    {
        int w = r.Image.Width, h = r.Image.Height;
        var px = new ushort[w * h];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++) px[y * w + x] = r.Image[mirrored ? w - 1 - x : x, y];
        var orientation = !mirrored ? r.PatientOrientation : r.View == View.AP ? "R\\F" : "A\\F";
        RadiographWriter.Write(path, w, h, px, new RadiographWriteOptions
        {
            StudyInstanceUid = study,
            SeriesInstanceUid = DicomWriter.UidFrom($"cq-xr-test/{series}"),
            SopInstanceUid = DicomWriter.UidFrom($"cq-xr-test/{sop}"),
            SeriesNumber = r.View == View.AP ? 100 : 101,
            ImagerPixelSpacing = r.ImagerPixelSpacing, PhotometricInterpretation = r.PhotometricInterpretation,
            PatientOrientation = orientation, ViewPosition = r.ViewPosition, BitsStored = r.BitsStored,
        });
    }

    public string ImageKey(string path) => Key.Hash(DicomFile.Open(path, headerOnly: true).Dataset.GetString(DicomTag.SOPInstanceUID)!);

    public List<Dictionary<string, string>> Radiographs => Outputs.ReadCsv(Path.Combine(Output, "radiographs.csv"));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>Issue 9 wiring: radiographs through analyze into radiographs.csv, results.json, the database, series.csv, problems.csv and the report.</summary>
public sealed class RadiographTests(RadiographFolderFixture fx, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<RadiographFolderFixture>
{
    /// <summary>shared/spec/METRICS.md, Radiographs, in order (schema_version first, as in every output).</summary>
    private static readonly string[] SpecColumns =
    [
        "schema_version", "study_key", "series_key", "vertebra", "label_source", "image_key", "view", "image_row", "image_col",
        "body_area_mm2", "cement_area_mm2", "fill_area_pct", "left_fraction", "crosses_midline", "superior_gap_mm", "inferior_gap_mm",
        "superior_contact", "inferior_contact", "npec", "flags", "qc",
        "patient_key", // schema 2 (METRICS.md "Follow-up")
    ];

    [Fact]
    public void Analyze_PhantomApAndLateral_RowsEqualTheAnalyzersAndLeftFractionMatchesTruth()
    {
        Assert.True(fx.Run.ExitCode == 5, $"exit {fx.Run.ExitCode} (5 expected: one radiograph file is cut short): {fx.Run.Stderr}");
        Assert.Equal(string.Join(',', SpecColumns), File.ReadLines(Path.Combine(fx.Output, "radiographs.csv")).First());

        // The same files through the analyzer directly, paired as analyze pairs them.
        var pair = new RadiographAnalyzer().AnalyzePair(RadiographLoader.Load(fx.ApPath), RadiographLoader.Load(fx.LatPath));
        var rows = fx.Radiographs;
        foreach (var (path, result) in new[] { (fx.ApPath, pair.Frontal!), (fx.LatPath, pair.Lateral!) })
        {
            var key = fx.ImageKey(path);
            var mine = rows.Where(r => r["image_key"] == key).ToList();
            Assert.Equal(result.Vertebrae.Count, mine.Count);
            Assert.NotEmpty(mine);
            for (var i = 0; i < mine.Count; i++)
            {
                var expected = RadiographTable.Row(new SeriesIdentity(mine[i]["study_key"], mine[i]["series_key"]) { PatientKey = mine[i]["patient_key"] }, key, result.Vertebrae[i], includePhi: false);
                for (var c = 0; c < SpecColumns.Length; c++)
                    Assert.True(Csv.Cell(expected[c]) == mine[i][SpecColumns[c]], $"{Path.GetFileName(path)} row {i} {SpecColumns[c]}: csv '{mine[i][SpecColumns[c]]}', analyzer '{Csv.Cell(expected[c])}'");
                Assert.Contains("PROJECTION_ONLY", mine[i]["qc"].Split(';'));
                // The same by column name, independent of RadiographTable's order (a swapped pair of columns shows here).
                var m = result.Vertebrae[i];
                var byName = new Dictionary<string, object?>
                {
                    ["vertebra"] = m.Vertebra, ["image_row"] = m.ImageRow, ["image_col"] = m.ImageCol, ["body_area_mm2"] = m.BodyAreaMm2,
                    ["cement_area_mm2"] = m.CementAreaMm2, ["fill_area_pct"] = m.FillAreaPct, ["left_fraction"] = m.LeftFraction,
                    ["crosses_midline"] = m.CrossesMidline, ["superior_gap_mm"] = m.SuperiorGapMm, ["inferior_gap_mm"] = m.InferiorGapMm,
                    ["superior_contact"] = m.SuperiorContact, ["inferior_contact"] = m.InferiorContact, ["npec"] = m.Npec,
                };
                foreach (var (column, value) in byName)
                    Assert.True(Csv.Cell(value) == mine[i][column], $"{Path.GetFileName(path)} row {i} {column}: csv '{mine[i][column]}', analyzer '{Csv.Cell(value)}'");
            }
        }

        // Left fraction against the renderer's 2D truth (L3: all cement on the patient's left), found at the true centroid.
        var truth = fx.Ap.Truth.Single(t => t.CementAreaMm2 > 0);
        var ap = rows.Single(r => r["image_key"] == fx.ImageKey(fx.ApPath) && Math.Abs(D(r["image_row"]) - truth.ImageRow) * RadiographFolderFixture.SpacingMm < 12);
        Assert.True(Math.Abs(D(ap["left_fraction"]) - truth.LeftFraction!.Value) <= 0.05, $"left fraction {ap["left_fraction"]} vs truth {truth.LeftFraction}");
        Assert.Equal("AP", ap["view"]);
        var lat = rows.Single(r => r["image_key"] == fx.ImageKey(fx.LatPath));
        Assert.Equal("LAT", lat["view"]);
        Assert.Equal(ap["study_key"], lat["study_key"]);
        Assert.NotEqual(ap["series_key"], lat["series_key"]);

        var series = Outputs.ReadCsv(Path.Combine(fx.Output, "series.csv"));
        foreach (var s in new[] { ap["series_key"], lat["series_key"] })
            Assert.Equal("ok", series.Single(r => r["series_key"] == s)["status"]);
    }

    [Fact]
    public void Analyze_MirroredStorage_SameLeftFractionAndMirroredColumns()
    {
        var rows = fx.Radiographs;
        foreach (var (plain, mirrored, width) in new[] { (fx.ApPath, fx.MirroredApPath, fx.Ap.Image.Width), (fx.LatPath, fx.MirroredLatPath, fx.Lat.Image.Width) })
        {
            var a = rows.Where(r => r["image_key"] == fx.ImageKey(plain)).ToList();
            var b = rows.Where(r => r["image_key"] == fx.ImageKey(mirrored)).ToList();
            Assert.NotEmpty(a);
            Assert.Equal(a.Count, b.Count);
            for (var i = 0; i < a.Count; i++)
            {
                foreach (var col in new[] { "left_fraction", "crosses_midline", "cement_area_mm2", "body_area_mm2", "superior_gap_mm", "inferior_gap_mm", "npec", "flags", "image_row" })
                    Assert.True(a[i][col] == b[i][col], $"{Path.GetFileName(plain)} {col}: {a[i][col]} stored as is, {b[i][col]} mirrored");
                Assert.Equal(width - 1 - D(a[i]["image_col"]), D(b[i]["image_col"]), 0.001);
            }
        }
    }

    [Fact]
    public void Analyze_RadiographCutShort_ProblemRowNamesItAndTheSeriesStillHasItsGoodImage()
    {
        var problems = Outputs.ReadProblems(fx.Output, fx.SiteKeyPath, [fx.Input, .. RadiographFolderFixture.RealFiles]);
        var cut = Assert.Single(problems, p => p["path"] == "a/xr/AP-copy.dcm");
        Assert.Equal("load", cut["stage"]);
        Assert.Contains("(7FE0,0010)", cut["reason"]);
        var apRow = fx.Radiographs.Single(r => r["image_key"] == fx.ImageKey(fx.ApPath));
        Assert.Equal(apRow["series_key"], cut["series_key"]);
        var series = Outputs.ReadCsv(Path.Combine(fx.Output, "series.csv")).Single(s => s["series_key"] == cut["series_key"]);
        Assert.Equal("ok", series["status"]);
        Assert.Equal("2", series["files"]);
        Assert.True(Outputs.ReadCsv(Path.Combine(fx.Output, "vertebrae.csv")).Count >= 5, "the CT of the same study lost its rows");
    }

    [SharedDataFact]
    public void Analyze_RealScoutsAndChestCr_OkNoCementAndShownNotInverted()
    {
        var series = Outputs.ReadCsv(Path.Combine(fx.Output, "series.csv"));
        var rows = fx.Radiographs;
        var inverted = new List<string>();
        foreach (var file in RadiographFolderFixture.RealFiles)
        {
            var key = fx.ImageKey(file);
            var seriesUid = DicomFile.Open(file, headerOnly: true).Dataset.GetString(DicomTag.SeriesInstanceUID)!;
            var kind = HeaderReader.Read(file).Kind;
            var s = series.Single(r => r["series_key"] == fx.Key.Hash(seriesUid + "|" + kind));
            Assert.True(s["status"] == "ok", $"{Path.GetFileName(file)}: {s["status"]} {s["reason"]}");
            Assert.Contains("NO_CEMENT", s["notes"]);
            Assert.DoesNotContain(rows, r => r["image_key"] == key && D(r["cement_area_mm2"]) > 0);

            // The picture: bone and soft tissue brighter than air. The central band (spine, mediastinum) against the darker of
            // the bands a quarter of the width in from each side (the lungs of the chest images) and the outermost bands
            // (the air beside the abdomen on the abdominal scout); inverted, both would be brighter than the centre.
            var picture = Directory.GetFiles(Path.Combine(fx.Output, "report"), $"*_{key}_whole.png").Single();
            using var bmp = SKBitmap.Decode(picture);
            var (x0, y0, w, h) = ImageArea(bmp);
            double Band(double from, double to) => Mean(bmp, x0 + (int)(from * w), y0 + (int)(0.3 * h), x0 + (int)(to * w), y0 + (int)(0.6 * h));
            var centre = Band(0.45, 0.55);
            var inner = (Band(0.2, 0.3) + Band(0.7, 0.8)) / 2;
            var outer = (Band(0, 0.05) + Band(0.95, 1)) / 2;
            var line = $"{Path.GetFileName(file)}: centre {centre:0}, quarter bands {inner:0}, outer bands {outer:0}";
            output.WriteLine(line);
            if (!(centre > Math.Min(inner, outer) + 50)) inverted.Add(line);
        }
        Assert.True(inverted.Count == 0, "shown inverted? " + string.Join("; ", inverted));
    }

    [Fact]
    public void Analyze_Outputs_DatabaseJsonAndReportHoldTheSameRadiographRows()
    {
        var csv = fx.Radiographs;
        Assert.NotEmpty(csv);
        using (var db = ResultsDatabase.Open(Path.Combine(fx.Output, "cementquant.db")))
            Assert.Equal(Outputs.Lines(csv, SpecColumns), Outputs.Lines(db.ReadAll("radiographs", "series_key, image_key, vertebra"), SpecColumns));

        Assert.Equal(Outputs.Lines(csv, SpecColumns), Outputs.Lines(Outputs.JsonRows(Path.Combine(fx.Output, "results.json"), "radiographs"), SpecColumns));

        // The report: a panel per radiograph, a summary row per radiograph row with its flags, every picture present.
        var html = File.ReadAllText(Path.Combine(fx.Output, "report.html"));
        foreach (var key in csv.Select(r => r["image_key"]).Distinct())
            Assert.Contains($"_{key}_whole.png", html);
        foreach (var r in csv)
            Assert.Contains($"<tr data-flags=\"{r["flags"].Replace(';', ' ')}\"", html);
        Outputs.AssertAllParse(fx.Output);
    }

    [Fact]
    public void Analyze_Resume_SkipsTheRadiographsAndWritesTheSameBytes()
    {
        var outDir = Path.Combine(fx.Root, "resumed");
        foreach (var f in Directory.GetFiles(fx.Output, "*", SearchOption.AllDirectories))
        {
            var dst = Path.Combine(outDir, Path.GetRelativePath(fx.Output, f));
            Directory.CreateDirectory(Path.GetDirectoryName(dst)!);
            File.Copy(f, dst);
        }
        var r = Cli.Run(["analyze", fx.Input, .. RadiographFolderFixture.RealFiles, "--out", outDir, "--site-key", fx.SiteKeyPath, "--jobs", "2", "--resume"]);
        Assert.True(r.ExitCode == 5, r.Stderr);
        var radiographLines = r.Stderr.Split('\n').Where(l => l.Contains("radiograph", StringComparison.Ordinal) && l.StartsWith('[')).ToList();
        Assert.NotEmpty(radiographLines);
        Assert.All(radiographLines, l => Assert.Contains("from an earlier run", l));
        foreach (var name in new[] { "radiographs.csv", "series.csv", "problems.csv", "vertebrae.csv", "results.json", "report.html" })
            Assert.True(File.ReadAllText(Path.Combine(fx.Output, name)) == File.ReadAllText(Path.Combine(outDir, name)), $"{name} differs after --resume");
        // The resumed report still shows the pictures the first run drew.
        Assert.Contains($"_{fx.ImageKey(fx.ApPath)}_whole.png", File.ReadAllText(Path.Combine(outDir, "report.html")));
    }

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>The image area of a report picture: below the 24-pixel title band, above the 28-pixel footer, centred.</summary>
    private static (int X, int Y, int W, int H) ImageArea(SKBitmap bmp)
    {
        int top = 24, bottom = bmp.Height - 28;
        // Columns outside the image are the picture's background (12, 12, 14) all the way down.
        int Edge(int from, int step)
        {
            for (var x = from; x >= 0 && x < bmp.Width; x += step)
                for (var y = top; y < bottom; y += 4)
                    if (bmp.GetPixel(x, y) != new SKColor(12, 12, 14)) return x;
            return from;
        }
        var left = Edge(0, 1); var right = Edge(bmp.Width - 1, -1);
        return (left, top, right - left + 1, bottom - top);
    }

    private static double Mean(SKBitmap bmp, int x0, int y0, int x1, int y1)
    {
        double sum = 0; var n = 0;
        for (var y = y0; y < y1; y++)
            for (var x = x0; x < x1; x++, n++)
            {
                var c = bmp.GetPixel(x, y);
                sum += 0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue;
            }
        return sum / n;
    }
}

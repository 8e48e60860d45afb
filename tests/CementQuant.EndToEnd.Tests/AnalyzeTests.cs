using System.Text.Json;

namespace CementQuant.EndToEnd.Tests;

/// <summary>`cementquant analyze` on phantom studies written by `cementquant phantom`: outputs, flags, privacy.</summary>
public sealed class AnalyzeTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-analyze-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    [Fact]
    public void Analyze_WorkedExamplePhantom_FlagsTheCementedLevelAndKeepsPhiOut()
    {
        var studies = Path.Combine(_tmp, "studies");
        var p = Cli.Run("phantom", "--case", "worked-example", "--size", "small", "--out", studies);
        Assert.True(p.ExitCode == 0, p.Stderr);
        var outDir = Path.Combine(_tmp, "out");
        var r = Cli.Run("analyze", Path.Combine(studies, "worked-example", "ct"), "--out", outDir, "--site-key", Path.Combine(_tmp, "site.key"));
        Assert.True(r.ExitCode == 0, r.Stderr);

        var rows = Outputs.ReadCsv(Path.Combine(outDir, "vertebrae.csv"));
        var cemented = Assert.Single(rows, row => double.Parse(row["cement_volume_ml"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("NPEC;ASYMMETRIC_MASS_LIKE;UNILATERAL;LOW_FILL;CLEFT", cemented["flags"]);
        Assert.Equal("neither", cemented["npec_type"]);
        Assert.Equal("1", cemented["left_fraction"]);
        // The side columns: all of the cement on the patient's left, as left_fraction says, the sides adding up to the whole.
        double D(string column) => double.Parse(cemented[column], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(D("cement_volume_ml") > 0.5, $"cement {D("cement_volume_ml")} mL");
        Assert.Equal(D("cement_volume_ml"), D("cement_left_ml"), 3);
        Assert.Equal(0, D("cement_right_ml"), 3);
        // series.csv counts what vertebrae.csv holds.
        var series = Assert.Single(Outputs.ReadCsv(Path.Combine(outDir, "series.csv")));
        Assert.Equal(("ok", rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "1"), (series["status"], series["vertebrae"], series["cemented"]));
        Assert.Equal(File.ReadAllLines(Path.Combine(outDir, "vertebrae.csv"))[0].Split(',').Length, rows[0].Count);

        // Privacy: no name, ID or raw UID anywhere in the outputs; keys are 16 hex digits.
        var dicom = CementQuant.Dicom.DicomFile.Open(Directory.GetFiles(Path.Combine(studies, "worked-example", "ct"))[0], headerOnly: true).Dataset;
        var secrets = new[]
        {
            dicom.GetString(CementQuant.Dicom.DicomTag.PatientName)!, dicom.GetString(CementQuant.Dicom.DicomTag.PatientID)!,
            dicom.GetString(CementQuant.Dicom.DicomTag.StudyInstanceUID)!, dicom.GetString(CementQuant.Dicom.DicomTag.SeriesInstanceUID)!,
        };
        foreach (var f in Directory.GetFiles(outDir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".gz", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(f);
            foreach (var s in secrets) Assert.DoesNotContain(s, text);
        }
        Assert.Matches("^[0-9a-f]{16}$", cemented["study_key"]);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        Assert.Equal(2, json.RootElement.GetProperty("schema_version").GetInt32()); // schema 2: fracture geometry
        Assert.True(json.RootElement.GetProperty("provenance").GetProperty("input_files").GetArrayLength() >= 100);
        Assert.True(File.Exists(Path.Combine(outDir, "masks", $"{cemented["series_key"]}_cement.nii.gz")));

        // Provenance hashes (computed while decoding) equal a fresh SHA-256 of every input file.
        var paths = Outputs.PathsByFileKey(Path.Combine(_tmp, "site.key"), Path.Combine(studies, "worked-example", "ct"));
        foreach (var f in json.RootElement.GetProperty("provenance").GetProperty("input_files").EnumerateArray())
        {
            Assert.False(f.TryGetProperty("path", out _), "input_files name paths without --include-phi");
            using var stream = File.OpenRead(Path.Combine(studies, "worked-example", "ct", paths[f.GetProperty("file_key").GetString()!]));
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)), f.GetProperty("sha256").GetString());
        }
        MasksMatchTheTable(outDir, rows);
    }

    /// <summary>
    /// A mask's label table: value → name from its JSON form, checked against the ITK-SNAP and 3D Slicer forms (each
    /// value on a line of its own with the same name; Slicer's without spaces).
    /// </summary>
    private static Dictionary<int, string> LabelTable(string stem)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(stem + ".labels.json"));
        var table = doc.RootElement.GetProperty("labels").EnumerateArray().ToDictionary(l => l.GetProperty("value").GetInt32(), l => l.GetProperty("name").GetString()!);
        var itk = File.ReadAllLines(stem + ".itksnap.txt").Where(l => !l.StartsWith('#')).Select(l => l.Trim().Split(' ', 2)).ToDictionary(p => int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), p => p[1]);
        var slicer = File.ReadAllLines(stem + ".ctbl").Where(l => !l.StartsWith('#')).Select(l => l.Split(' ')).ToDictionary(p => int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), p => p[1]);
        Assert.Equal("\"Clear Label\"", itk[0].Split("  ", StringSplitOptions.RemoveEmptyEntries)[^1].Trim());
        Assert.Equal("Background", slicer[0]);
        foreach (var (value, name) in table)
        {
            Assert.EndsWith($"\"{name}\"", itk[value], StringComparison.Ordinal);
            Assert.Equal(name.Replace(' ', '_'), slicer[value]);
        }
        Assert.Equal(table.Count + 1, itk.Count);
        Assert.Equal(table.Count + 1, slicer.Count);
        return table;
    }

    /// <summary>
    /// The label maps (written slice by slice) agree with vertebrae.csv: each vertebra label has the row's volume and
    /// centroid, and the cement label sits inside the cemented body with about the row's cement volume.
    /// </summary>
    private static void MasksMatchTheTable(string outDir, List<Dictionary<string, string>> rows)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var key = rows[0]["series_key"];
        var bodies = CementQuant.Reporting.Nifti.Read(Path.Combine(outDir, "masks", $"{key}_vertebrae.nii.gz")).Volume;
        var cement = CementQuant.Reporting.Nifti.Read(Path.Combine(outDir, "masks", $"{key}_cement.nii.gz")).Volume;
        var g = bodies.Geometry;
        var voxelMl = g.ColumnStep.Length * g.RowStep.Length * g.SliceStep.Length / 1000;
        var count = new Dictionary<int, (long N, Vec3 Sum)>();
        var cementIn = new Dictionary<int, long>();
        for (var z = 0; z < bodies.SizeZ; z++)
            for (var y = 0; y < bodies.SizeY; y++)
                for (var x = 0; x < bodies.SizeX; x++)
                {
                    int label = bodies[x, y, z], c = cement[x, y, z];
                    if (c == 1) cementIn[label] = cementIn.GetValueOrDefault(label) + 1;
                    if (label == 0) continue;
                    var (n, sum) = count.GetValueOrDefault(label);
                    count[label] = (n + 1, sum + g.ToPatient(x, y, z));
                }
        var measured = rows.Where(r => r["body_volume_ml"].Length > 0).ToList();
        Assert.Equal(measured.Count, count.Count);
        // The label table beside the mask names every value in it, as vertebrae.csv names the body there.
        var names = LabelTable(Path.Combine(outDir, "masks", $"{key}_vertebrae"));
        Assert.Equal(count.Keys.Order(), names.Keys.Order());
        Assert.Equal(new Dictionary<int, string> { [1] = "cement in body", [2] = "leaked cement" }, LabelTable(Path.Combine(outDir, "masks", $"{key}_cement")));
        foreach (var (label, (n, sum)) in count)
        {
            var centre = sum / n;
            var row = Assert.Single(measured, r => (new Vec3(double.Parse(r["center_x_mm"], inv), double.Parse(r["center_y_mm"], inv), double.Parse(r["center_z_mm"], inv)) - centre).Length < 1.0);
            Assert.Equal(row["vertebra"], names[label]);
            Assert.Equal(double.Parse(row["body_volume_ml"], inv), n * voxelMl, 0.01 * n * voxelMl);
            var cementMl = double.Parse(row["cement_volume_ml"], inv);
            var inBody = cementIn.GetValueOrDefault(label) * voxelMl;
            if (cementMl == 0) Assert.Equal(0, inBody);
            else Assert.InRange(inBody, 0.8 * cementMl, 1.2 * cementMl);
        }
    }

    [Fact]
    public void Analyze_IncludePhi_AddsIdentifyingColumns()
    {
        var studies = Path.Combine(_tmp, "studies");
        Assert.Equal(0, Cli.Run("phantom", "--case", "no-cement", "--size", "small", "--out", studies).ExitCode);
        var outDir = Path.Combine(_tmp, "out-phi");
        var r = Cli.Run("analyze", Path.Combine(studies, "no-cement", "ct"), "--out", outDir, "--site-key", Path.Combine(_tmp, "site.key"), "--include-phi", "--no-masks");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var rows = Outputs.ReadCsv(Path.Combine(outDir, "vertebrae.csv"));
        Assert.NotEmpty(rows);
        Assert.All(rows, row => Assert.Equal("CQ-no-cement", row["patient_id"]));
        Assert.All(rows, row => Assert.Empty(row["flags"]));
    }

    [SharedDataFact]
    public void Analyze_RealCtWithMetalHip_ReportsNoCement()
    {
        var outDir = Path.Combine(_tmp, "out-real");
        var r = Cli.Run("analyze", SharedData.Path("real-ct", "totalsegmentator", "example_ct.nii.gz"), "--out", outDir, "--site-key", Path.Combine(_tmp, "site.key"), "--no-masks");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var rows = Outputs.ReadCsv(Path.Combine(outDir, "vertebrae.csv"));
        Assert.True(rows.Count >= 5, $"{rows.Count} vertebrae");
        Assert.All(rows, row => Assert.Equal("0", row["cement_volume_ml"]));
    }
}

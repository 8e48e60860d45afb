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
        foreach (var f in json.RootElement.GetProperty("provenance").GetProperty("input_files").EnumerateArray())
        {
            using var stream = File.OpenRead(Path.Combine(studies, "worked-example", "ct", f.GetProperty("path").GetString()!));
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)), f.GetProperty("sha256").GetString());
        }
        MasksMatchTheTable(outDir, rows);
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
        foreach (var (label, (n, sum)) in count)
        {
            var centre = sum / n;
            var row = Assert.Single(measured, r => (new Vec3(double.Parse(r["center_x_mm"], inv), double.Parse(r["center_y_mm"], inv), double.Parse(r["center_z_mm"], inv)) - centre).Length < 1.0);
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

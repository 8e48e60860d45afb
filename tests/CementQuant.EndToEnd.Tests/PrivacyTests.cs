using System.Globalization;
using System.Text;
using CementQuant.Dicom;
using CementQuant.Dicom.Series;
using CementQuant.Reporting;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// Privacy (METRICS.md "Privacy", issues 21 and 23): an export laid out as hospitals lay them out (a folder per patient ID,
/// folders and files named by dates and UIDs) with every identifying header a PACS fills in, analysed as CT, radiographs
/// and NIfTI with the report and masks. Without --include-phi no identifying value, path text or date (in any common
/// format) may appear in any output: CSV, JSON, the SQLite file, HTML, pictures, masks (decompressed, NIfTI header
/// included) or the console's DICOM text. With it, every PHI column holds the right value.
/// </summary>
[Collection(BatchCollection.Name)]
public sealed class PrivacyTests(BatchFixture fx)
{
    private const string PatientId = "PID4711230";
    private const string PatientName = "MUSTERMANN^ERIKA";
    private const string StudyDate = "20240315";
    private const string BirthDate = "19480229";
    private const string Accession = "ACC99887766";
    private const string Institution = "ST ELSEWHERE KLINIKUM";
    private const string Physician = "HOUSE^GREGORY";
    private const string FilePrefix = "2.25.9081726354";

    private static readonly string StudyUid = DicomWriter.UidFrom("cq-privacy/study");
    private static readonly string CtSeriesUid = DicomWriter.UidFrom("cq-privacy/ct");
    private static readonly string XrSeriesUid = DicomWriter.UidFrom("cq-privacy/xr");
    private static readonly string ApSopUid = DicomWriter.UidFrom("cq-privacy/xr/ap");
    private static readonly string LatSopUid = DicomWriter.UidFrom("cq-privacy/xr/lat");
    private static readonly string CutSopUid = DicomWriter.UidFrom("cq-privacy/xr/ap-cut");

    private sealed record Export(string Input, string CtFolder, string NiftiPath);

    private static readonly Lock Sync = new();
    private static Export? _export;

    /// <summary>The hospital-like export, made once for both runs.</summary>
    private Export MakeExport()
    {
        lock (Sync)
        {
            if (_export is not null) return _export;
            var input = Path.Combine(fx.Root, "privacy", "in");
            var patient = Path.Combine(input, PatientId);
            var ctFolder = Path.Combine(patient, StudyDate, "CT_" + CtSeriesUid);
            var staging = Path.Combine(fx.Root, "privacy", "staging");
            CtSeriesWriter.Write(staging, fx.Volume("worked-example"), new CtSeriesWriteOptions
            {
                PatientName = PatientName,
                PatientId = PatientId,
                PatientBirthDate = BirthDate,
                AccessionNumber = Accession,
                StudyInstanceUid = StudyUid,
                SeriesInstanceUid = CtSeriesUid,
                FrameOfReferenceUid = DicomWriter.UidFrom("cq-privacy/for"),
                StudyDate = StudyDate,
                StudyDescription = "LWS nativ",
                SeriesDescription = "spine CT",
                FilePrefix = FilePrefix,
            });
            Directory.CreateDirectory(ctFolder);
            foreach (var f in Directory.GetFiles(staging)) Retag(f, Path.Combine(ctFolder, Path.GetFileName(f)), null);
            // Radiographs: the phantom's AP and lateral views as a hospital sends them, one named by date, one by its UID.
            var xrFolder = Directory.CreateDirectory(Path.Combine(patient, "2024-03-15")).FullName;
            var xr = Path.Combine(fx.Phantoms["worked-example"], "xr");
            Retag(Path.Combine(xr, "AP.dcm"), Path.Combine(xrFolder, "15.03.2024_AP.dcm"), ApSopUid);
            Retag(Path.Combine(xr, "LAT.dcm"), Path.Combine(xrFolder, LatSopUid + ".dcm"), LatSopUid);
            // A copy of the AP view cut short in its pixel data, named by its UID: a problem row whose reason (the
            // reader's message) would quote the file's path.
            var cut = Path.Combine(xrFolder, CutSopUid + ".dcm");
            Retag(Path.Combine(xr, "AP.dcm"), cut, CutSopUid);
            File.WriteAllBytes(cut, File.ReadAllBytes(cut)[..^1000]);
            // A NIfTI volume named by the patient, its description holding the name and ID.
            var nifti = Path.Combine(patient, "MUSTERMANN_ERIKA_29.02.1948.nii.gz");
            Nifti.Write(nifti, fx.Volume("worked-example"), description: $"{PatientName} {PatientId}");
            // A file that is not an image, named by the accession number: a problems.csv row.
            File.WriteAllText(Path.Combine(patient, $"{Accession}_2024-03-15.txt"), "befund");
            Directory.Delete(staging, recursive: true);
            return _export = new Export(input, ctFolder, nifti);
        }
    }

    /// <summary>
    /// Copies a DICOM file with the identifying attributes of this export (and a SOP instance UID when given): patient,
    /// study, institution, physician, accession, dates and times.
    /// </summary>
    private static void Retag(string source, string target, string? sopInstanceUid)
    {
        var file = DicomFile.Open(source);
        var w = new DicomWriter();
        foreach (var e in file.Dataset.Elements)
        {
            if (e.Items is not null || e.Fragments is not null) throw new InvalidDataException($"{source}: only native datasets without sequences are retagged");
            w.Add(e.Tag, e.VR, e.Value.ToArray());
        }
        w.AddString(DicomTag.PatientName, DicomVR.PN, PatientName)
            .AddString(DicomTag.PatientID, DicomVR.LO, PatientId)
            .AddString(DicomTag.PatientBirthDate, DicomVR.DA, BirthDate)
            .AddString(DicomTag.AccessionNumber, DicomVR.SH, Accession)
            .AddString(DicomTag.StudyDate, DicomVR.DA, StudyDate)
            .AddString(new DicomTag(0x0008, 0x0021), DicomVR.DA, StudyDate) // SeriesDate
            .AddString(new DicomTag(0x0008, 0x0023), DicomVR.DA, StudyDate) // ContentDate
            .AddString(new DicomTag(0x0008, 0x0030), DicomVR.TM, "101500") // StudyTime
            .AddString(new DicomTag(0x0008, 0x0080), DicomVR.LO, Institution) // InstitutionName
            .AddString(new DicomTag(0x0008, 0x0090), DicomVR.PN, Physician) // ReferringPhysicianName
            .AddString(new DicomTag(0x0010, 0x0040), DicomVR.CS, "F") // PatientSex
            .AddString(DicomTag.StudyInstanceUID, DicomVR.UI, StudyUid);
        if (sopInstanceUid is not null) w.AddString(DicomTag.SeriesInstanceUID, DicomVR.UI, XrSeriesUid);
        var sop = sopInstanceUid ?? file.Dataset.GetString(DicomTag.SOPInstanceUID)!;
        w.Save(target, file.Meta.GetString(DicomTag.MediaStorageSOPClassUID)!, sop);
    }

    /// <summary>Every identifying value of the export: header text, UIDs, dates in every common format, path text.</summary>
    private static IEnumerable<(string What, string Value)> Identifiers()
    {
        yield return ("PatientID", PatientId);
        yield return ("PatientName", PatientName);
        yield return ("PatientName (family)", "MUSTERMANN");
        yield return ("AccessionNumber", Accession);
        yield return ("InstitutionName", Institution);
        yield return ("InstitutionName (word)", "ELSEWHERE");
        yield return ("ReferringPhysicianName", "HOUSE^GREGORY");
        yield return ("StudyInstanceUID", StudyUid);
        yield return ("CT SeriesInstanceUID", CtSeriesUid);
        yield return ("radiograph SeriesInstanceUID", XrSeriesUid);
        yield return ("AP SOPInstanceUID", ApSopUid);
        yield return ("lateral SOPInstanceUID", LatSopUid);
        yield return ("cut copy's SOPInstanceUID", CutSopUid);
        yield return ("file name prefix (UID)", FilePrefix);
        foreach (var (what, date) in new[] { ("StudyDate", StudyDate), ("PatientBirthDate", BirthDate) })
        {
            var d = DateTime.ParseExact(date, "yyyyMMdd", CultureInfo.InvariantCulture);
            foreach (var format in new[] { "yyyyMMdd", "yyyy-MM-dd", "dd.MM.yyyy", "yyyy/MM/dd", "MM/dd/yyyy", "dd/MM/yyyy", "yyyy.MM.dd", "ddMMyyyy" })
                yield return ($"{what} as {format}", d.ToString(format, CultureInfo.InvariantCulture));
        }
        yield return ("file name text", "_AP.dcm");
        yield return ("NIfTI file name", "MUSTERMANN_ERIKA");
        yield return ("folder name", "CT_" + CtSeriesUid);
    }

    private (BatchCli.Measured Run, string Out) Analyze(string name, params string[] extra)
    {
        var export = MakeExport();
        var outDir = Path.Combine(fx.Root, "privacy", name);
        var r = BatchCli.RunMeasured(["analyze", export.Input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--jobs", "2", .. extra]);
        // 5: the cut radiograph copy cannot be read (everything else is analysed).
        Assert.True(r.ExitCode == 5, $"exit {r.ExitCode}: {r.Stdout}\n{r.Stderr}");
        return (r, outDir);
    }

    [Fact]
    public void Analyze_HospitalExportWithoutIncludePhi_NoIdentifyingTextInAnyOutput()
    {
        var (run, outDir) = Analyze("out");
        // What the run must have written for the scan to mean something: CT rows, radiograph rows, a NIfTI series,
        // the report with its pictures, both masks per CT, the database and the problem row of the text file.
        var vertebrae = Outputs.ReadCsv(Path.Combine(outDir, "vertebrae.csv"));
        Assert.Equal(2, vertebrae.Select(v => v["series_key"]).Distinct().Count());
        Assert.NotEmpty(Outputs.ReadCsv(Path.Combine(outDir, "radiographs.csv")));
        Assert.True(File.Exists(Path.Combine(outDir, "report.html")), "no report");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(outDir, "report"), "*.png"));
        Assert.Equal(4, Directory.GetFiles(Path.Combine(outDir, "masks"), "*.nii.gz").Length);
        Assert.True(File.Exists(Path.Combine(outDir, "cementquant.db")), "no database");
        var problems = Outputs.ReadProblems(outDir, fx.SiteKeyPath, MakeExport().Input);
        Assert.Equal([$"{PatientId}/2024-03-15/{CutSopUid}.dcm", $"{PatientId}/{Accession}_2024-03-15.txt"], problems.Select(p => p["path"]).Order(StringComparer.Ordinal));
        Assert.Contains(problems, p => p["stage"] == "load" && p["reason"].Contains("file " + p["file_key"], StringComparison.Ordinal));

        var leaks = new List<string>();
        foreach (var (path, text) in Outputs.AllText(outDir))
        {
            // series/*.json (the --resume state) included: it names files by index, never by path.
            var relative = Path.GetRelativePath(outDir, path);
            foreach (var (what, value) in Identifiers())
                if (text.Contains(value, StringComparison.OrdinalIgnoreCase)) leaks.Add($"{relative}: {what} '{value}'");
            if (text.Contains(MakeExport().Input, StringComparison.Ordinal)) leaks.Add($"{relative}: the input folder's path");
        }
        Assert.True(leaks.Count == 0, "identifying text in the outputs:\n" + string.Join("\n", leaks));
        // Whatever the paths, the saved identities hold no PHI without --include-phi (it is not even read).
        var states = Directory.GetFiles(Path.Combine(outDir, "series"), "*.json");
        Assert.NotEmpty(states);
        foreach (var state in states)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(state));
            var identity = doc.RootElement.GetProperty("Outcome").GetProperty("Identity");
            foreach (var field in new[] { "PatientId", "StudyUid", "SeriesUid", "StudyDate" })
                Assert.True(identity.GetProperty(field).ValueKind == System.Text.Json.JsonValueKind.Null, $"{Path.GetFileName(state)}: {field} = {identity.GetProperty(field)}");
        }

        // The console shows the operator paths (so folder and file names may appear there), never DICOM header text.
        var console = run.Stdout + run.Stderr;
        foreach (var (what, value) in new[] { ("PatientName", PatientName), ("InstitutionName", Institution),
            ("ReferringPhysicianName", Physician), ("PatientBirthDate", BirthDate) })
            Assert.False(console.Contains(value, StringComparison.OrdinalIgnoreCase), $"console shows {what}");
        Assert.DoesNotContain(StudyUid, console, StringComparison.Ordinal);

        // The path-free resume state still restores everything: a --resume rerun reuses every series and gives the same
        // tables, problems.csv (whose radiograph row comes back from the saved file index) included.
        string[] tables = ["vertebrae.csv", "radiographs.csv", "series.csv", "problems.csv"];
        var first = tables.Select(t => File.ReadAllText(Path.Combine(outDir, t))).ToList();
        var resumed = Analyze("out", "--resume");
        Assert.Contains("from an earlier run", resumed.Run.Stdout + resumed.Run.Stderr, StringComparison.Ordinal);
        for (var t = 0; t < tables.Length; t++)
            Assert.True(first[t] == File.ReadAllText(Path.Combine(outDir, tables[t])), $"{tables[t]} differs after --resume");
    }

    [Fact]
    public void Analyze_HospitalExportWithIncludePhi_EveryPhiColumnHoldsTheHeadersValue()
    {
        var (_, outDir) = Analyze("out-phi", "--include-phi");
        var export = MakeExport();
        var key = fx.SiteKey;
        string[] phi = ["patient_id", "study_uid", "series_uid", "study_date"];

        var vertebrae = Outputs.ReadCsv(Path.Combine(outDir, "vertebrae.csv"));
        Assert.Equal(phi, File.ReadLines(Path.Combine(outDir, "vertebrae.csv")).First().Split(',')[^4..]);
        var ctKey = key.Hash(CtSeriesUid + "|CtSlice");
        var ct = vertebrae.Where(v => v["series_key"] == ctKey).ToList();
        Assert.NotEmpty(ct);
        Assert.All(ct, v => Assert.Equal([PatientId, StudyUid, CtSeriesUid, StudyDate], phi.Select(c => v[c])));
        // The NIfTI volume has no DICOM identity: its PHI cells stay empty.
        var nifti = vertebrae.Where(v => v["series_key"] != ctKey).ToList();
        Assert.NotEmpty(nifti);
        Assert.All(nifti, v => Assert.All(phi, c => Assert.Empty(v[c])));

        var radiographs = Outputs.ReadCsv(Path.Combine(outDir, "radiographs.csv"));
        Assert.NotEmpty(radiographs);
        Assert.All(radiographs, r => Assert.Equal([PatientId, StudyUid, XrSeriesUid, StudyDate], phi.Select(c => r[c])));

        var series = Outputs.ReadCsv(Path.Combine(outDir, "series.csv"));
        Assert.Equal([PatientId, StudyUid, CtSeriesUid, StudyDate], phi.Select(c => series.Single(s => s["series_key"] == ctKey)[c]));
        Assert.Equal([PatientId, StudyUid, XrSeriesUid, StudyDate], phi.Select(c => series.Single(s => s["kind"] == "Radiograph")[c]));

        // problems.csv: file_key and, with --include-phi only, the path relative to the input.
        var problems = Outputs.ReadCsv(Path.Combine(outDir, "problems.csv"));
        var text = $"{PatientId}/{Accession}_2024-03-15.txt";
        var cut = $"{PatientId}/2024-03-15/{CutSopUid}.dcm";
        Assert.Equal([cut, text], problems.Select(p => p["path"]).Order(StringComparer.Ordinal));
        Assert.All(problems, p => Assert.Equal(key.Hash("file:" + p["path"]), p["file_key"]));
        // With --include-phi the reader's message keeps the path it names.
        Assert.Contains(cut, problems.Single(p => p["path"] == cut)["reason"], StringComparison.Ordinal);

        // The database holds the same PHI as the CSV files.
        using var db = ResultsDatabase.Open(Path.Combine(outDir, "cementquant.db"));
        Assert.All(db.ReadAll("vertebrae", "series_key, vertebra").Where(v => v["series_key"] == ctKey),
            v => Assert.Equal([PatientId, StudyUid, CtSeriesUid, StudyDate], phi.Select(c => v[c])));
        Assert.All(db.ReadAll("radiographs", "series_key, image_key, vertebra"), r => Assert.Equal([PatientId, StudyUid, XrSeriesUid, StudyDate], phi.Select(c => r[c])));
        Assert.Equal([cut, text], db.ReadAll("problems", "file_key").Select(p => p["path"]).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(export.NiftiPath));
    }
}

using CementQuant.Dicom;
using CementQuant.Dicom.Series;


namespace CementQuant.EndToEnd.Tests;

/// <summary>The exit codes of shared/spec/CLI.md, from the real program.</summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-e2e-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private string WriteSeries(string name, int slices, int seed)
    {
        var g = new ImageGeometry(new Vec3(-20, -20, 0), new Vec3(1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 2));
        var v = new Volume<short>(16, 16, slices, g);
        var rng = new Random(seed);
        for (var i = 0; i < v.Data.Length; i++) v.Data[i] = (short)rng.Next(-1000, 2000);
        var folder = Path.Combine(_tmp, name);
        CtSeriesWriter.Write(folder, v, new CtSeriesWriteOptions());
        return folder;
    }

    [Fact]
    public void Main_NoArguments_ExitsWithUsage64()
    {
        var r = Cli.Run();
        Assert.Equal(64, r.ExitCode);
    }

    [Fact]
    public void Scan_MissingInput_Exits3NamingIt()
    {
        var missing = Path.Combine(_tmp, "nope");
        var r = Cli.Run("scan", missing);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains(missing, r.Stderr);
    }

    [Fact]
    public void Scan_FolderWithoutDicom_Exits2()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_tmp, "text")).FullName;
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "hello");
        Assert.Equal(2, Cli.Run("scan", folder).ExitCode);
    }

    [Fact]
    public void Convert_OutputIsAFile_Exits4()
    {
        var series = WriteSeries("s", 4, 1);
        var blocker = Path.Combine(_tmp, "file");
        File.WriteAllText(blocker, "x");
        var r = Cli.Run("convert", series, "--out", Path.Combine(blocker, "sub"));
        Assert.Equal(4, r.ExitCode);
    }

    [Fact]
    public void Convert_GoodSeries_Exits0AndWritesNifti()
    {
        var series = WriteSeries("good", 5, 2);
        var outDir = Path.Combine(_tmp, "out");
        var r = Cli.Run("convert", series, "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var nii = Assert.Single(Directory.GetFiles(outDir, "*.nii.gz"));
        var back = Reporting.Nifti.Read(nii).Volume;
        Assert.Equal(16 * 16 * 5, back.Length);
    }

    [Fact]
    public void Convert_OneGoodOneGappedSeriesAndGarbage_Exits5AndKeepsTheGoodOne()
    {
        var root = Directory.CreateDirectory(Path.Combine(_tmp, "mixed")).FullName;
        WriteSeries(Path.Combine("mixed", "good"), 6, 3);
        var gapped = WriteSeries(Path.Combine("mixed", "gapped"), 8, 4);
        File.Delete(Directory.GetFiles(gapped).Order().ElementAt(3));
        File.WriteAllBytes(Path.Combine(root, "zero.dcm"), []);
        File.WriteAllBytes(Path.Combine(root, "random.dcm"), [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251))]);
        var outDir = Path.Combine(_tmp, "out-mixed");
        var r = Cli.Run("convert", root, "--out", outDir);
        Assert.Equal(5, r.ExitCode);
        Assert.Single(Directory.GetFiles(outDir, "*.nii.gz"));
        Assert.Contains("missing slice", r.Stderr);
        Assert.Contains("zero.dcm", r.Stderr);
    }

    [SharedDataFact]
    public void Scan_RealData_ListsSeriesWithoutRawUids()
    {
        var r = Cli.Run("scan", SharedData.Path("real-ct", "visible-human-pelvis"), "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("\"usable\": true", r.Stdout);
        var uid = DicomFile.Open(Directory.GetFiles(SharedData.Path("real-ct", "visible-human-pelvis"), "*.dcm")[0], headerOnly: true).Dataset.GetString(DicomTag.StudyInstanceUID)!;
        Assert.DoesNotContain(uid, r.Stdout);
    }

    [SharedDataFact]
    public void Scan_RealCt_SaysWhatAnalyzeWouldDo_InAlignedColumnsWithFolders()
    {
        var root = SharedData.Path("real-ct");
        var r = Cli.Run("scan", root);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var table = r.Stdout.Split('\n').Skip(1).TakeWhile(l => !l.StartsWith("  unreadable", StringComparison.Ordinal)).Where(l => l.Length > 0).ToList();
        // Every row's "use" cell starts where the header's does.
        var header = table[0];
        var useAt = header.IndexOf("  use  ", StringComparison.Ordinal) + 2;
        Assert.True(useAt > 2, header);
        Assert.All(table.Skip(1), row => Assert.Matches("^(analyse|skip|unreadable) ", row[useAt..]));
        // The same rules as analyze: single slices and label maps are skipped, with analyze's reasons; folders relative to the input.
        Assert.Contains(table, row => row.Contains("covid19-ny-sbu-slices/", StringComparison.Ordinal) && row[useAt..].StartsWith("skip     1 CT slice: too few for a 3D analysis", StringComparison.Ordinal));
        Assert.Contains(table, row => row.Contains("example_seg.nii.gz", StringComparison.Ordinal) && row[useAt..].StartsWith("skip     label map", StringComparison.Ordinal));
        Assert.Contains(table, row => row.Contains("example_ct.nii.gz", StringComparison.Ordinal) && row[useAt..].StartsWith("analyse  CT volume", StringComparison.Ordinal));
        Assert.Contains(table, row => row.Contains(" visible-human-pelvis ", StringComparison.Ordinal) && row[useAt..].StartsWith("analyse", StringComparison.Ordinal));
        Assert.DoesNotContain(root, r.Stdout.Split("  unreadable", 2)[0], StringComparison.Ordinal);
    }
}

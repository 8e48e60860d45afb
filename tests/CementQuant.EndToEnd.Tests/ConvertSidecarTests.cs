using System.Text.Json;
using CementQuant.Dicom;
using CementQuant.Dicom.Series;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// <c>convert</c> writes a JSON sidecar per volume (#19): the series_key that <c>analyze</c> gives the same series
/// with the same site key, the volume's exact geometry, the source file count and transfer syntax, and no identifier.
/// </summary>
public sealed class ConvertSidecarTests(SmallPhantomFixture fx) : IClassFixture<SmallPhantomFixture>, IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-convert-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    [Fact]
    public void Convert_WritesASidecarLinkedToAnalyzeAndFreeOfIdentifiers()
    {
        var key = Path.Combine(fx.Root, "site.key");
        var conv = Cli.Run("convert", fx.Ct, "--out", Path.Combine(_tmp, "nii"), "--site-key", key);
        Assert.True(conv.ExitCode == 0, conv.Stderr);
        var ana = Cli.Run("analyze", fx.Ct, "--out", Path.Combine(_tmp, "out"), "--site-key", key, "--no-report", "--no-masks", "--quiet");
        Assert.True(ana.ExitCode == 0, ana.Stderr);

        var sidecarPath = Assert.Single(Directory.GetFiles(Path.Combine(_tmp, "nii"), "*.json"));
        var text = File.ReadAllText(sidecarPath);
        using var doc = JsonDocument.Parse(text);
        var s = doc.RootElement;
        var seriesCsv = File.ReadAllLines(Path.Combine(_tmp, "out", "series.csv"));
        var header = seriesCsv[0].Split(',');
        var row = seriesCsv[1].Split(',');
        Assert.Equal(row[Array.IndexOf(header, "series_key")], s.GetProperty("series_key").GetString());
        Assert.Equal(row[Array.IndexOf(header, "study_key")], s.GetProperty("study_key").GetString());

        var nii = CementQuant.Reporting.Nifti.Read(Path.ChangeExtension(Path.ChangeExtension(sidecarPath, null), null) + ".nii.gz").Volume;
        Assert.Equal(new[] { nii.SizeX, nii.SizeY, nii.SizeZ }, s.GetProperty("dimensions").EnumerateArray().Select(e => e.GetInt32()));
        var spacing = s.GetProperty("spacing_mm").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(nii.Geometry.ColumnSpacing, spacing[0], 1e-4);
        Assert.Equal(nii.Geometry.SliceSpacing, spacing[2], 1e-4);
        var files = Directory.GetFiles(fx.Ct).Where(f => !Path.GetFileName(f).StartsWith('.')).ToArray();
        Assert.Equal(files.Length, s.GetProperty("source_files").GetInt32());
        Assert.Equal(TransferSyntax.ExplicitVRLittleEndian.Uid, s.GetProperty("transfer_syntax_uid").GetString());

        // No identifier of the input: the patient's name and ID, the study date, the raw UIDs.
        var h = HeaderReader.Read(files[0]);
        foreach (var phi in new[] { h.PatientName, h.PatientId, h.StudyDate, h.StudyInstanceUid, h.SeriesInstanceUid, h.SopInstanceUid }.Where(x => x.Length > 0))
            Assert.DoesNotContain(phi, text, StringComparison.Ordinal);
    }
}

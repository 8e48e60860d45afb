using System.Text.Json;
using CementQuant.Reporting;

namespace CementQuant.EndToEnd.Tests;

/// <summary>Every option value a run used is echoed in results.json's provenance and in the database's parameters table.</summary>
public sealed class ProvenanceTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-provenance-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    [Fact]
    public void Analyze_ThresholdAndTolerance_EchoedFromTheOptionsUsed()
    {
        var studies = Path.Combine(_tmp, "studies");
        Assert.Equal(0, Cli.Run("phantom", "--case", "no-cement", "--size", "small", "--out", studies).ExitCode);
        var outDir = Path.Combine(_tmp, "out");
        var r = Cli.Run("analyze", Path.Combine(studies, "no-cement"), "--out", outDir, "--site-key", Path.Combine(_tmp, "site.key"),
            "--threshold-hu", "900", "--contact-tolerance-mm", "1.5", "--no-masks", "--no-report");
        Assert.Equal(0, r.ExitCode);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        var parameters = json.RootElement.GetProperty("provenance").GetProperty("parameters");
        var ct = parameters.GetProperty("ct_pipeline");
        Assert.Equal(900, ct.GetProperty("cement.threshold_hu").GetDouble());
        Assert.Equal(1.5, ct.GetProperty("cement.contact_tolerance_mm").GetDouble());
        Assert.Equal(1500, ct.GetProperty("cement.seed_hu").GetDouble());
        Assert.Equal(0.5, ct.GetProperty("flags.asymmetry_index").GetDouble());
        Assert.Equal(110, ct.GetProperty("locator.bone_hu").GetInt32());
        Assert.Equal(1.5, parameters.GetProperty("radiograph_pipeline").GetProperty("analysis.contact_tolerance_mm").GetDouble());

        using var db = ResultsDatabase.Open(Path.Combine(outDir, "cementquant.db"));
        var rows = db.ReadAll("parameters", "series_key, name");
        var seriesKeys = rows.Select(x => x["series_key"]).Distinct().ToList();
        Assert.True(seriesKeys.Count >= 2, $"{seriesKeys.Count} series with parameters"); // the CT series and the radiograph series
        foreach (var key in seriesKeys)
        {
            var mine = rows.Where(x => x["series_key"] == key).ToDictionary(x => x["name"], x => x["value"]);
            Assert.Equal("900", mine["ct_pipeline.cement.threshold_hu"]);
            Assert.Equal("1.5", mine["ct_pipeline.cement.contact_tolerance_mm"]);
            Assert.Equal("1.5", mine["radiograph_pipeline.analysis.contact_tolerance_mm"]);
            Assert.Equal("cement present and fill_pct < 15", mine["flag_rules.LOW_FILL"]);
        }
    }
}

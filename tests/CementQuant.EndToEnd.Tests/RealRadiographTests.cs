namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// Real projections from ../shared/data that hold no cement (issue #20): a blank white DX and a lateral CT scout whose
/// headrest is dense. No vertebra may be placed outside the image, and no clinical flag raised where the body was found
/// with low confidence (FLAGS_WITHHELD). The scout's headrest area is still reported as cement: a known gap (#20).
/// </summary>
public sealed class RealRadiographTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-realxr-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private List<Dictionary<string, string>> Analyze(string file, string name)
    {
        var outDir = Path.Combine(_tmp, name);
        var r = Cli.Run("analyze", file, "--out", outDir, "--site-key", Path.Combine(_tmp, "site.key"), "--no-report", "--no-masks");
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        return Outputs.ReadCsv(Path.Combine(outDir, "radiographs.csv"));
    }

    [SharedDataFact]
    public void BlankWhiteDx_NoVertebraOutsideTheImage_NoRows()
    {
        var rows = Analyze(SharedData.Path("conformance", "pylibjpeg-data", "JPEG2000Lossless", "JPEG2KLossless_1s_1f_u_16_16.dcm"), "blank");
        // Was three "cemented vertebrae" centred at rows −13.8 / 1410 and columns 1445 / −11.7, outside the image.
        Assert.Empty(rows);
    }

    [SharedDataFact]
    public void LateralScout_Headrest_RaisesNoFlag()
    {
        var rows = Analyze(SharedData.Path("conformance", "orthanc-tests", "ct_slices", "2020-08-12-Christopher.dcm"), "scout");
        Assert.All(rows, r => Assert.Empty(r["flags"]));
        Assert.All(rows.Where(r => r["qc"].Contains("LOW_ROI_CONFIDENCE", StringComparison.Ordinal)), r => Assert.Contains("FLAGS_WITHHELD", r["qc"], StringComparison.Ordinal));
    }
}

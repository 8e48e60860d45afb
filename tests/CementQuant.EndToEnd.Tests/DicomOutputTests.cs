using CementQuant.Testing;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// `analyze --dicom` (shared/spec/METRICS.md "DICOM outputs", #16): a SEG and a TID 1500 SR per analysed CT series in
/// <c>&lt;out&gt;/dicom/</c>. Not wired yet (the writers, the loader's slice UIDs and Frame of Reference and the
/// <c>SourceIdentityReader</c> exist); kept visible as a strict expected failure in docs/known-failures.md.
/// </summary>
public sealed class DicomOutputTests(SmallPhantomFixture fx) : IClassFixture<SmallPhantomFixture>, IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-dicomout-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    /// <summary>The wanted behaviour, expected to fail while `--dicom` is not wired (today it is an unknown option,
    /// exit 64): the run succeeds and writes a SEG and an SR into <c>&lt;out&gt;/dicom/</c>. When it passes, this
    /// becomes the acceptance test (SEG equal to masks/ voxel for voxel, SR numbers equal to the CSV row, dciodvfy clean).</summary>
    [Fact]
    public void AnalyzeWithDicom_WritesSegAndSr_KnownFailure()
    {
        var outDir = Path.Combine(_tmp, "out");
        var r = Cli.Run("analyze", fx.Ct, "--out", outDir, "--site-key", Path.Combine(fx.Root, "site.key"), "--dicom");
        KnownFailure.Expect("analyze --dicom is not wired yet (#16)", () =>
        {
            Assert.Equal(0, r.ExitCode);
            var dicom = Path.Combine(outDir, "dicom");
            Assert.True(Directory.Exists(dicom), r.Stderr);
            Assert.True(Directory.GetFiles(dicom, "*.dcm", SearchOption.AllDirectories).Length >= 2);
        });
    }
}

using CementQuant.Analysis.Radiograph;
using CementQuant.Dicom.Series;
using Xunit.Abstractions;

namespace CementQuant.Analysis.Tests;

/// <summary>Real projection images from ../shared/data: two CT scouts and a MONOCHROME1 chest CR, none with cement.</summary>
public class RadiographRealTests(ITestOutputHelper output)
{
    public static TheoryData<string> Files() =>
    [
        "conformance/fo-dicom/xray/GH342.dcm",
        "conformance/orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.4.70.dcm",
        "conformance/fo-dicom/xray/CR-MONO1-10-chest",
    ];

    [SharedDataTheory]
    [MemberData(nameof(Files))]
    public void Analyze_RealProjectionWithoutCement_ReportsNoCement(string file)
    {
        var image = RadiographLoader.Load(SharedData.Path(file.Split('/')));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var result = new RadiographAnalyzer { Trace = output.WriteLine }.Analyze(image);
        output.WriteLine($"{file}: {image.View} {image.Pixels.Width}x{image.Pixels.Height}, {sw.Elapsed.TotalMilliseconds:0} ms, notes {string.Join("; ", result.Notes)}");
        Assert.False(result.CementFound, $"cement reported: {string.Join(", ", result.Vertebrae.Select(v => $"{v.Vertebra} {v.CementAreaMm2:0} mm²"))}");
        Assert.Contains("NO_CEMENT", result.Notes);
    }
}

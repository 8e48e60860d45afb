using System.Diagnostics;
using System.Globalization;
using CementQuant.Analysis.Pipeline;
using CementQuant.Phantom;

namespace CementQuant.Benchmarks;

/// <summary>
/// Issue 5's timing: segmentation plus metrics on a 512×512×600 phantom with three cemented levels
/// (multi-level case at full in-plane size, 600 slices of 0.5 mm), and the vertebra locator on the same volume.
/// </summary>
public static class CementTiming
{
    public static int Run(int runs)
    {
        var c = PhantomCatalogue.Get("multi-level", PhantomSize.Full);
        c = c with { Acquisition = c.Acquisition with { Slices = 600, SliceSpacing = 0.5, SliceThickness = 0.5 } };
        var sw = Stopwatch.StartNew();
        var ct = CtRenderer.Render(c, seed: 1);
        var truth = TruthCalculator.Compute(c);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rendered {ct.Hu.SizeX}x{ct.Hu.SizeY}x{ct.Hu.SizeZ} in {sw.Elapsed.TotalSeconds:0.0} s"));
        var rois = TruthRois.FromTruth(ct, truth);
        var pipeline = new CtPipeline(CtPipelineOptions.Default);
        for (var r = 0; r < runs; r++)
        {
            sw.Restart();
            var located = pipeline.Locate(ct.Hu);
            var locate = sw.Elapsed.TotalSeconds;
            sw.Restart();
            var results = pipeline.Measure(ct.Hu, rois);
            var cement = sw.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {r + 1}: locator {locate:0.000} s ({located.Vertebrae.Count} bodies), cement segmentation + metrics {cement:0.000} s for {rois.Count} vertebrae ({results.Count(x => x.Metrics.CementVolumeMl > 0)} cemented)"));
        }
        return 0;
    }
}

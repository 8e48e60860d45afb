using System.Diagnostics;
using System.Globalization;
using CementQuant.Analysis.Cement;
using CementQuant.Phantom;
using CementQuant.Reporting.Report;

namespace CementQuant.Benchmarks;

/// <summary>
/// Issue 7's timing: writing the QA report of a 3-level study (the worked example's L2–L4, small phantom)
/// should take under 1 s. Measured and printed (DESIGN.md: timings are never asserted in tests); the first
/// run in the process pays for JIT compilation, fonts and ScottPlot.
/// </summary>
public static class ReportTiming
{
    public static int Run(int runs)
    {
        var phantom = PhantomCatalogue.Get("worked-example", PhantomSize.Small);
        var ct = CtRenderer.Render(phantom, seed: 1);
        var truth = TruthCalculator.Compute(phantom);
        string[] levels = ["L2", "L3", "L4"];
        var rois = TruthRois.FromTruth(ct, truth).Where(r => levels.Contains(r.Label)).ToList();
        var vertebrae = new CementAnalyzer(new CementOptions()).Analyze(ct.Hu, rois)
            .Select(c => new ReportVertebra(c.Metrics, c.InBodyVoxels, c.LeakVoxels)).ToList();
        var dir = Directory.CreateTempSubdirectory("cq-report-timing-");
        try
        {
            for (var run = 0; run <= runs; run++)
            {
                var report = new QaReport(Path.Combine(dir.FullName, $"run{run}"));
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                report.AddSeries(new SeriesIdentity("s", $"run{run}"), "", ct.Hu, rois, vertebrae);
                var add = sw.Elapsed.TotalMilliseconds;
                report.Write();
                var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"3-level report, {(run == 0 ? "first in process" : $"run {run}")}: AddSeries {add:0} ms, Write {sw.Elapsed.TotalMilliseconds - add:0} ms, total {sw.Elapsed.TotalMilliseconds:0} ms wall, {cpuMs:0} ms CPU"));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
        return 0;
    }
}

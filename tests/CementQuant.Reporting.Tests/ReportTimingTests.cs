using System.Diagnostics;
using CementQuant.Reporting.Report;
using Xunit.Abstractions;

namespace CementQuant.Reporting.Tests;

[CollectionDefinition("timing", DisableParallelization = true)]
public sealed class TimingCollection;

/// <summary>Issue 7: writing the report of a 3-level study should take under 1 s. Measured and printed, never
/// asserted (DESIGN.md); alone in its collection so the process's CPU time is this test's.</summary>
[Collection("timing")]
public sealed class ReportTimingTests(ITestOutputHelper output)
{
    private static readonly Lazy<PhantomSeries> Series = new(() => new PhantomSeries("worked-example"));

    [Fact]
    public void Write_ThreeLevelStudy_Timing()
    {
        var s = Series.Value;
        string[] levels = ["L2", "L3", "L4"];
        var vertebrae = s.Vertebrae.Where(v => levels.Contains(v.Metrics.Vertebra)).ToList();
        var rois = s.Rois.Where(r => levels.Contains(r.Label)).ToList();
        var dir = Directory.CreateTempSubdirectory("cq-report-");
        try
        {
            // Warm up once (JIT, fonts, ScottPlot), then time three runs; reported, not asserted (DESIGN.md).
            var warm = new QaReport(Path.Combine(dir.FullName, "warm"));
            var cold = Stopwatch.StartNew();
            warm.AddSeries(new SeriesIdentity("s", "warm"), "", s.Ct.Hu, rois, vertebrae);
            warm.Write();
            output.WriteLine($"3-level report, first in process: {cold.Elapsed.TotalMilliseconds:0} ms");
            for (var run = 0; run < 3; run++)
            {
                var report = new QaReport(Path.Combine(dir.FullName, $"run{run}"));
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                report.AddSeries(new SeriesIdentity("s", $"run{run}"), "", s.Ct.Hu, rois, vertebrae);
                var add = sw.Elapsed.TotalMilliseconds;
                report.Write();
                var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
                output.WriteLine($"3-level report, run {run + 1}: AddSeries {add:0} ms, Write {sw.Elapsed.TotalMilliseconds - add:0} ms, total {sw.Elapsed.TotalMilliseconds:0} ms wall, {cpuMs:0} ms CPU (all threads; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

}

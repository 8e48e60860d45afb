using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using CementQuant.Dicom.Series;

namespace CementQuant.Benchmarks;

/// <summary>
/// <c>load FOLDER [runs]</c>: time and peak memory of loading a CT series into HU (the bench/ script
/// runs it beside dcm2niix). <c>locate FOLDER [runs]</c>: the vertebra locator's time on a loaded series, run
/// after run in one process (the first run pays for JIT compilation). <c>robustness [docs]</c>: the cement stage's error curves. <c>report-timing [runs]</c>: the 3-level QA report's time. <c>bandwidth</c> and
/// <c>ccl</c>: the kernel acceptance numbers (<see cref="KernelThroughput"/>). Anything else goes to
/// BenchmarkDotNet (kernels, scalar as baseline).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length >= 1 && args[0] == "cement-timing") return CementTiming.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3);
        if (args.Length >= 1 && args[0] == "report-timing") return ReportTiming.Run(Arg(args, 1, 3));
        if (args.Length >= 1 && args[0] == "robustness") return Robustness.Run(args.Length > 1 ? args[1] : "docs");
        if (args.Length >= 1 && args[0] == "bandwidth") return KernelThroughput.Bandwidth(Arg(args, 1, 256), Arg(args, 2, 7));
        if (args.Length >= 3 && args[0] == "ccl") return KernelThroughput.Ccl(args[1], args[2], Arg(args, 3, 5), (short)Arg(args, 4, 200));
        if (args.Length >= 2 && args[0] == "load") return Load(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1);
        if (args.Length >= 2 && args[0] == "locate") return Locate(args[1], Arg(args, 2, 5));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }

    private static int Arg(string[] args, int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;

    private static int Load(string folder, int runs)
    {
        for (var r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            var scan = DicomScanner.Scan(DicomScanner.EnumerateFiles([folder]));
            var scanned = sw.Elapsed.TotalSeconds;
            var group = SeriesGrouper.Group(scan.Instances).Single(g => g.Usable && g.Kind == InstanceKind.CtSlice);
            var ct = CtVolumeLoader.Load(group);
            var total = sw.Elapsed.TotalSeconds;
            var bytes = ct.Hu.Length * 2;
            using var self = Process.GetCurrentProcess();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"load {ct.Hu.SizeX}x{ct.Hu.SizeY}x{ct.Hu.SizeZ}: {total:0.000} s (headers {scanned:0.000} s), volume {bytes / 1048576.0:0} MiB, peak RSS {self.PeakWorkingSet64 / 1048576.0:0} MiB ({(double)self.PeakWorkingSet64 / bytes:0.00}x volume)"));
            GC.KeepAlive(ct);
        }
        return 0;
    }

    private static int Locate(string folder, int runs)
    {
        var scan = DicomScanner.Scan(DicomScanner.EnumerateFiles([folder]));
        var ct = CtVolumeLoader.Load(SeriesGrouper.Group(scan.Instances).Single(g => g.Usable && g.Kind == InstanceKind.CtSlice));
        for (var r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            var found = new Analysis.Pipeline.CtPipeline(Analysis.Pipeline.CtPipelineOptions.Default).Locate(ct.Hu);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {r + 1}: locator {sw.Elapsed.TotalSeconds:0.000} s ({found.Vertebrae.Count} bodies: {string.Join(' ', found.Vertebrae.Select(v => v.Label))})"));
        }
        return 0;
    }
}

using System.Diagnostics;
using System.Globalization;
using CementQuant.Dicom.Series;
using CementQuant.Kernels;

namespace CementQuant.Benchmarks;

/// <summary>
/// Issue 8's kernel acceptance numbers, printed as <c>name value</c> lines for bench/run.sh:
/// <c>bandwidth [MiB] [runs]</c>: single-thread memory-copy bandwidth on buffers of ≥ 256 MiB and the rescale
/// and threshold kernels' throughput as a fraction of it (bytes read + written per second, same thread);
/// <c>ccl FOLDER RAW [runs] [threshold]</c>: loads a series, writes its bone mask (HU &gt; threshold) to RAW for
/// the scipy peer, and times our 3D labelling of it (6- and 26-connectivity, parallel and one slab).
/// </summary>
public static class KernelThroughput
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Bandwidth(int mib, int runs)
    {
        var n = (long)mib * 1048576 / 2;
        var src = new ushort[n];
        var hu = new short[n];
        var mask = new byte[n];
        var rng = new Random(1);
        for (long i = 0; i < n; i++) src[i] = (ushort)rng.Next(0, 4096); // 12-bit CT samples
        hu.AsSpan().Fill(1); mask.AsSpan().Fill(1);                       // every page touched before timing
        var bytes = n * 2.0;
        var copy = Median(runs, () => src.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<short, ushort>(hu.AsSpan())));
        var rescale = Median(runs, () => VoxelKernels.RescaleToHu(src, hu, 12, false, -1024));
        var rescaleScalar = Median(Math.Min(runs, 3), () => VoxelKernels.RescaleToHuScalar(src, hu, 12, false, -1024));
        var threshold = Median(runs, () => VoxelKernels.Threshold(hu, mask, 200));
        var thresholdScalar = Median(Math.Min(runs, 3), () => VoxelKernels.ThresholdScalar(hu, mask, 200));
        // Traffic: copy and rescale read and write 2 bytes per voxel, threshold reads 2 and writes 1.
        var copyRate = 2 * bytes / copy;
        Print("memcpy_gbps", copyRate / 1e9);
        Print("rescale_fraction", 2 * bytes / rescale / copyRate);
        Print("rescale_scalar_fraction", 2 * bytes / rescaleScalar / copyRate);
        Print("threshold_fraction", 1.5 * bytes / threshold / copyRate);
        Print("threshold_scalar_fraction", 1.5 * bytes / thresholdScalar / copyRate);
        Console.WriteLine(string.Create(Inv, $"# {mib} MiB of int16 per buffer, medians of {runs}: copy {copy:0.000} s, rescale {rescale:0.000} s (scalar {rescaleScalar:0.000}), threshold {threshold:0.000} s (scalar {thresholdScalar:0.000}); widest vector {(Vector512Accelerated ? 512 : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 256 : 128)} bits"));
        return 0;
    }

    private static bool Vector512Accelerated => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;

    public static int Ccl(string folder, string raw, int runs, short threshold)
    {
        var group = SeriesGrouper.Group(DicomScanner.Scan(DicomScanner.EnumerateFiles([folder])).Instances).Single(g => g.Usable && g.Kind == InstanceKind.CtSlice);
        var ct = CtVolumeLoader.Load(group).Hu;
        var mask = new byte[ct.Length];
        var set = VoxelKernels.Threshold(ct.Data, mask, (short)(threshold + 1));
        File.WriteAllBytes(raw, mask);
        var labels = new int[mask.Length];
        Console.WriteLine(string.Create(Inv, $"# mask {ct.SizeX}x{ct.SizeY}x{ct.SizeZ}, HU > {threshold}: {set} voxels ({100.0 * set / mask.Length:0.0} %)"));
        Console.WriteLine(string.Create(Inv, $"dims {ct.SizeX} {ct.SizeY} {ct.SizeZ}"));
        foreach (var (name, c) in new[] { ("6", Connectivity.Six), ("26", Connectivity.TwentySix) })
        {
            var n = 0;
            Print($"cq_ccl{name}", Median(runs, () => n = ConnectedComponents.Label(mask, labels, ct.SizeX, ct.SizeY, ct.SizeZ, c)));
            Print($"cq_ccl{name}_one_slab", Median(runs, () => ConnectedComponents.Label(mask, labels, ct.SizeX, ct.SizeY, ct.SizeZ, c, slabs: 1)));
            Console.WriteLine(string.Create(Inv, $"# {name}-connectivity: {n} components"));
        }
        return 0;
    }

    private static void Print(string name, double value) => Console.WriteLine(string.Create(Inv, $"{name} {value:0.0000}"));

    private static double Median(int runs, Action action)
    {
        action(); // warm-up: JIT tiers, caches
        var t = new double[Math.Max(1, runs)];
        for (var r = 0; r < t.Length; r++)
        {
            var sw = Stopwatch.StartNew();
            action();
            t[r] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(t);
        return t.Length % 2 == 1 ? t[t.Length / 2] : (t[t.Length / 2 - 1] + t[t.Length / 2]) / 2;
    }
}

using BenchmarkDotNet.Attributes;
using CementQuant.Kernels;

namespace CementQuant.Benchmarks;

/// <summary>
/// Synthetic CT for the kernel benchmarks: an elliptic body of soft tissue (40 ± 20 HU) in air (−1024), with
/// bone balls (300–1200 HU) and a few cement-bright ones (2500), so masks have realistic runs and components.
/// </summary>
internal static class BenchVolume
{
    public static short[] Ct(int sx, int sy, int sz, int seed = 1)
    {
        var rng = new Random(seed);
        var v = new short[sx * sy * sz];
        var balls = Enumerable.Range(0, 40).Select(_ => (X: rng.Next(sx), Y: rng.Next(sy), Z: rng.Next(sz), R: 3 + rng.Next(Math.Max(1, sx / 10)), Hu: (short)(rng.Next(8) == 0 ? 2500 : rng.Next(300, 1200)))).ToArray();
        for (var z = 0; z < sz; z++)
            for (var y = 0; y < sy; y++)
                for (var x = 0; x < sx; x++)
                {
                    double ex = (x - sx / 2.0) / (0.45 * sx), ey = (y - sy / 2.0) / (0.35 * sy);
                    short hu = ex * ex + ey * ey > 1 ? (short)-1024 : (short)(40 + rng.Next(-20, 21));
                    foreach (var b in balls)
                        if ((x - b.X) * (x - b.X) + (y - b.Y) * (y - b.Y) + (z - b.Z) * (z - b.Z) <= b.R * b.R) hu = b.Hu;
                    v[(z * sy + y) * sx + x] = hu;
                }
        return v;
    }

    public static byte[] Mask(short[] ct, short threshold)
    {
        var m = new byte[ct.Length];
        VoxelKernels.Threshold(ct, m, threshold);
        return m;
    }
}

/// <summary>Threshold and histogram of a 512×512×32 slab (8 M voxels).</summary>
[MemoryDiagnoser]
public class ThresholdBenchmarks
{
    private short[] _ct = [];
    private byte[] _mask = [];
    private readonly long[] _counts = new long[4096];

    [GlobalSetup]
    public void Setup()
    {
        _ct = BenchVolume.Ct(512, 512, 32);
        _mask = new byte[_ct.Length];
    }

    [Benchmark(Baseline = true)] public long ThresholdScalar() => VoxelKernels.ThresholdScalar(_ct, _mask, 200);
    [Benchmark] public long Threshold() => VoxelKernels.Threshold(_ct, _mask, 200);
    [Benchmark] public long HistogramScalar() => VoxelKernels.HistogramScalar(_ct, [], _counts, -1024);
    [Benchmark] public long Histogram() => VoxelKernels.Histogram(_ct, [], _counts, -1024);
}

/// <summary>Per-vertebra work on a 160×160×120 crop (3 M voxels): morphology, plane split, faces, EDT, CCL.</summary>
[MemoryDiagnoser]
public class CropKernelBenchmarks
{
    private const int Sx = 160, Sy = 160, Sz = 120;
    private short[] _ct = [];
    private byte[] _mask = [];
    private byte[] _out = [];
    private int[] _labels = [];

    [GlobalSetup]
    public void Setup()
    {
        _ct = BenchVolume.Ct(Sx, Sy, Sz, seed: 2);
        _mask = BenchVolume.Mask(_ct, 200);
        _out = new byte[_ct.Length];
        _labels = new int[_ct.Length];
    }

    [Benchmark(Baseline = true)] public void Erode6Scalar() => Morphology.Erode6Scalar(_mask, _out, Sx, Sy, Sz);
    [Benchmark] public void Erode6() => Morphology.Erode6(_mask, _out, Sx, Sy, Sz);
    [Benchmark] public void DilateBox2Scalar() => Morphology.DilateBoxScalar(_mask, _out, Sx, Sy, Sz, 2, 2, 2);
    [Benchmark] public void DilateBox2() => Morphology.DilateBox(_mask, _out, Sx, Sy, Sz, 2, 2, 2);
    [Benchmark] public FaceCounts CountFacesScalar() => ShapeKernels.CountFacesScalar(_mask, Sx, Sy, Sz, 1);
    [Benchmark] public FaceCounts CountFaces() => ShapeKernels.CountFaces(_mask, Sx, Sy, Sz, 1);
    [Benchmark] public int LabelFloodFill() => ConnectedComponents.LabelScalar(_mask, _labels, Sx, Sy, Sz, Connectivity.TwentySix);
    [Benchmark] public int LabelOneSlab() => ConnectedComponents.Label(_mask, _labels, Sx, Sy, Sz, Connectivity.TwentySix, slabs: 1);
    [Benchmark] public int LabelParallel() => ConnectedComponents.Label(_mask, _labels, Sx, Sy, Sz, Connectivity.TwentySix);
}

/// <summary>Hull voxel count of a cement-like ball of radius 15 voxels on a 0.7 × 0.7 × 1.25 mm grid, 128 directions.</summary>
[MemoryDiagnoser]
public class HullBenchmarks
{
    private (int X, int Y, int Z)[] _points = [];
    private readonly double[] _affine = [-120, -80, 400, 0.7, 0, 0, 0, 0.7, 0, 0, 0, 1.25];
    private double[] _directions = [];

    [GlobalSetup]
    public void Setup()
    {
        var pts = new List<(int, int, int)>();
        for (var z = -10; z <= 10; z++) for (var y = -15; y <= 15; y++) for (var x = -15; x <= 15; x++)
            if (0.49 * (x * x + y * y) + 1.5625 * z * z <= 110) pts.Add((200 + x, 180 + y, 90 + z));
        _points = [.. pts];
        var golden = Math.PI * (3 - Math.Sqrt(5));
        _directions = new double[3 * 128];
        for (var i = 0; i < 128; i++)
        {
            var y = 1 - 2 * (i + 0.5) / 128; var r = Math.Sqrt(1 - y * y);
            _directions[3 * i] = Math.Cos(golden * i) * r; _directions[3 * i + 1] = y; _directions[3 * i + 2] = Math.Sin(golden * i) * r;
        }
    }

    [Benchmark(Baseline = true)] public long HullScalar() => ShapeKernels.HullVoxelCountScalar(_points, _affine, _directions);
    [Benchmark] public long Hull() => ShapeKernels.HullVoxelCount(_points, _affine, _directions);
}

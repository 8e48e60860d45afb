using BenchmarkDotNet.Attributes;
using CementQuant.Kernels;

namespace CementQuant.Benchmarks;

/// <summary>One 512×512 slice rescaled to HU: scalar reference as baseline, then the vector path.</summary>
[MemoryDiagnoser]
public class RescaleBenchmarks
{
    private readonly ushort[] _src = new ushort[512 * 512];
    private readonly short[] _dst = new short[512 * 512];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        for (var i = 0; i < _src.Length; i++) _src[i] = (ushort)rng.Next(0, 4096);
    }

    [Benchmark(Baseline = true)]
    public void Scalar() => VoxelKernels.RescaleToHuScalar(_src, _dst, 12, false, -1024);

    [Benchmark]
    public void Vector() => VoxelKernels.RescaleToHu(_src, _dst, 12, false, -1024);

    [Benchmark]
    public void MemoryCopy() => _src.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<short, ushort>(_dst.AsSpan()));
}

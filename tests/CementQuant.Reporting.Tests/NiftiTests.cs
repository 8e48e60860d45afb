using System.IO.Compression;

namespace CementQuant.Reporting.Tests;

public sealed class NiftiTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-nifti-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    /// <summary>A label map written slice by slice decompresses to the same bytes as the same map written whole.</summary>
    [Theory]
    [InlineData("labels.nii.gz")]
    [InlineData("labels.nii")]
    public void WriteLabels_SliceBySlice_EqualsWholeVolume(string name)
    {
        var g = ImageGeometry.FromDicom(new Vec3(-120, 80, 30), new Vec3(0, 1, 0), new Vec3(1, 0, 0), 0.7, 0.8, new Vec3(0, 0, -1.25));
        var v = new Volume<byte>(37, 23, 11, g);
        var rng = new Random(7);
        for (var i = 0; i < v.Data.Length; i++) v.Data[i] = rng.Next(4) == 0 ? (byte)rng.Next(1, 6) : (byte)0;
        var whole = Path.Combine(_tmp, "whole-" + name);
        var sliced = Path.Combine(_tmp, "sliced-" + name);
        Nifti.Write(whole, v);
        var calls = new List<int>();
        Nifti.WriteLabels(sliced, v.SizeX, v.SizeY, v.SizeZ, g, (z, slice) =>
        {
            calls.Add(z);
            Assert.All(slice.ToArray(), b => Assert.Equal(0, b)); // handed over cleared
            v.Data.AsSpan(z * v.SizeX * v.SizeY, v.SizeX * v.SizeY).CopyTo(slice);
        });
        Assert.Equal(Enumerable.Range(0, v.SizeZ), calls);
        Assert.Equal(Bytes(whole), Bytes(sliced));
        var back = Nifti.Read(sliced).Volume;
        Assert.Equal(v.Data.Select(b => (short)b), back.Data);
    }

    private static byte[] Bytes(string path)
    {
        using var file = File.OpenRead(path);
        using Stream s = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }
}

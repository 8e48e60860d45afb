using CementQuant.Analysis.Vertebrae;

namespace CementQuant.Analysis.Tests;

public sealed class SamplerTests
{
    /// <summary>The row sampler of the working grid equals point-by-point trilinear sampling bit for bit, inside, at the
    /// edges and outside the volume, stepping forward or backward (mirrored rows).</summary>
    [Fact]
    public void TrilinearAlongI_EqualsTrilinearPerPoint()
    {
        var v = new Volume<short>(23, 17, 9, ImageGeometry.FromDicom(new Vec3(0, 0, 0), new Vec3(1, 0, 0), new Vec3(0, 1, 0), 1, 1, new Vec3(0, 0, 1)));
        var rng = new Random(3);
        for (var n = 0; n < v.Data.Length; n++) v.Data[n] = (short)rng.Next(-1024, 3072);
        for (var trial = 0; trial < 2000; trial++)
        {
            var i = rng.NextDouble() * 30 - 4;
            var di = (rng.NextDouble() * 3 - 1.5) * (trial % 7 == 0 ? 0 : 1);
            var j = trial % 11 == 0 ? rng.Next(-2, 19) : rng.NextDouble() * 21 - 2;
            var k = trial % 13 == 0 ? rng.Next(-2, 11) : rng.NextDouble() * 13 - 2;
            var row = new short[rng.Next(0, 40)];
            Sampler.TrilinearAlongI(v, i, di, j, k, row);
            var p = i;
            for (var x = 0; x < row.Length; x++, p += di)
                Assert.Equal((short)Math.Round(Sampler.Trilinear(v, p, j, k)), row[x]);
        }
    }
}

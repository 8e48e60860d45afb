using CementQuant.Kernels;

namespace CementQuant.Kernels.Tests;

/// <summary>Morphology against naive per-voxel references, and the vector paths against the scalar ones at every row length.</summary>
public class MorphologyTests
{
    public static TheoryData<int, int, int, double, int> Shapes()
    {
        var data = new TheoryData<int, int, int, double, int>();
        var seed = 100;
        foreach (var (x, y, z) in new[] { (1, 1, 1), (2, 3, 4), (7, 5, 3), (16, 16, 16), (70, 6, 5), (131, 3, 4), (4, 40, 3) })
            foreach (var density in new[] { 0.2, 0.6, 0.95 })
                data.Add(x, y, z, density, seed++);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SixNeighbourhood_RandomMasks_EqualsNaive(int sx, int sy, int sz, double density, int seed)
    {
        var src = KernelTestData.Mask(sx * sy * sz, density, seed, maxValue: 3);
        var expectedD = NaiveSix(src, sx, sy, sz, erode: false);
        var expectedE = NaiveSix(src, sx, sy, sz, erode: true);
        foreach (var (op, expected) in new (Action<byte[], byte[]>, byte[])[]
        {
            ((s, d) => Morphology.Dilate6(s, d, sx, sy, sz), expectedD),
            ((s, d) => Morphology.Dilate6Scalar(s, d, sx, sy, sz), expectedD),
            ((s, d) => Morphology.Erode6(s, d, sx, sy, sz), expectedE),
            ((s, d) => Morphology.Erode6Scalar(s, d, sx, sy, sz), expectedE),
        })
        {
            var dst = Enumerable.Repeat((byte)9, src.Length).ToArray(); // stale output must be overwritten
            op(src, dst);
            Assert.Equal(expected, dst);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Box_RandomMasks_EqualsNaive(int sx, int sy, int sz, double density, int seed)
    {
        var src = KernelTestData.Mask(sx * sy * sz, density, seed, maxValue: 2);
        foreach (var (rx, ry, rz) in new[] { (0, 0, 0), (1, 1, 1), (2, 1, 0), (0, 3, 1), (5, 2, 2) })
        {
            var dst = new byte[src.Length];
            Morphology.DilateBox(src, dst, sx, sy, sz, rx, ry, rz);
            Assert.Equal(NaiveBox(src, sx, sy, sz, rx, ry, rz, erode: false), dst);
            Morphology.DilateBoxScalar(src, dst, sx, sy, sz, rx, ry, rz);
            Assert.Equal(NaiveBox(src, sx, sy, sz, rx, ry, rz, erode: false), dst);
            Morphology.ErodeBox(src, dst, sx, sy, sz, rx, ry, rz);
            Assert.Equal(NaiveBox(src, sx, sy, sz, rx, ry, rz, erode: true), dst);
            Morphology.ErodeBoxScalar(src, dst, sx, sy, sz, rx, ry, rz);
            Assert.Equal(NaiveBox(src, sx, sy, sz, rx, ry, rz, erode: true), dst);
        }
    }

    /// <summary>Rows of every length 0 … 4 vectors + 1 (one row, one slice): each vector path and its scalar tail.</summary>
    [Theory]
    [MemberData(nameof(KernelTestData.Lengths), MemberType = typeof(KernelTestData))]
    public void Rows_EveryLength_VectorEqualsScalar(int length)
    {
        // Three rows of three slices so the middle row has all its neighbours.
        var src = KernelTestData.Mask(length * 9, 0.7, 5000 + length, maxValue: 1);
        var a = new byte[src.Length]; var b = new byte[src.Length];
        Morphology.Erode6(src, a, length, 3, 3); Morphology.Erode6Scalar(src, b, length, 3, 3);
        Assert.Equal(b, a);
        Morphology.Dilate6(src, a, length, 3, 3); Morphology.Dilate6Scalar(src, b, length, 3, 3);
        Assert.Equal(b, a);
        Morphology.ErodeBox(src, a, length, 3, 3, 2, 1, 1); Morphology.ErodeBoxScalar(src, b, length, 3, 3, 2, 1, 1);
        Assert.Equal(b, a);
        Morphology.DilateBox(src, a, length, 3, 3, 3, 1, 1); Morphology.DilateBoxScalar(src, b, length, 3, 3, 3, 1, 1);
        Assert.Equal(b, a);
    }

    [Fact]
    public void Erode6_SolidBox_KeepsOnlyTheInterior()
    {
        var src = Enumerable.Repeat((byte)1, 5 * 4 * 3).ToArray();
        var dst = new byte[src.Length];
        Morphology.Erode6(src, dst, 5, 4, 3);
        // Interior of a 5×4×3 box: x 1..3, y 1..2, z 1.
        Assert.Equal(6, dst.Count(v => v == 1));
        Assert.Equal(1, dst[(1 * 4 + 1) * 5 + 1]);
        Assert.Equal(0, dst[(1 * 4 + 0) * 5 + 1]);
    }

    /// <summary>The old per-voxel loops of the vertebra locator: erosion needs the voxel and its six face neighbours inside the box.</summary>
    private static byte[] NaiveSix(byte[] m, int sx, int sy, int sz, bool erode) =>
        Naive(m, sx, sy, sz, [(0, 0, 0), (-1, 0, 0), (1, 0, 0), (0, -1, 0), (0, 1, 0), (0, 0, -1), (0, 0, 1)], erode);

    private static byte[] NaiveBox(byte[] m, int sx, int sy, int sz, int rx, int ry, int rz, bool erode)
    {
        var element = new List<(int, int, int)>();
        for (var dz = -rz; dz <= rz; dz++) for (var dy = -ry; dy <= ry; dy++) for (var dx = -rx; dx <= rx; dx++) element.Add((dx, dy, dz));
        return Naive(m, sx, sy, sz, element, erode);
    }

    /// <summary>Per voxel: all (erosion) or any (dilation) of the element's voxels set, outside the box counting as unset.</summary>
    private static byte[] Naive(byte[] m, int sx, int sy, int sz, List<(int Dx, int Dy, int Dz)> element, bool erode)
    {
        var o = new byte[m.Length];
        for (var z = 0; z < sz; z++)
            for (var y = 0; y < sy; y++)
                for (var x = 0; x < sx; x++)
                {
                    var all = true; var any = false;
                    foreach (var (dx, dy, dz) in element)
                    {
                        int nx = x + dx, ny = y + dy, nz = z + dz;
                        var inside = nx >= 0 && ny >= 0 && nz >= 0 && nx < sx && ny < sy && nz < sz;
                        var set = inside && m[(nz * sy + ny) * sx + nx] != 0;
                        all &= set; any |= set;
                    }
                    o[(z * sy + y) * sx + x] = (erode ? all : any) ? (byte)1 : (byte)0;
                }
        return o;
    }
}

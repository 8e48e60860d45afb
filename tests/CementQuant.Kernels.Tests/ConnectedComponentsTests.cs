using CementQuant.Kernels;

namespace CementQuant.Kernels.Tests;

public class ConnectedComponentsTests
{
    public static TheoryData<int, int, int, double, int> Cases()
    {
        var data = new TheoryData<int, int, int, double, int>();
        var seed = 0;
        foreach (var (x, y, z) in new[] { (1, 1, 1), (7, 5, 3), (16, 16, 16), (33, 9, 4), (5, 40, 7), (9, 8, 13) })
            foreach (var density in new[] { 0.0, 0.1, 0.3, 0.5, 0.9 })
                data.Add(x, y, z, density, seed++);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Label_RandomMasks_ParallelEqualsSequentialEqualsFloodFill(int sx, int sy, int sz, double density, int seed)
    {
        var mask = KernelTestData.Mask(sx * sy * sz, density, seed, maxValue: 3);
        foreach (var c in new[] { Connectivity.Six, Connectivity.Eighteen, Connectivity.TwentySix })
        {
            var slow = new int[mask.Length];
            var ns = ConnectedComponents.LabelScalar(mask, slow, sx, sy, sz, c);
            foreach (var slabs in new[] { 1, 2, 3, 5, 0 })
            {
                var fast = new int[mask.Length];
                Array.Fill(fast, -7); // stale labels must be overwritten
                var nf = ConnectedComponents.Label(mask, fast, sx, sy, sz, c, slabs);
                Assert.Equal(ns, nf);
                Assert.Equal(slow, fast);
            }
        }
    }

    /// <summary>A large mask takes the automatic parallel path (one slab per core) and must still equal the flood fill.</summary>
    [Fact]
    public void Label_LargeMask_AutomaticSlabsEqualFloodFill()
    {
        const int sx = 128, sy = 96, sz = 100; // above ParallelMinimum
        Assert.True(sx * sy * sz >= ConnectedComponents.ParallelMinimum);
        var mask = KernelTestData.Mask(sx * sy * sz, 0.35, 77);
        var slow = new int[mask.Length];
        var fast = new int[mask.Length];
        foreach (var c in new[] { Connectivity.Six, Connectivity.TwentySix })
        {
            var ns = ConnectedComponents.LabelScalar(mask, slow, sx, sy, sz, c);
            Assert.Equal(ns, ConnectedComponents.Label(mask, fast, sx, sy, sz, c));
            Assert.Equal(slow, fast);
        }
    }

    [Fact]
    public void Label_DiagonalNeighbours_JoinOnlyAtTheRightConnectivity()
    {
        // Two voxels sharing an edge (dx=1, dy=1) and one sharing only a corner with the second (dx, dy, dz = 1).
        var mask = new byte[3 * 3 * 3];
        mask[0] = 1;                      // (0,0,0)
        mask[1 * 3 + 1] = 1;              // (1,1,0): edge neighbour of (0,0,0)
        mask[(1 * 3 + 2) * 3 + 2] = 1;    // (2,2,1): corner neighbour of (1,1,0)
        var labels = new int[27];
        Assert.Equal(3, ConnectedComponents.Label(mask, labels, 3, 3, 3, Connectivity.Six));
        Assert.Equal(2, ConnectedComponents.Label(mask, labels, 3, 3, 3, Connectivity.Eighteen));
        Assert.Equal(1, ConnectedComponents.Label(mask, labels, 3, 3, 3, Connectivity.TwentySix));
    }
}

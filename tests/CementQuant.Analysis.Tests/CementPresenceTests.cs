using CementQuant.Analysis.Cement;
using CementQuant.Phantom;

namespace CementQuant.Analysis.Tests;

/// <summary>The presence decision on small synthetic bodies (1 mm voxels), and the reformats it is tested on.</summary>
public sealed class CementPresenceTests
{
    private const int N = 30;
    private static readonly ImageGeometry Grid = new(new Vec3(0, 0, 0), new Vec3(1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 1));
    private static readonly VoxelRegion Region = new(0, 0, 0, N, N, N);

    /// <summary>A 24 mm cube body of 150 HU trabecular bone with a 1 mm 600 HU cortex; <paramref name="paint"/> adds density.</summary>
    private static (short[] Values, byte[] Body) Body(Func<int, int, int, short?> paint)
    {
        var values = new short[N * N * N];
        var body = new byte[N * N * N];
        for (var z = 0; z < N; z++)
            for (var y = 0; y < N; y++)
                for (var x = 0; x < N; x++)
                {
                    var i = Region.Index(x, y, z);
                    var inside = x is >= 3 and < 27 && y is >= 3 and < 27 && z is >= 3 and < 27;
                    body[i] = inside ? (byte)1 : (byte)0;
                    var cortex = inside && (x is 3 or 26 || y is 3 or 26 || z is 3 or 26);
                    values[i] = paint(x, y, z) ?? (short)(cortex ? 600 : inside ? 150 : 0);
                }
        return (values, body);
    }

    private static List<int> Candidate(short[] values, byte[] body, double t) =>
        [.. Enumerable.Range(0, values.Length).Where(i => body[i] == 1 && values[i] >= t)];

    [Fact]
    public void Decide_DeepPlateauBlob_IsPresent()
    {
        var (values, body) = Body((x, y, z) => (x - 15) * (x - 15) + (y - 15) * (y - 15) + (z - 15) * (z - 15) <= 36 ? (short)2200 : null);
        var c = Candidate(values, body, 1175);
        var d = CementPresence.Decide(values, body, Region, Grid, c, 1500, 1175, 0.01);
        Assert.Equal(CementVerdict.Present, d.Verdict);
        Assert.True(d.CoreMl > 0.5, d.Reason);
    }

    [Fact]
    public void Decide_DenseRimAtBodySurface_IsNotAssessable()
    {
        // Sclerotic endplate or contrast at the edge: 1800 HU, but only in the outer 2 mm of the body.
        var (values, body) = Body((x, y, z) => z is 25 or 26 && x is >= 3 and < 27 && y is >= 3 and < 27 ? (short)1800 : null);
        var c = Candidate(values, body, 975);
        var d = CementPresence.Decide(values, body, Region, Grid, c, 1500, 975, 0.01);
        Assert.Equal(CementVerdict.NotAssessable, d.Verdict);
    }

    [Fact]
    public void Decide_GradedDensityDeepInBody_IsNotAssessable()
    {
        // A deep region whose density ramps from 800 to 1900 HU: the volume called dense moves with the threshold.
        var (values, body) = Body((x, y, z) =>
        {
            var r = Math.Sqrt((x - 15) * (x - 15) + (y - 15) * (y - 15) + (z - 15) * (z - 15));
            return r <= 8 ? (short)(1900 - r * 140) : null;
        });
        var c = Candidate(values, body, 1000);
        var d = CementPresence.Decide(values, body, Region, Grid, c, 1500, 1000, 0.01);
        Assert.Equal(CementVerdict.NotAssessable, d.Verdict);
    }

    [Fact]
    public void Decide_NothingAboveThreshold_IsNone()
    {
        var (values, body) = Body((_, _, _) => null);
        Assert.Equal(CementVerdict.None, CementPresence.Decide(values, body, Region, Grid, [], 1500, 1000, 0.01).Verdict);
    }

    [Theory]
    [InlineData(Reformat.Plane.Sagittal)]
    [InlineData(Reformat.Plane.Coronal)]
    public void Permute_AnyPlane_KeepsEveryVoxelAtItsPatientPosition(Reformat.Plane plane)
    {
        var g = new ImageGeometry(new Vec3(10, -20, 30), new Vec3(-0.8, 0, 0), new Vec3(0, -0.8, 0), new Vec3(0, 0, 2.5));
        var ct = new Volume<short>(5, 4, 3, g, [.. Enumerable.Range(0, 60).Select(i => (short)i)]);
        var r = Reformat.Permute(ct, plane);
        for (var k = 0; k < r.SizeZ; k++)
            for (var j = 0; j < r.SizeY; j++)
                for (var i = 0; i < r.SizeX; i++)
                {
                    var (x, y, z) = g.ToVoxel(r.Geometry.ToPatient(i, j, k));
                    Assert.Equal(ct[(int)Math.Round(x), (int)Math.Round(y), (int)Math.Round(z)], r[i, j, k]);
                }
        Assert.True(Math.Abs(r.Geometry.SliceNormal.Dot(plane == Reformat.Plane.Sagittal ? new Vec3(1, 0, 0) : new Vec3(0, 1, 0))) > 0.99);
    }

    [Fact]
    public void Thicken_ThreeSlices_AveragesAndCentresTheThickSlice()
    {
        var g = new ImageGeometry(new Vec3(0, 0, 0), new Vec3(1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 1));
        var ct = new Volume<short>(1, 1, 7, g, [0, 30, 60, 90, 120, 150, 180]);
        var r = Reformat.Thicken(ct, 3);
        Assert.Equal(2, r.SizeZ);
        Assert.Equal([30, 120], r.Data);
        Assert.Equal(1, r.Geometry.ToPatient(0, 0, 0).Z, 9);
        Assert.Equal(3, r.Geometry.SliceSpacing, 9);
    }
}

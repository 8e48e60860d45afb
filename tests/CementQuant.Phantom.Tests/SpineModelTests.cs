using CementQuant.Phantom;

namespace CementQuant.Phantom.Tests;

public class SpineModelTests
{
    [Fact]
    public void Constructor_DefaultLumbar_LordosisIsConvexAnteriorly()
    {
        var m = PhantomCatalogue.Get("no-cement").Model;
        var l1 = m["L1"]; var l3 = m["L3"]; var l5 = m["L5"];
        // −y is anterior: the apex (L3) lies in front of L1 and L5.
        Assert.True(l3.Frame.Origin.Y < l1.Frame.Origin.Y && l3.Frame.Origin.Y < l5.Frame.Origin.Y);
        Assert.True(l1.CranialAxis.Y > 0, "L1's cranial axis leans posteriorly");
        Assert.True(l5.CranialAxis.Y < 0, "L5's cranial axis leans anteriorly");
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, m.Vertebrae.Select(v => v.Label));
        Assert.True(l1.Frame.Origin.Z > l5.Frame.Origin.Z);
    }

    [Theory]
    [InlineData("rotated-scoliotic")]
    [InlineData("t12-to-sacrum")]
    public void Model_CatalogueSpines_BodiesNeverOverlap(string name)
    {
        var m = PhantomCatalogue.Get(name).Model;
        var (lo, hi) = m.SpineBounds;
        for (var z = lo.Z; z < hi.Z; z += 1.1)
            for (var y = lo.Y; y < hi.Y; y += 1.1)
                for (var x = lo.X; x < hi.X; x += 1.1)
                {
                    var p = new Vec3(x, y, z);
                    var inside = m.Vertebrae.Count(v => v.InBody(v.Frame.ToLocal(p)));
                    Assert.True(inside <= 1, $"{p} is inside {inside} bodies");
                }
    }

    [Fact]
    public void Sample_KnownPoints_ExpectedTissue()
    {
        var c = PhantomCatalogue.Get("worked-example");
        var m = c.Model; var l3 = m["L3"];
        Assert.Equal(Material.Cement, m.Sample(l3.Frame.ToPatient(10.5, -2, -1)).Material);
        Assert.Equal(Material.Cleft, m.Sample(l3.Frame.ToPatient(6, -3, 9.5)).Material);
        var trabecular = m.Sample(l3.Frame.ToPatient(-10, -2, 0));
        Assert.Equal(Material.Trabecular, trabecular.Material);
        Assert.Equal(3, trabecular.Body);
        Assert.Equal(Material.Cortex, m.Sample(l3.Frame.ToPatient(-l3.HalfWidth + 0.3, 0, 0)).Material);
        Assert.Equal(Material.Csf, m.Sample(l3.Frame.ToPatient(0, l3.CanalCenterV, 0)).Material);
        Assert.Equal(Material.Disc, m.Sample(l3.Frame.ToPatient(0, 0, l3.HalfHeight + 4)).Material);
        Assert.Equal(Material.Air, m.Sample(new Vec3(0, 400, 0)).Material);
        Assert.Equal(-1000f, m.Sample(new Vec3(0, 400, 0)).Hu);
    }
}

using CementQuant.Phantom;
using CsCheck;

namespace CementQuant.Phantom.Tests;

public class PropertyTests
{
    private static readonly Gen<CementEllipsoid> Ellipsoids =
        from cu in Gen.Double[-12, 12]
        from cv in Gen.Double[-8, 6]
        from cw in Gen.Double[-6, 6]
        from au in Gen.Double[2, 9]
        from av in Gen.Double[2, 8]
        from aw in Gen.Double[2, 8]
        select new CementEllipsoid(new Vec3(cu, cv, cw), new Vec3(au, av, aw));

    [Fact]
    public void Compute_MirroredCement_SwapsLeftAndRightAndKeepsTotal()
    {
        Ellipsoids.Sample(e =>
        {
            var t = TruthCalculator.Compute(Shared.L3With(e))["L3"];
            var mirrored = e with { Center = e.Center with { X = -e.Center.X } };
            var m = TruthCalculator.Compute(Shared.L3With(mirrored))["L3"];
            Assert.Equal(t.CementLeftMl + t.CementRightMl, t.CementVolumeMl, 12);
            Assert.Equal(t.CementLeftMl, m.CementRightMl, 12);
            Assert.Equal(t.CementRightMl, m.CementLeftMl, 12);
            Assert.Equal(t.SuperiorGapMm!.Value, m.SuperiorGapMm!.Value, 5); // atan2 of mirrored points differs in the last bits
        }, iter: 12, threads: 1);
    }
}

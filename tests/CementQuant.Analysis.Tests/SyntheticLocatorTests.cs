using CementQuant.Analysis.Vertebrae;

namespace CementQuant.Analysis.Tests;

public sealed class SyntheticLocatorTests
{
    private static double AngleDeg(Vec3 a, Vec3 b) => Math.Acos(Math.Clamp(Math.Abs(a.Normalized().Dot(b.Normalized())), -1, 1)) * 180 / Math.PI;

    [Fact]
    public void Locate_ColumnRotated10Degrees_FindsEachBodyWithItsMidsagittalPlane()
    {
        var ph = SyntheticColumn.Build(rotationDeg: 10);
        var r = VertebraLocator.Locate(ph.Hu, VertebraLocatorOptions.Default);
        Assert.Equal(3, r.Vertebrae.Count);
        for (var b = 1; b <= 3; b++)
        {
            var roi = r.Vertebrae[b - 1];
            var (c, n) = ph.TruthBody(b);
            Assert.Equal(b, roi.Index);
            Assert.Equal($"V{b}", roi.Label);
            Assert.Equal("index", roi.LabelSource);
            Assert.True((roi.Centroid - c).Length < 1.0, $"body {b}: centroid {roi.Centroid} vs truth {c}");
            Assert.True(AngleDeg(roi.MidsagittalNormal, ph.Left) < 2, $"body {b}: normal {roi.MidsagittalNormal} vs {ph.Left}");
            Assert.True(roi.MidsagittalNormal.X > 0, "normal points to patient left");
            Assert.True(AngleDeg(roi.Frame.Superior, new Vec3(0, 0, 1)) < 3, $"body {b}: superior {roi.Frame.Superior}");
            Assert.True(ph.Dice(roi.Body, b) > 0.95, $"body {b}: Dice {ph.Dice(roi.Body, b):0.000}");
            Assert.InRange(roi.VolumeMl, 0.95 * n / 1000.0, 1.05 * n / 1000.0);
            Assert.DoesNotContain(VertebraQc.PartialFov, roi.Qc);
        }
        Assert.Contains(VertebraQc.LabelsByIndex, r.Qc);
    }

    [Fact]
    public void Locate_MirroredStorage_GivesTheSameLeftAndRight()
    {
        var a = VertebraLocator.Locate(SyntheticColumn.Build(rotationDeg: 10).Hu, VertebraLocatorOptions.Default);
        var b = VertebraLocator.Locate(SyntheticColumn.Build(rotationDeg: 10, mirrored: true).Hu, VertebraLocatorOptions.Default);
        Assert.Equal(a.Vertebrae.Count, b.Vertebrae.Count);
        for (var i = 0; i < a.Vertebrae.Count; i++)
        {
            Assert.True((a.Vertebrae[i].Centroid - b.Vertebrae[i].Centroid).Length < 0.5);
            Assert.True(AngleDeg(a.Vertebrae[i].MidsagittalNormal, b.Vertebrae[i].MidsagittalNormal) < 1);
            Assert.True(a.Vertebrae[i].MidsagittalNormal.Dot(b.Vertebrae[i].MidsagittalNormal) > 0, "same side is left");
        }
    }

    [Fact]
    public void Locate_CementFilledBody_StaysOneBodyAndIsNotBiased()
    {
        var ph = SyntheticColumn.Build(rotationDeg: 10, cementMiddle: true);
        var r = VertebraLocator.Locate(ph.Hu, VertebraLocatorOptions.Default);
        Assert.Equal(3, r.Vertebrae.Count);
        var mid = r.Vertebrae[1];
        var (c, n) = ph.TruthBody(2);
        Assert.True(ph.Dice(mid.Body, 2) > 0.95, $"Dice {ph.Dice(mid.Body, 2):0.000}");
        Assert.InRange(mid.VolumeMl, 0.95 * n / 1000.0, 1.05 * n / 1000.0);
        Assert.True((mid.Centroid - c).Length < 1.0);
        // Cement lumped on one side must not tilt the symmetry plane.
        Assert.True(AngleDeg(mid.MidsagittalNormal, ph.Left) < 2, $"normal {mid.MidsagittalNormal}");
    }

    [Fact]
    public void Locate_EndplateSurfaces_LieOnTheBodysTopAndBottom()
    {
        var ph = SyntheticColumn.Build();
        var r = VertebraLocator.Locate(ph.Hu, VertebraLocatorOptions.Default);
        var roi = r.Vertebrae[1];
        var zc = roi.Centroid.Z;
        var top = SyntheticColumn.BodyBottom(2) + SyntheticColumn.BodyHeight - 0.5; // outer boundary of the top voxel layer
        var bottom = SyntheticColumn.BodyBottom(2) - 0.5;
        Assert.InRange(roi.Superior.HeightAt(0, 0), top - zc - 1, top - zc + 1);
        Assert.InRange(roi.Inferior.HeightAt(0, 0), bottom - zc - 1, bottom - zc + 1);
        Assert.True(double.IsNaN(roi.Superior.HeightAt(60, 0)));
    }

    [Fact]
    public void SurfaceFit_DomeWithLeakOutliers_RecoversTheEndplate()
    {
        // An endplate bowed 1.5 mm over 15 mm, tilted, with a leak lying on a quarter of it (crossings 4–8 mm out).
        static double Truth(double u, double v) => 2 + 0.08 * u - 0.05 * v - 1.5 / 225 * (u * u + v * v);
        var pts = new List<(double U, double V, double H)>();
        for (var v = -16.0; v <= 16; v += 2)
            for (var u = -16.0; u <= 16; u += 2)
            {
                if (u * u + v * v > 256) continue;
                var leak = u > 2 && v > 2 && u < 14 && v < 14;
                pts.Add((u, v, Truth(u, v) + (leak ? 4 + (u + v) / 6 : 0) + 0.2 * Math.Sin(3 * u + v)));
            }
        var fit = SurfaceFit.Robust(pts, dome: true);
        Assert.NotNull(fit);
        for (var v = -12.0; v <= 12; v += 4)
            for (var u = -12.0; u <= 12; u += 4)
                Assert.True(Math.Abs(fit.Value.At(u, v) - Truth(u, v)) < 0.3, $"({u}, {v}): {fit.Value.At(u, v):0.00} vs {Truth(u, v):0.00}");
        // A plain least-squares fit would be pulled by the leak by more than that.
        var plain = SurfaceFit.Fit(pts, dome: true, null, 0, 8);
        Assert.True(Math.Abs(plain!.Value.At(8, 8) - Truth(8, 8)) > 0.5);
    }

    [Fact]
    public void Options_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new VertebraLocatorOptions(workingSpacingMm: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VertebraLocatorOptions(boneHu: 300, cementHu: 200));
    }

    [Fact]
    public void Locate_NoSpine_ReportsItAsQcNotException()
    {
        var g = new ImageGeometry(new Vec3(0, 0, 0), new Vec3(1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 1));
        var v = new Volume<short>(40, 40, 40, g);
        Array.Fill(v.Data, (short)40);
        var r = VertebraLocator.Locate(v, VertebraLocatorOptions.Default);
        Assert.Empty(r.Vertebrae);
        Assert.Contains(VertebraQc.NoSpineFound, r.Qc);
    }
}

using CementQuant.Analysis.Cement;

namespace CementQuant.Analysis.Tests;

/// <summary>The cement stage on a box body whose cement volumes, sides and gaps are known by hand.</summary>
public class CementAnalyzerTests
{
    private static VertebraMetrics Measure(SyntheticBody b, CementOptions? o = null) =>
        Assert.Single(new CementAnalyzer(o ?? new CementOptions()).Analyze(b.Hu, [b.Roi])).Metrics;

    private static readonly double SphereMl = 4.0 / 3 * Math.PI * 8 * 8 * 8 / 1000; // r = 8 mm: 2.145 mL

    [Fact]
    public void Analyze_SphereOnPatientRight_VolumeSideGapsAndFlagsAsByHand()
    {
        var b = SyntheticBody.Create(q => (q - new Vec3(-10, 0, 0)).Length <= 8);
        var m = Measure(b);
        Assert.InRange(m.CementVolumeMl, SphereMl * 0.95, SphereMl * 1.05);
        Assert.InRange(m.LeftFraction!.Value, 0, 0.03);
        Assert.Equal(0, m.ContralateralReachMm!.Value, 0.3); // sphere ends 2 mm short of the midline
        Assert.False(m.CrossesMidline);
        Assert.InRange(m.SuperiorGapMm!.Value, 4.5 - 0.3, 4.5 + 0.3);
        Assert.InRange(m.InferiorGapMm!.Value, 4.5 - 0.3, 4.5 + 0.3);
        Assert.Equal("neither", m.NpecType);
        Assert.Equal("mass_like", m.Pattern);
        Assert.Equal(["NPEC", "ASYMMETRIC_MASS_LIKE", "UNILATERAL", "LOW_FILL"], m.Flags);
        Assert.Equal(1, m.Components);
        Assert.InRange(m.Sphericity!.Value, 0.85, 1.0);
        Assert.InRange(m.Solidity!.Value, 0.9, 1.0);
    }

    [Fact]
    public void Analyze_CentredColumnTouchingBothEndplates_IsSymmetricBridgingAndNotNpec()
    {
        // A cylinder of radius 8 mm through the full height: touches both endplates on both sides.
        var b = SyntheticBody.Create(q => q.X * q.X + q.Y * q.Y <= 64);
        var m = Measure(b);
        var expected = Math.PI * 64 * 2 * SyntheticBody.HalfHeight / 1000;
        Assert.InRange(m.CementVolumeMl, expected * 0.95, expected * 1.05);
        Assert.InRange(m.LeftFraction!.Value, 0.47, 0.53);
        Assert.True(m.SuperiorContact); Assert.True(m.InferiorContact);
        Assert.True(m.BridgingLeft); Assert.True(m.BridgingRight);
        Assert.Equal("none", m.NpecType);
        Assert.False(m.Npec);
        Assert.True(m.CrossesMidline);
        Assert.InRange(m.ContralateralReachMm!.Value, 7.5, 8.5);
        Assert.DoesNotContain("NPEC", m.Flags);
        Assert.DoesNotContain("UNILATERAL", m.Flags);
    }

    [Fact]
    public void Analyze_LumpFiveMmBelowSuperiorEndplate_HasNoSuperiorContact()
    {
        // A slab from the inferior endplate up to 5 mm below the superior one.
        var top = SyntheticBody.HalfHeight - 5;
        var b = SyntheticBody.Create(q => Math.Abs(q.X) <= 10 && Math.Abs(q.Y) <= 8 && q.Z <= top);
        var m = Measure(b);
        Assert.False(m.SuperiorContact);
        Assert.True(m.InferiorContact);
        Assert.InRange(m.SuperiorGapMm!.Value, 4.7, 5.3);
        Assert.Equal("inferior_only", m.NpecType);
    }

    [Fact]
    public void Analyze_RotatedBody_SplitsAboutItsOwnMidsagittalPlane()
    {
        // Cement on the body's left, body rotated 10° about the vertical: still all left.
        var b = SyntheticBody.Create(q => (q - new Vec3(10, 0, 0)).Length <= 7, rotationDeg: 10);
        var m = Measure(b);
        Assert.InRange(m.LeftFraction!.Value, 0.97, 1.0);
    }

    [Fact]
    public void Analyze_GasCleftUnderSuperiorEndplate_IsMeasured()
    {
        var b = SyntheticBody.Create(q => (q - new Vec3(-10, 0, -2)).Length <= 6, gas: q => Math.Abs(q.X + 8) <= 5 && Math.Abs(q.Y) <= 5 && q.Z is > 7 and < 10);
        var m = Measure(b);
        var expected = 10 * 10 * 3 / 1000.0;
        Assert.InRange(m.CleftVolumeMl, expected * 0.85, expected * 1.15);
        Assert.Contains("CLEFT", m.Flags);
        Assert.DoesNotContain(QcCodes.StreakArtifact, m.Qc);
    }

    /// <summary>
    /// Scattered single gas-dark voxels (no two of them 26-adjacent: x + 3y + 9z ≡ 0 mod 14 only at the offset 0) in a
    /// 7 mm slab, about 1.7 % of the body: beam-hardening streaks, not a cleft (METRICS.md qc STREAK_ARTIFACT).
    /// </summary>
    [Fact]
    public void Analyze_ScatteredDarkVoxels_AreStreaksNotACleft()
    {
        static bool Streak(Vec3 q) => Math.Abs(q.Z) < 3.5
            && (((int)Math.Round(q.X) + 3 * (int)Math.Round(q.Y) + 9 * (int)Math.Round(q.Z)) % 14 + 14) % 14 == 0;
        var b = SyntheticBody.Create(q => (q - new Vec3(-10, 0, -2)).Length <= 6, voxel: 1.0, gas: Streak);
        var m = Measure(b);
        Assert.Contains(QcCodes.StreakArtifact, m.Qc);
        Assert.Equal(0, m.CleftVolumeMl);
        Assert.DoesNotContain("CLEFT", m.Flags);
    }

    [Fact]
    public void Analyze_NoCement_ReportsNoneWithoutFlags()
    {
        var m = Measure(SyntheticBody.Create(_ => false));
        Assert.Equal(0, m.CementVolumeMl);
        Assert.Null(m.LeftFraction);
        Assert.Equal("none", m.Pattern);
        Assert.Empty(m.Flags);
        Assert.Null(m.ThresholdHu);
    }

    [Fact]
    public void Analyze_RaisingTheThreshold_NeverAddsCement()
    {
        var b = SyntheticBody.Create(q => (q - new Vec3(-5, 0, 0)).Length <= 7 || (Math.Abs(q.X - 8) < 1.5 && Math.Abs(q.Y) < 6 && Math.Abs(q.Z) < 6));
        var last = double.MaxValue;
        foreach (var t in new[] { 600.0, 900, 1200, 1500, 1800, 2100, 2400 })
        {
            var m = Measure(b, new CementOptions { ThresholdHu = t });
            Assert.True(m.CementVolumeMl <= last + 1e-9, $"threshold {t}: {m.CementVolumeMl} mL > {last} mL");
            last = m.CementVolumeMl;
        }
    }
}

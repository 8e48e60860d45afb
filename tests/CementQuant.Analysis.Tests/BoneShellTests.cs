using CementQuant.Analysis.Vertebrae;

namespace CementQuant.Analysis.Tests;

/// <summary>
/// <see cref="BoneShell"/> on synthetic candidates whose make-up is known by construction: a vertebral body (a cortical
/// shell around trabecular bone), the same body with a cement ball in its middle (partial voxels around it), and a
/// contrast-filled lumen (a dense core inside a wall that partial volume blurs), at 1 and 3 mm voxels.
/// </summary>
public sealed class BoneShellTests
{
    private const int CementHu = 1200;

    /// <summary>An ellipsoid (radii 18 × 15 × 12 mm) at the centre of a soft-tissue volume: voxels within
    /// <paramref name="shellMm"/> of its surface read <paramref name="shellHu"/>, the inside <paramref name="insideHu"/>,
    /// a ball of radius <paramref name="cementMm"/> at the centre 2500 HU; each voxel the mean of 3³ sub-samples
    /// (partial volume). The mask is the ellipsoid.</summary>
    private static (Volume<short> Hu, RoiMask Mask) Candidate(double voxelMm, short shellHu, short insideHu, double shellMm, double cementMm = 0)
    {
        var n = (int)Math.Ceiling(60 / voxelMm);
        var g = new ImageGeometry(new Vec3(-30, -30, -30), new Vec3(voxelMm, 0, 0), new Vec3(0, voxelMm, 0), new Vec3(0, 0, voxelMm));
        var hu = new Volume<short>(n, n, n, g);
        var mask = new RoiMask(0, 0, 0, n, n, n);
        for (var k = 0; k < n; k++)
            for (var j = 0; j < n; j++)
                for (var i = 0; i < n; i++)
                {
                    double sum = 0;
                    for (var s = 0; s < 27; s++)
                    {
                        var p = g.ToPatient(i + (s % 3 - 1) / 3.0, j + (s / 3 % 3 - 1) / 3.0, k + (s / 9 - 1) / 3.0);
                        sum += Value(p);
                    }
                    hu[i, j, k] = (short)Math.Round(sum / 27);
                    var c = g.ToPatient(i, j, k);
                    if (Radius(c) <= 1) mask.Mask[mask.Index(i, j, k)] = 1;
                }
        return (hu, mask);

        static double Radius(Vec3 p) => Math.Sqrt(p.X * p.X / (18 * 18) + p.Y * p.Y / (15 * 15) + p.Z * p.Z / (12 * 12));

        double Value(Vec3 p)
        {
            var r = Radius(p);
            if (r > 1) return 20;
            if (p.Length <= cementMm) return 2500;
            // Depth below the surface, approximately (the smallest radius times the radial remainder).
            return (1 - r) * 12 <= shellMm ? shellHu : insideHu;
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(3.0)]
    public void LooksLikeBone_VertebralBody_True(double voxelMm)
    {
        var (hu, mask) = Candidate(voxelMm, shellHu: 700, insideHu: 150, shellMm: 1.5);
        Assert.True(BoneShell.LooksLikeBone(hu, mask, CementHu), $"{BoneShell.Medians(hu, mask, CementHu)}");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(3.0)]
    public void LooksLikeBone_CementedBody_True(double voxelMm)
    {
        var (hu, mask) = Candidate(voxelMm, shellHu: 700, insideHu: 150, shellMm: 1.5, cementMm: 8);
        Assert.True(BoneShell.LooksLikeBone(hu, mask, CementHu), $"{BoneShell.Medians(hu, mask, CementHu)}");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(3.0)]
    public void LooksLikeBone_ContrastLumen_False(double voxelMm)
    {
        // Blood with contrast at 450 HU inside a 1.5 mm vessel wall of 40 HU.
        var (hu, mask) = Candidate(voxelMm, shellHu: 40, insideHu: 450, shellMm: 1.5);
        Assert.False(BoneShell.LooksLikeBone(hu, mask, CementHu), $"{BoneShell.Medians(hu, mask, CementHu)}");
    }
}

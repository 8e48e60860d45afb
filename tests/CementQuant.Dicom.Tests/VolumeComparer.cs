namespace CementQuant.Dicom.Tests;

/// <summary>
/// Compares two volumes in patient space: finds the signed axis permutation that maps voxel indices of
/// one onto the other (dcm2niix flips and reorders axes as it likes), checks that corresponding voxels
/// sit at the same LPS position, and counts voxels whose values differ.
/// </summary>
public static class VolumeComparer
{
    public sealed record Result(double MaxPositionErrorMm, long Differences, long Compared, int MaxAbsDifference, string Mapping);

    public static Result Compare(Volume<short> a, Volume<short> b, int tolerance = 0)
    {
        var ga = a.Geometry; var gb = b.Geometry;
        // Where do a's origin and unit steps land in b's index space?
        var o = gb.ToVoxel(ga.ToPatient(0, 0, 0));
        var ex = Sub(gb.ToVoxel(ga.ToPatient(1, 0, 0)), o);
        var ey = Sub(gb.ToVoxel(ga.ToPatient(0, 1, 0)), o);
        var ez = Sub(gb.ToVoxel(ga.ToPatient(0, 0, 1)), o);
        int[] Round3((double, double, double) v) => [(int)Math.Round(v.Item1), (int)Math.Round(v.Item2), (int)Math.Round(v.Item3)];
        var O = Round3(o); var X = Round3(ex); var Y = Round3(ey); var Z = Round3(ez);
        var mapping = $"origin→({string.Join(",", O)}) x→({string.Join(",", X)}) y→({string.Join(",", Y)}) z→({string.Join(",", Z)})";
        if (Math.Abs(o.Item1 - O[0]) > 0.01 || Math.Abs(o.Item2 - O[1]) > 0.01 || Math.Abs(o.Item3 - O[2]) > 0.01)
            throw new Xunit.Sdk.XunitException($"grids are not aligned: a's origin falls at b index {o}");

        // Position error at the eight corners.
        var maxErr = 0.0;
        foreach (var i in new[] { 0, a.SizeX - 1 })
            foreach (var j in new[] { 0, a.SizeY - 1 })
                foreach (var k in new[] { 0, a.SizeZ - 1 })
                {
                    var bi = O[0] + X[0] * i + Y[0] * j + Z[0] * k;
                    var bj = O[1] + X[1] * i + Y[1] * j + Z[1] * k;
                    var bk = O[2] + X[2] * i + Y[2] * j + Z[2] * k;
                    maxErr = Math.Max(maxErr, (ga.ToPatient(i, j, k) - gb.ToPatient(bi, bj, bk)).Length);
                }

        long diffs = 0, compared = 0; var maxAbs = 0;
        for (var k = 0; k < a.SizeZ; k++)
            for (var j = 0; j < a.SizeY; j++)
                for (var i = 0; i < a.SizeX; i++)
                {
                    var bi = O[0] + X[0] * i + Y[0] * j + Z[0] * k;
                    var bj = O[1] + X[1] * i + Y[1] * j + Z[1] * k;
                    var bk = O[2] + X[2] * i + Y[2] * j + Z[2] * k;
                    if ((uint)bi >= b.SizeX || (uint)bj >= b.SizeY || (uint)bk >= b.SizeZ) { diffs++; continue; }
                    compared++;
                    var d = Math.Abs(a[i, j, k] - b[bi, bj, bk]);
                    if (d > maxAbs) maxAbs = d;
                    if (d > tolerance) diffs++;
                }
        return new Result(maxErr, diffs, compared, maxAbs, mapping);
    }

    private static (double, double, double) Sub((double I, double J, double K) a, (double I, double J, double K) b) => (a.I - b.I, a.J - b.J, a.K - b.K);
}

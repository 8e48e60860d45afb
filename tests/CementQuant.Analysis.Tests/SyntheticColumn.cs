namespace CementQuant.Analysis.Tests;

/// <summary>
/// A small synthetic lumbar column (until the project's phantom generator lands): three bodies with an
/// elliptical, posteriorly flattened cross-section (cortex 600 HU, 2 mm; trabecular 180 HU), discs of
/// 90 HU between them, a spinal canal (15 HU) walled by a bony arch at body levels, soft tissue around.
/// The column can be rotated about the vertical axis, stored mirrored, and a body can be filled with cement.
/// Truth: the body label (1, 2, 3 from the top) per voxel.
/// </summary>
internal sealed class SyntheticColumn
{
    public const double BodyA = 20, BodyB = 15, PosteriorFlat = 11, BodyHeight = 24, DiscHeight = 8;

    public required Volume<short> Hu { get; init; }
    public required byte[] Truth { get; init; }
    /// <summary>Unit lateral axis of the column (toward patient left) in LPS.</summary>
    public required Vec3 Left { get; init; }

    public static SyntheticColumn Build(double rotationDeg = 0, bool mirrored = false, bool cementMiddle = false)
    {
        const int N = 120, NZ = 108;
        const double Step = 1.0;
        var th = rotationDeg * Math.PI / 180;
        double c = Math.Cos(th), s = Math.Sin(th);
        // Patient coordinates: body axis at x = 0, y = 0; voxel i runs along +x (or −x when mirrored).
        var origin = new Vec3(mirrored ? (N - 1) / 2.0 * Step : -(N - 1) / 2.0 * Step, -(N - 1) / 2.0 * Step, 0);
        var geometry = new ImageGeometry(origin, new Vec3(mirrored ? -Step : Step, 0, 0), new Vec3(0, Step, 0), new Vec3(0, 0, Step));
        var hu = new Volume<short>(N, N, NZ, geometry);
        var truth = new byte[hu.Data.Length];
        for (var k = 0; k < NZ; k++)
            for (var j = 0; j < N; j++)
                for (var i = 0; i < N; i++)
                {
                    var p = geometry.ToPatient(i, j, k);
                    double u = c * p.X + s * p.Y, v = -s * p.X + c * p.Y, z = p.Z;
                    var (value, label) = Tissue(u, v, z, cementMiddle);
                    var idx = hu.IndexOf(i, j, k);
                    hu.Data[idx] = value;
                    truth[idx] = label;
                }
        return new SyntheticColumn { Hu = hu, Truth = truth, Left = new Vec3(c, s, 0) };
    }

    /// <summary>Bottom z of body b (1 = top body).</summary>
    public static double BodyBottom(int b) => 2 + DiscHeight + (3 - b) * (BodyHeight + DiscHeight);

    private static (short Hu, byte Label) Tissue(double u, double v, double z, bool cement)
    {
        // Patient outline: an ellipse centred 40 mm anterior of the column.
        var pu = u / 120; var pv = (v + 40) / 90;
        if (pu * pu + pv * pv > 1) return (-1000, 0);
        var e = (u / BodyA) * (u / BodyA) + (v / BodyB) * (v / BodyB);
        var inColumn = e <= 1 && v <= PosteriorFlat;
        // Which body or disc along z.
        for (var b = 1; b <= 3; b++)
        {
            var z0 = BodyBottom(b); var z1 = z0 + BodyHeight;
            if (z < z0 || z >= z1) continue;
            if (inColumn)
            {
                var ei = (u / (BodyA - 2)) * (u / (BodyA - 2)) + (v / (BodyB - 2)) * (v / (BodyB - 2));
                var shell = ei > 1 || v > PosteriorFlat - 2 || z < z0 + 2 || z >= z1 - 2;
                if (cement && b == 2 && !shell && u > -4 && u < 12 && Math.Abs(v) < 8 && z > z0 + 5 && z < z1 - 5) return (2500, (byte)b);
                return (shell ? (short)600 : (short)180, (byte)b);
            }
            // Bony arch around the canal at body levels (pedicles, laminae).
            var dv = v - 21; var r = Math.Sqrt(u * u + dv * dv);
            if (r <= 8) return (15, 0);
            if (r <= 13 && z > z0 + 4 && z < z1 - 4) return (500, 0);
            return (40, 0);
        }
        if (inColumn) return (90, 0); // disc
        var rr = Math.Sqrt(u * u + (v - 21) * (v - 21));
        return rr <= 8 ? ((short)15, (byte)0) : ((short)40, (byte)0);
    }

    /// <summary>Centroid (LPS) and voxel count of truth body b.</summary>
    public (Vec3 Centroid, long Count) TruthBody(int b)
    {
        double sx = 0, sy = 0, sz = 0; long n = 0;
        for (var k = 0; k < Hu.SizeZ; k++)
            for (var j = 0; j < Hu.SizeY; j++)
                for (var i = 0; i < Hu.SizeX; i++)
                    if (Truth[Hu.IndexOf(i, j, k)] == b) { sx += i; sy += j; sz += k; n++; }
        return (Hu.Geometry.ToPatient(sx / n, sy / n, sz / n), n);
    }

    public double Dice(RoiMask m, int b)
    {
        long inter = 0, a = 0, t = 0;
        for (var i = 0; i < Truth.Length; i++) if (Truth[i] == b) t++;
        for (var z = 0; z < m.SizeZ; z++)
            for (var y = 0; y < m.SizeY; y++)
                for (var x = 0; x < m.SizeX; x++)
                {
                    if (m.Mask[(z * m.SizeY + y) * m.SizeX + x] == 0) continue;
                    a++;
                    if (Truth[Hu.IndexOf(x + m.X0, y + m.Y0, z + m.Z0)] == b) inter++;
                }
        return 2.0 * inter / (a + t);
    }
}

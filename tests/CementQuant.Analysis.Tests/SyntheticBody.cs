namespace CementQuant.Analysis.Tests;

/// <summary>
/// A box-shaped vertebral body with analytic cement, rendered with partial volume (3×3×3 samples per
/// voxel), and the exact ROI (mask, frame, flat endplates, midsagittal plane x = 0). Small enough to
/// reason about by hand; the phantom generator covers realistic anatomy.
/// </summary>
internal sealed class SyntheticBody
{
    public const double HalfWidth = 20, HalfDepth = 15, HalfHeight = 12.5;
    public const short Trabecular = 100, Cortex = 800, Cement = 2500, Soft = 40, Gas = -900;

    public required Volume<short> Hu { get; init; }
    public required VertebraRoi Roi { get; init; }

    /// <summary>Renders cement given as an inside-test in patient coordinates (body centred at the origin, axes = LPS).</summary>
    public static SyntheticBody Create(Func<Vec3, bool> cement, double voxel = 0.5, Func<Vec3, bool>? gas = null, double rotationDeg = 0)
    {
        var margin = 10.0;
        var nx = (int)((2 * (HalfWidth + margin)) / voxel);
        var ny = (int)((2 * (HalfDepth + margin)) / voxel);
        var nz = (int)((2 * (HalfHeight + margin)) / voxel);
        var origin = new Vec3(-(HalfWidth + margin), -(HalfDepth + margin), -(HalfHeight + margin));
        // Axial rotation of the body (about +z): the analysis must follow the body's own frame.
        var (s, c) = Math.SinCos(rotationDeg * Math.PI / 180);
        var left = new Vec3(c, s, 0); var post = new Vec3(-s, c, 0); var sup = new Vec3(0, 0, 1);
        var g = new ImageGeometry(origin, new Vec3(voxel, 0, 0), new Vec3(0, voxel, 0), new Vec3(0, 0, voxel));
        var hu = new Volume<short>(nx, ny, nz, g);
        var mask = new RoiMask(0, 0, 0, nx, ny, nz);
        Vec3 ToBody(Vec3 p) => new(p.Dot(left), p.Dot(post), p.Dot(sup));
        Parallel.For(0, nz, k =>
        {
            for (var j = 0; j < ny; j++)
                for (var i = 0; i < nx; i++)
                {
                    double sum = 0;
                    for (var a = 0; a < 3; a++)
                        for (var b = 0; b < 3; b++)
                            for (var d = 0; d < 3; d++)
                            {
                                var p = g.ToPatient(i + (a - 1) / 3.0, j + (b - 1) / 3.0, k + (d - 1) / 3.0);
                                sum += Sample(ToBody(p), cement, gas);
                            }
                    hu[i, j, k] = (short)Math.Round(sum / 27);
                    var q = ToBody(g.ToPatient(i, j, k));
                    if (Math.Abs(q.X) <= HalfWidth && Math.Abs(q.Y) <= HalfDepth && Math.Abs(q.Z) <= HalfHeight) mask.Mask[mask.Index(i, j, k)] = 1;
                }
        });
        var step = 0.5;
        var nu = (int)(2 * HalfWidth / step) + 1; var nv = (int)(2 * HalfDepth / step) + 1;
        var supH = new float[nu * nv]; var infH = new float[nu * nv];
        Array.Fill(supH, (float)HalfHeight); Array.Fill(infH, (float)-HalfHeight);
        var roi = new VertebraRoi
        {
            Index = 1, Label = "L3", LabelSource = "segmentation", Body = mask,
            Frame = new LocalFrame(new Vec3(0, 0, 0), left, post, sup), Centroid = new Vec3(0, 0, 0),
            VolumeMl = 8 * HalfWidth * HalfDepth * HalfHeight / 1000,
            Superior = new EndplateSurface(-HalfWidth, -HalfDepth, step, nu, nv, supH),
            Inferior = new EndplateSurface(-HalfWidth, -HalfDepth, step, nu, nv, infH),
            MidsagittalPoint = new Vec3(0, 0, 0), MidsagittalNormal = left,
        };
        return new SyntheticBody { Hu = hu, Roi = roi };
    }

    private static double Sample(Vec3 q, Func<Vec3, bool> cement, Func<Vec3, bool>? gas)
    {
        var inside = Math.Abs(q.X) <= HalfWidth && Math.Abs(q.Y) <= HalfDepth && Math.Abs(q.Z) <= HalfHeight;
        if (!inside) return Soft;
        if (cement(q)) return Cement;
        if (gas?.Invoke(q) == true) return Gas;
        var cortex = Math.Abs(q.X) > HalfWidth - 1 || Math.Abs(q.Y) > HalfDepth - 1 || Math.Abs(q.Z) > HalfHeight - 1;
        return cortex ? Cortex : Trabecular;
    }
}

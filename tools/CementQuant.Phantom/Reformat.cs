namespace CementQuant.Phantom;

/// <summary>
/// Reformats of a real CT as other acquisitions a hospital sends: the same voxels stored as sagittal or coronal
/// slices (exact: only the index order and the geometry change), and thick slices (averaging neighbouring slices,
/// as a thick reconstruction does; the geometry puts each thick slice at the centre of the ones it averages).
/// </summary>
public static class Reformat
{
    public enum Plane { Axial, Sagittal, Coronal }

    /// <summary>
    /// Re-stores <paramref name="ct"/> so that its slices are <paramref name="plane"/> planes: sagittal slices step
    /// across the patient (columns anterior-posterior, rows superior-inferior), coronal slices step front to back
    /// (columns left-right, rows superior-inferior). Index axes are matched to patient axes by their direction.
    /// </summary>
    public static Volume<short> Permute(Volume<short> ct, Plane plane)
    {
        ArgumentNullException.ThrowIfNull(ct);
        var g = ct.Geometry;
        Vec3[] steps = [g.ColumnStep, g.RowStep, g.SliceStep];
        int[] sizes = [ct.SizeX, ct.SizeY, ct.SizeZ];
        // Index axis closest to patient x (left), y (posterior), z (superior).
        int Closest(Func<Vec3, double> component) =>
            Enumerable.Range(0, 3).MaxBy(a => Math.Abs(component(steps[a])) / steps[a].Length);
        int lr = Closest(v => v.X), ap = Closest(v => v.Y), si = Closest(v => v.Z);
        if (lr == ap || ap == si || lr == si) throw new ArgumentException("volume axes are too oblique to name a plane", nameof(ct));
        int[] order = plane switch
        {
            Plane.Sagittal => [ap, si, lr],
            Plane.Coronal => [lr, si, ap],
            _ => [lr, ap, si],
        };
        int nx = sizes[order[0]], ny = sizes[order[1]], nz = sizes[order[2]];
        var geometry = new ImageGeometry(g.Origin, steps[order[0]], steps[order[1]], steps[order[2]]);
        var data = new short[ct.Data.Length];
        var src = new int[3];
        for (var k = 0; k < nz; k++)
            for (var j = 0; j < ny; j++)
                for (var i = 0; i < nx; i++)
                {
                    src[order[0]] = i; src[order[1]] = j; src[order[2]] = k;
                    data[((long)k * ny + j) * nx + i] = ct.Data[ct.IndexOf(src[0], src[1], src[2])];
                }
        return new Volume<short>(nx, ny, nz, geometry, data);
    }

    /// <summary>Averages each run of <paramref name="factor"/> slices into one thick slice (a trailing partial run is dropped).</summary>
    public static Volume<short> Thicken(Volume<short> ct, int factor)
    {
        ArgumentNullException.ThrowIfNull(ct);
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        var nz = ct.SizeZ / factor;
        if (nz < 1) throw new ArgumentException($"{ct.SizeZ} slices are fewer than one thick slice of {factor}", nameof(ct));
        var g = ct.Geometry;
        var geometry = new ImageGeometry(g.Origin + g.SliceStep * ((factor - 1) / 2.0), g.ColumnStep, g.RowStep, g.SliceStep * factor);
        var n = ct.SliceLength;
        var data = new short[(long)n * nz];
        var sum = new int[n];
        for (var k = 0; k < nz; k++)
        {
            Array.Clear(sum);
            for (var f = 0; f < factor; f++)
            {
                var s = ct.Slice(k * factor + f);
                for (var i = 0; i < n; i++) sum[i] += s[i];
            }
            for (var i = 0; i < n; i++) data[(long)k * n + i] = (short)Math.Round(sum[i] / (double)factor);
        }
        return new Volume<short>(ct.SizeX, ct.SizeY, nz, geometry, data);
    }
}

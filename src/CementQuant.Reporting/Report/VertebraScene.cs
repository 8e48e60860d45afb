namespace CementQuant.Reporting.Report;

/// <summary>
/// What the pictures of one vertebra sample: the series' HU volume, and a label box cropped around the body
/// and its cement (bit <see cref="Body"/>, <see cref="Cement"/>, <see cref="Leak"/>), with the inverse of the
/// voxel→LPS mapping precomputed. Everything is sampled in patient space, so the stored orientation of the
/// series (mirrored rows, feet first, prone) never changes a picture.
/// </summary>
internal sealed class VertebraScene
{
    public const byte Body = 1, Cement = 2, Leak = 4;

    private readonly Volume<short> _hu;
    private readonly int _x0, _y0, _z0, _nx, _ny, _nz;
    private readonly byte[] _labels;
    // voxel index = M · (p − origin): the rows of the inverse of [ColumnStep RowStep SliceStep].
    private readonly Vec3 _mi, _mj, _mk, _origin;

    public VertebraScene(Volume<short> hu, VertebraRoi roi, ReportVertebra vertebra)
    {
        _hu = hu; Roi = roi; Vertebra = vertebra;
        var g = hu.Geometry;
        var det = g.ColumnStep.Dot(g.RowStep.Cross(g.SliceStep));
        _mi = g.RowStep.Cross(g.SliceStep) / det;
        _mj = g.SliceStep.Cross(g.ColumnStep) / det;
        _mk = g.ColumnStep.Cross(g.RowStep) / det;
        _origin = g.Origin;

        // Crop box: the body's box and every cement voxel of this vertebra, plus a margin for interpolation.
        var b = roi.Body;
        int x0 = b.X0, y0 = b.Y0, z0 = b.Z0, x1 = b.X0 + b.SizeX - 1, y1 = b.Y0 + b.SizeY - 1, z1 = b.Z0 + b.SizeZ - 1;
        foreach (var idx in vertebra.InBodyVoxels.Concat(vertebra.LeakVoxels))
        {
            var (x, y, z) = Voxel(idx);
            x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y); z0 = Math.Min(z0, z); z1 = Math.Max(z1, z);
        }
        const int pad = 2;
        _x0 = Math.Max(0, x0 - pad); _y0 = Math.Max(0, y0 - pad); _z0 = Math.Max(0, z0 - pad);
        _nx = Math.Min(hu.SizeX - 1, x1 + pad) - _x0 + 1;
        _ny = Math.Min(hu.SizeY - 1, y1 + pad) - _y0 + 1;
        _nz = Math.Min(hu.SizeZ - 1, z1 + pad) - _z0 + 1;
        _labels = new byte[checked(_nx * _ny * _nz)];

        var f = roi.Frame;
        var bodyMin = new Vec3(double.MaxValue, double.MaxValue, double.MaxValue);
        var bodyMax = -bodyMin;
        for (var z = 0; z < b.SizeZ; z++)
            for (var y = 0; y < b.SizeY; y++)
                for (var x = 0; x < b.SizeX; x++)
                {
                    if (b.Mask[(z * b.SizeY + y) * b.SizeX + x] == 0) continue;
                    int vx = b.X0 + x, vy = b.Y0 + y, vz = b.Z0 + z;
                    _labels[LabelIndex(vx, vy, vz)] |= Body;
                    var l = f.ToLocal(g.ToPatient(vx, vy, vz));
                    bodyMin = Min(bodyMin, l); bodyMax = Max(bodyMax, l);
                }
        if (bodyMin.X > bodyMax.X) { bodyMin = new Vec3(-20, -15, -12); bodyMax = -bodyMin; }
        BodyMin = bodyMin; BodyMax = bodyMax;

        // Cement: centroid of all in-body cement and of the larger side's (relative to the midsagittal plane).
        Vec3 sumL = default, sumR = default; long nL = 0, nR = 0;
        foreach (var idx in vertebra.InBodyVoxels)
        {
            var (x, y, z) = Voxel(idx);
            _labels[LabelIndex(x, y, z)] |= Cement;
            var p = g.ToPatient(x, y, z);
            if ((p - roi.MidsagittalPoint).Dot(roi.MidsagittalNormal) > 0) { sumL += p; nL++; } else { sumR += p; nR++; }
        }
        var leakMin = new Vec3(double.MaxValue, double.MaxValue, double.MaxValue);
        var leakMax = -leakMin;
        foreach (var idx in vertebra.LeakVoxels)
        {
            var (x, y, z) = Voxel(idx);
            _labels[LabelIndex(x, y, z)] |= Leak;
            var l = f.ToLocal(g.ToPatient(x, y, z));
            leakMin = Min(leakMin, l); leakMax = Max(leakMax, l);
        }
        HasCement = nL + nR > 0;
        CementCentre = HasCement ? (sumL + sumR) / (nL + nR) : roi.Centroid;
        LargerSideCentre = nL >= nR ? (nL > 0 ? sumL / nL : CementCentre) : sumR / nR;

        // What the pictures show, in the vertebra's local frame: the body with a margin, and any leak (capped).
        const double margin = 9, leakMargin = 3, leakCap = 30;
        var lo = bodyMin - new Vec3(margin, margin, margin);
        var hi = bodyMax + new Vec3(margin, margin, margin);
        if (leakMin.X <= leakMax.X)
        {
            lo = Max(Min(lo, leakMin - new Vec3(leakMargin, leakMargin, leakMargin)), bodyMin - new Vec3(leakCap, leakCap, leakCap));
            hi = Min(Max(hi, leakMax + new Vec3(leakMargin, leakMargin, leakMargin)), bodyMax + new Vec3(leakCap, leakCap, leakCap));
        }
        ViewMin = lo; ViewMax = hi;
    }

    public VertebraRoi Roi { get; }
    public ReportVertebra Vertebra { get; }
    public LocalFrame Frame => Roi.Frame;
    public ImageGeometry Geometry => _hu.Geometry;
    public bool HasCement { get; }
    /// <summary>Centroid of the in-body cement (the body centroid without cement), LPS.</summary>
    public Vec3 CementCentre { get; }
    /// <summary>Centroid of the in-body cement on its larger side of the midsagittal plane, LPS.</summary>
    public Vec3 LargerSideCentre { get; }
    /// <summary>Body extent in the local frame (left, posterior, superior), mm.</summary>
    public Vec3 BodyMin { get; }
    public Vec3 BodyMax { get; }
    /// <summary>The box the pictures show, in the local frame, mm.</summary>
    public Vec3 ViewMin { get; }
    public Vec3 ViewMax { get; }
    public double MinSpacing => Math.Min(Geometry.ColumnSpacing, Math.Min(Geometry.RowSpacing, Geometry.SliceSpacing));

    public (int X, int Y, int Z) Voxel(long index)
    {
        var plane = (long)_hu.SizeX * _hu.SizeY;
        var z = (int)(index / plane);
        var r = index - z * plane;
        return ((int)(r % _hu.SizeX), (int)(r / _hu.SizeX), z);
    }

    /// <summary>Continuous voxel coordinates of an LPS point.</summary>
    public (double I, double J, double K) ToVoxel(Vec3 p)
    {
        var d = p - _origin;
        return (d.Dot(_mi), d.Dot(_mj), d.Dot(_mk));
    }

    /// <summary>The change of continuous voxel coordinates for a step <paramref name="d"/> in patient space.</summary>
    public (double I, double J, double K) ToVoxelDelta(Vec3 d) => (d.Dot(_mi), d.Dot(_mj), d.Dot(_mk));

    private int LabelIndex(int x, int y, int z) => ((z - _z0) * _ny + (y - _y0)) * _nx + (x - _x0);

    /// <summary>Labels of the nearest voxel (0 outside the crop box).</summary>
    public byte LabelNearest(double i, double j, double k)
    {
        int x = (int)Math.Round(i) - _x0, y = (int)Math.Round(j) - _y0, z = (int)Math.Round(k) - _z0;
        return (uint)x < (uint)_nx && (uint)y < (uint)_ny && (uint)z < (uint)_nz ? _labels[(z * _ny + y) * _nx + x] : (byte)0;
    }

    /// <summary>HU of the nearest voxel (−1024 outside the volume).</summary>
    public short HuNearest(double i, double j, double k)
    {
        int x = (int)Math.Round(i), y = (int)Math.Round(j), z = (int)Math.Round(k);
        return (uint)x < (uint)_hu.SizeX && (uint)y < (uint)_hu.SizeY && (uint)z < (uint)_hu.SizeZ ? _hu.Data[_hu.IndexOf(x, y, z)] : (short)-1024;
    }

    /// <summary>
    /// Trilinear HU and the trilinear fractions of body, in-body cement and leak at an LPS point. The label
    /// fractions cross 0.5 on the mask boundary, which gives smooth outlines at any magnification.
    /// </summary>
    public Sample SampleAt(Vec3 p)
    {
        var (fi, fj, fk) = ToVoxel(p);
        int i0 = (int)Math.Floor(fi), j0 = (int)Math.Floor(fj), k0 = (int)Math.Floor(fk);
        double ti = fi - i0, tj = fj - j0, tk = fk - k0;
        double hu = 0, body = 0, cement = 0, leak = 0;
        for (var c = 0; c < 8; c++)
        {
            int dx = c & 1, dy = (c >> 1) & 1, dz = c >> 2;
            var w = (dx == 0 ? 1 - ti : ti) * (dy == 0 ? 1 - tj : tj) * (dz == 0 ? 1 - tk : tk);
            if (w == 0) continue;
            int x = i0 + dx, y = j0 + dy, z = k0 + dz;
            hu += w * ((uint)x < (uint)_hu.SizeX && (uint)y < (uint)_hu.SizeY && (uint)z < (uint)_hu.SizeZ ? _hu.Data[_hu.IndexOf(x, y, z)] : -1024);
            int lx = x - _x0, ly = y - _y0, lz = z - _z0;
            if ((uint)lx < (uint)_nx && (uint)ly < (uint)_ny && (uint)lz < (uint)_nz)
            {
                var lab = _labels[(lz * _ny + ly) * _nx + lx];
                if ((lab & Body) != 0) body += w;
                if ((lab & Cement) != 0) cement += w;
                if ((lab & Leak) != 0) leak += w;
            }
        }
        return new Sample((float)hu, (float)body, (float)cement, (float)leak);
    }

    private static Vec3 Min(Vec3 a, Vec3 b) => new(Math.Min(a.X, b.X), Math.Min(a.Y, b.Y), Math.Min(a.Z, b.Z));
    private static Vec3 Max(Vec3 a, Vec3 b) => new(Math.Max(a.X, b.X), Math.Max(a.Y, b.Y), Math.Max(a.Z, b.Z));
}

internal readonly record struct Sample(float Hu, float Body, float Cement, float Leak);

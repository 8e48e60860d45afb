namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Patient (LPS, mm) to continuous voxel index mapping of one <see cref="ImageGeometry"/>, with the
/// inverse of [column row slice] precomputed so hot loops do nine multiply-adds per point.
/// </summary>
internal readonly struct VoxelMap
{
    private readonly Vec3 _origin;
    private readonly Vec3 _ri, _rj, _rk; // rows of the inverse matrix

    public VoxelMap(ImageGeometry g)
    {
        var c = g.ColumnStep; var r = g.RowStep; var s = g.SliceStep;
        var det = c.Dot(r.Cross(s));
        if (Math.Abs(det) < 1e-12) throw new ArgumentException("degenerate image geometry (zero voxel volume)", nameof(g));
        _origin = g.Origin;
        _ri = r.Cross(s) / det;
        _rj = s.Cross(c) / det;
        _rk = c.Cross(r) / det;
    }

    /// <summary>Continuous voxel indices of patient point p.</summary>
    public Vec3 ToVoxel(Vec3 p)
    {
        var d = p - _origin;
        return new Vec3(d.Dot(_ri), d.Dot(_rj), d.Dot(_rk));
    }

    /// <summary>Change in voxel indices for a patient-space displacement d.</summary>
    public Vec3 Delta(Vec3 d) => new(d.Dot(_ri), d.Dot(_rj), d.Dot(_rk));
}

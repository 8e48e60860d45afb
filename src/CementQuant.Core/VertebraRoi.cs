namespace CementQuant;

/// <summary>
/// A box of voxels of a volume (inclusive start, exclusive end) and a mask over it, x fastest:
/// the way per-vertebra masks are kept, so each vertebra costs its own size, not the volume's.
/// </summary>
public sealed class RoiMask
{
    public RoiMask(int x0, int y0, int z0, int sizeX, int sizeY, int sizeZ)
    {
        X0 = x0; Y0 = y0; Z0 = z0; SizeX = sizeX; SizeY = sizeY; SizeZ = sizeZ;
        Mask = new byte[checked(sizeX * sizeY * sizeZ)];
    }

    public int X0 { get; }
    public int Y0 { get; }
    public int Z0 { get; }
    public int SizeX { get; }
    public int SizeY { get; }
    public int SizeZ { get; }
    /// <summary>1 inside, 0 outside.</summary>
    public byte[] Mask { get; }

    public int Index(int x, int y, int z) => ((z - Z0) * SizeY + (y - Y0)) * SizeX + (x - X0);

    public bool Contains(int x, int y, int z) =>
        (uint)(x - X0) < (uint)SizeX && (uint)(y - Y0) < (uint)SizeY && (uint)(z - Z0) < (uint)SizeZ && Mask[Index(x, y, z)] != 0;

    public long Count()
    {
        long n = 0;
        foreach (var b in Mask) n += b != 0 ? 1 : 0;
        return n;
    }
}

/// <summary>
/// A vertebra's own frame: origin at the body centroid, <see cref="Superior"/> normal to the mean
/// endplate plane (toward the head), <see cref="Left"/> normal to the vertebra's own midsagittal plane
/// (toward the patient's left), <see cref="Posterior"/> completing a right-handed set as in LPS.
/// </summary>
public sealed record LocalFrame(Vec3 Origin, Vec3 Left, Vec3 Posterior, Vec3 Superior)
{
    /// <summary>Coordinates (left, posterior, superior) of an LPS point in this frame, in mm.</summary>
    public Vec3 ToLocal(Vec3 p)
    {
        var d = p - Origin;
        return new Vec3(d.Dot(Left), d.Dot(Posterior), d.Dot(Superior));
    }

    public Vec3 ToPatient(Vec3 local) => Origin + Left * local.X + Posterior * local.Y + Superior * local.Z;
}

/// <summary>
/// An endplate surface as a height map over the vertebra's (left, posterior) plane: for each grid point
/// (u, v) in mm around the frame origin, the superior coordinate of the endplate in mm, or NaN where
/// the endplate does not extend. Endplates are concave; this keeps their shape.
/// </summary>
public sealed record EndplateSurface(double U0, double V0, double Step, int NU, int NV, float[] Height)
{
    /// <summary>Height at (u, v) by nearest grid point; NaN outside the endplate.</summary>
    public double HeightAt(double u, double v)
    {
        var i = (int)Math.Round((u - U0) / Step);
        var j = (int)Math.Round((v - V0) / Step);
        return (uint)i < (uint)NU && (uint)j < (uint)NV ? Height[j * NU + i] : double.NaN;
    }
}

/// <summary>Everything the cement stage needs to know about one vertebral body.</summary>
public sealed record VertebraRoi
{
    /// <summary>1-based index from superior to inferior within the volume.</summary>
    public required int Index { get; init; }
    /// <summary>Anatomical label (L3, T12, S1) when known, else V1, V2, ...</summary>
    public required string Label { get; init; }
    /// <summary>segmentation, counted or index (METRICS.md label_source).</summary>
    public required string LabelSource { get; init; }
    /// <summary>Body mask in the volume's voxel grid: cortex included, posterior elements excluded.</summary>
    public required RoiMask Body { get; init; }
    public required LocalFrame Frame { get; init; }
    public required Vec3 Centroid { get; init; }
    public required double VolumeMl { get; init; }
    public required EndplateSurface Superior { get; init; }
    public required EndplateSurface Inferior { get; init; }
    /// <summary>Midsagittal plane: a point and the unit normal toward the patient's left.</summary>
    public required Vec3 MidsagittalPoint { get; init; }
    public required Vec3 MidsagittalNormal { get; init; }
    /// <summary>0..1: how sure the locator is of this body.</summary>
    public double Confidence { get; init; } = 1;
    /// <summary>QC notes, e.g. PARTIAL_FOV, LOW_ROI_CONFIDENCE.</summary>
    public IReadOnlyList<string> Qc { get; init; } = [];
    /// <summary>True for the sacrum (recognised, not measured as a vertebral body).</summary>
    public bool IsSacrum { get; init; }
}

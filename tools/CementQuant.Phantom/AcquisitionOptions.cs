namespace CementQuant.Phantom;

/// <summary>DICOM PatientPosition (0018,5100) of an axial CT: head or feet first, supine or prone.</summary>
public enum PatientPosition { HFS, FFS, HFP, FFP }

/// <summary>Matrix sizes of the catalogue: <see cref="Small"/> (~1 mm voxels over a field cropped to the spine,
/// fast, the test default) and <see cref="Full"/> (512 × 512 × 300 over the whole abdomen).</summary>
public enum PhantomSize { Small, Full }

/// <summary>
/// How the phantom is scanned and stored. The renderer turns these into an exact <see cref="ImageGeometry"/>
/// (<see cref="BuildGeometry"/>); the patient-space content never depends on them. Orientation: the standard
/// axial ImageOrientationPatient of each <see cref="PatientPosition"/> (HFS 1\0\0\0\1\0, HFP −1\0\0\0\−1\0,
/// FFS −1\0\0\0\1\0, FFP 1\0\0\0\−1\0); <see cref="MirroredRows"/> negates the row direction cosine and stores
/// the pixels accordingly (each row reversed), as some exporters do. Head-first series run superior to
/// inferior, feet-first inferior to superior. <see cref="SignedStorage"/>, <see cref="RescaleIntercept"/> and
/// <see cref="ShuffledFileNames"/> are only for the DICOM writer.
/// </summary>
public sealed record AcquisitionOptions
{
    public int Columns { get; init; } = 128;
    public int Rows { get; init; } = 128;
    public int Slices { get; init; } = 192;
    /// <summary>Square in-plane pixel spacing, mm.</summary>
    public double PixelSpacing { get; init; } = 1.0;
    /// <summary>Distance between slice centres, mm.</summary>
    public double SliceSpacing { get; init; } = 1.0;
    /// <summary>Reconstructed slice thickness (the partial-volume extent across the slice), mm.</summary>
    public double SliceThickness { get; init; } = 1.0;
    /// <summary>Patient LPS point at the centre of the volume; null centres on the lumbar spine (cropped
    /// fields) or on the abdomen (fields that hold it).</summary>
    public Vec3? FieldCenter { get; init; }
    public PatientPosition PatientPosition { get; init; } = PatientPosition.HFS;
    public bool MirroredRows { get; init; }
    /// <summary>Standard deviation of the Gaussian image noise, HU.</summary>
    public double NoiseSigma { get; init; } = 15;
    /// <summary>Sub-samples per voxel edge in boundary voxels (partial volume), 1–4.</summary>
    public int Supersampling { get; init; } = 2;
    /// <summary>Adds bright and dark streaks radiating from the cement in each axial slice.</summary>
    public bool CementStreaks { get; init; }
    /// <summary>Peak streak amplitude, HU.</summary>
    public double StreakStrength { get; init; } = 250;

    // Values only the DICOM writer uses.
    /// <summary>PixelRepresentation 1 (signed) or 0 (unsigned).</summary>
    public bool SignedStorage { get; init; } = true;
    /// <summary>RescaleIntercept the writer stores with (stored = HU − intercept); −1024 with unsigned storage.</summary>
    public double RescaleIntercept { get; init; }
    /// <summary>Write the slice files under random names in random order.</summary>
    public bool ShuffledFileNames { get; init; }

    public double FieldOfViewMm => Columns * PixelSpacing;

    /// <summary>The catalogue's default acquisition for a size.</summary>
    public static AcquisitionOptions ForSize(PhantomSize size) => size switch
    {
        PhantomSize.Full => new AcquisitionOptions
        {
            Columns = 512, Rows = 512, Slices = 300, PixelSpacing = 380.0 / 512, SliceSpacing = 0.625, SliceThickness = 0.625,
        },
        _ => new AcquisitionOptions(),
    };

    /// <summary>Row and column direction cosines (ImageOrientationPatient) of this acquisition.</summary>
    public (Vec3 Row, Vec3 Column) Orientation()
    {
        var (row, col) = PatientPosition switch
        {
            PatientPosition.HFS => (new Vec3(1, 0, 0), new Vec3(0, 1, 0)),
            PatientPosition.HFP => (new Vec3(-1, 0, 0), new Vec3(0, -1, 0)),
            PatientPosition.FFS => (new Vec3(-1, 0, 0), new Vec3(0, 1, 0)),
            PatientPosition.FFP => (new Vec3(1, 0, 0), new Vec3(0, -1, 0)),
            _ => throw new ArgumentOutOfRangeException(nameof(PatientPosition)),
        };
        return MirroredRows ? (-row, col) : (row, col);
    }

    /// <summary>The voxel → LPS mapping of the rendered volume for <paramref name="model"/>.</summary>
    public ImageGeometry BuildGeometry(SpineModel model)
    {
        Validate();
        var (row, col) = Orientation();
        var headFirst = PatientPosition is PatientPosition.HFS or PatientPosition.HFP;
        var sliceStep = new Vec3(0, 0, headFirst ? -SliceSpacing : SliceSpacing);
        var columnStep = row * PixelSpacing;
        var rowStep = col * PixelSpacing;
        var centre = FieldCenter ?? DefaultCenter(model);
        var origin = centre - columnStep * ((Columns - 1) / 2.0) - rowStep * ((Rows - 1) / 2.0) - sliceStep * ((Slices - 1) / 2.0);
        return new ImageGeometry(origin, columnStep, rowStep, sliceStep);
    }

    private Vec3 DefaultCenter(SpineModel model)
    {
        var verts = model.Vertebrae.Where(v => !v.Spec.IsSacrum).ToArray();
        if (verts.Length == 0) verts = [.. model.Vertebrae];
        var zMid = (verts[0].Frame.Origin.Z + verts[^1].Frame.Origin.Z) / 2;
        var ab = model.Abdomen;
        var fov = Math.Min(Columns, Rows) * PixelSpacing;
        if (fov >= 2 * ab.HalfWidth + 20)
            return new Vec3(ab.Cx, ab.Cy + 10, zMid);
        var mid = verts[verts.Length / 2];
        // A cropped field: the body plus the posterior elements (their middle is ~15 mm behind the body centre).
        return new Vec3(Math.Round(mid.Frame.Origin.X) + 0.3, Math.Round(mid.Frame.Origin.Y) + 16.3, Math.Round(zMid) + 0.2);
    }

    public void Validate()
    {
        if (Columns <= 0 || Rows <= 0 || Slices <= 0) throw new ArgumentException("matrix sizes must be positive");
        if (!(PixelSpacing > 0) || !(SliceSpacing > 0) || !(SliceThickness > 0)) throw new ArgumentException("spacings and thickness must be positive");
        if (Supersampling is < 1 or > 4) throw new ArgumentException($"Supersampling must be 1–4, found {Supersampling}");
        if (NoiseSigma < 0) throw new ArgumentException("NoiseSigma must not be negative");
    }
}

namespace CementQuant;

/// <summary>
/// Where every voxel of a volume sits in patient space: position(i, j, k) =
/// <see cref="Origin"/> + i·<see cref="ColumnStep"/> + j·<see cref="RowStep"/> + k·<see cref="SliceStep"/>,
/// with i the column index (fastest in memory), j the row and k the slice, all in DICOM LPS millimetres
/// (+x patient left, +y posterior, +z superior). The steps are full vectors, not unit directions times
/// spacings, so a sheared grid (gantry tilt) is represented exactly.
/// </summary>
public sealed record ImageGeometry(Vec3 Origin, Vec3 ColumnStep, Vec3 RowStep, Vec3 SliceStep)
{
    /// <summary>Builds the geometry from DICOM attributes: ImagePositionPatient of the first slice,
    /// ImageOrientationPatient (row cosines then column cosines), PixelSpacing (row spacing, column
    /// spacing) and the vector from one slice's position to the next.</summary>
    public static ImageGeometry FromDicom(Vec3 firstPosition, Vec3 rowCosines, Vec3 columnCosines,
        double rowSpacing, double columnSpacing, Vec3 sliceStep) =>
        new(firstPosition, rowCosines * columnSpacing, columnCosines * rowSpacing, sliceStep);

    public Vec3 ToPatient(double i, double j, double k) => Origin + ColumnStep * i + RowStep * j + SliceStep * k;

    public double ColumnSpacing => ColumnStep.Length;
    public double RowSpacing => RowStep.Length;
    public double SliceSpacing => SliceStep.Length;

    /// <summary>Unit normal of the slice plane (row direction × column direction).</summary>
    public Vec3 SliceNormal => ColumnStep.Cross(RowStep).Normalized();

    /// <summary>Volume of one voxel in mm³ (the parallelepiped spanned by the three steps).</summary>
    public double VoxelVolumeMm3 => Math.Abs(ColumnStep.Cross(RowStep).Dot(SliceStep));

    /// <summary>True when the slice step is not along the slice normal (gantry tilt or sheared stack).</summary>
    public bool IsSheared
    {
        get
        {
            var n = SliceNormal;
            var s = SliceStep.Length;
            return s > 0 && Math.Abs(Math.Abs(SliceStep.Dot(n)) - s) > 1e-4 * s;
        }
    }

    /// <summary>Inverse mapping: continuous voxel indices (i, j, k) of a patient-space point.</summary>
    public (double I, double J, double K) ToVoxel(Vec3 p)
    {
        // Solve [C R S] · (i j k)ᵀ = p − origin by Cramer's rule; the matrix is small and well conditioned.
        var d = p - Origin;
        var det = ColumnStep.Dot(RowStep.Cross(SliceStep));
        var i = d.Dot(RowStep.Cross(SliceStep)) / det;
        var j = ColumnStep.Dot(d.Cross(SliceStep)) / det;
        var k = ColumnStep.Dot(RowStep.Cross(d)) / det;
        return (i, j, k);
    }
}

using System.Runtime.InteropServices;
using CementQuant.Analysis.Cement;
using CementQuant.Kernels;

namespace CementQuant.Analysis.Metrics;

/// <summary>Surface area and convex hull volume of a voxel set, for sphericity, solidity and surface/volume.</summary>
internal static class ShapeMeasures
{
    /// <summary>
    /// Surface area in mm² from the faces between a voxel equal to <paramref name="value"/> and a 6-neighbour
    /// that is not (<see cref="FaceCounts.Area"/>: faces times their areas, times 2/3).
    /// </summary>
    public static double SurfaceArea(byte[] mask, VoxelRegion r, ImageGeometry g, byte value)
    {
        var faces = ShapeKernels.CountFaces(mask, r.SizeX, r.SizeY, r.SizeZ, value);
        // Face areas: a face normal to the column axis spans the row and slice steps, and so on.
        return faces.Area(g.RowStep.Cross(g.SliceStep).Length, g.ColumnStep.Cross(g.SliceStep).Length, g.ColumnStep.Cross(g.RowStep).Length);
    }

    private static readonly double[] Directions = [.. FibonacciSphere(128).SelectMany(d => new[] { d.X, d.Y, d.Z })];

    /// <summary>
    /// Convex hull volume (mm³) of the voxels: grid voxels whose centres lie inside the intersection of
    /// 128 supporting half-spaces of the set's voxel centres (an outer approximation of their convex hull
    /// that converges on it), counted like the set itself so a convex set has solidity ≈ 1
    /// (<see cref="ShapeKernels.HullVoxelCount"/>, in patient millimetres).
    /// </summary>
    public static double HullVolume(List<(int X, int Y, int Z)> voxels, ImageGeometry g)
    {
        double[] affine = [g.Origin.X, g.Origin.Y, g.Origin.Z, g.ColumnStep.X, g.ColumnStep.Y, g.ColumnStep.Z,
            g.RowStep.X, g.RowStep.Y, g.RowStep.Z, g.SliceStep.X, g.SliceStep.Y, g.SliceStep.Z];
        return ShapeKernels.HullVoxelCount(CollectionsMarshal.AsSpan(voxels), affine, Directions) * g.VoxelVolumeMm3;
    }

    private static Vec3[] FibonacciSphere(int n)
    {
        var result = new Vec3[n];
        var golden = Math.PI * (3 - Math.Sqrt(5));
        for (var i = 0; i < n; i++)
        {
            var y = 1 - 2 * (i + 0.5) / n;
            var r = Math.Sqrt(1 - y * y);
            result[i] = new Vec3(Math.Cos(golden * i) * r, y, Math.Sin(golden * i) * r);
        }
        return result;
    }
}

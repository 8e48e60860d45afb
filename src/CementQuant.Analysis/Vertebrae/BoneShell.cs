namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Whether a segmented candidate is bone at all: a vertebral body is a shell of cortex around softer trabecular bone,
/// so its surface reads denser than its core; a contrast-filled lumen (aorta, heart chambers, pulmonary arteries on a
/// CTA) is the reverse, a dense core inside a softer wall that partial volume blurs into the surroundings. Both pass a
/// bone threshold and can have a dark space behind them that looks like a canal, so density alone cannot tell them
/// apart. Cement and the voxels next to it (partial volume) are left out of both medians, so a cemented body is judged
/// by its own bone; the core is read at its lower quartile, so partial voxels of cement further in (which the margin
/// does not reach at 3 mm voxels) cannot make a cemented body's trabecular core look like a lumen.
/// </summary>
internal static class BoneShell
{
    /// <summary>A core at least this dense (median HU) is too dense for trabecular bone unless its shell is denser still.</summary>
    internal const int DenseCoreHu = 250;

    /// <summary>Median HU of the mask's outer voxel layer, and the lower quartile and median of its core (voxels at least
    /// four layers deep; where that is under <see cref="MinCoreMl"/>, all below the outer layer, else all), NaN where a part
    /// holds no voxel, and whether the core proper was deep enough.</summary>
    internal static (double Rim, double CoreLow, double Core, bool Deep) Medians(Volume<short> hu, RoiMask mask, int cementHu)
    {
        int nx = mask.SizeX, ny = mask.SizeY, nz = mask.SizeZ;
        var m = mask.Mask;
        var cement = new byte[m.Length];
        for (var z = 0; z < nz; z++)
            for (var y = 0; y < ny; y++)
            {
                var row = (z * ny + y) * nx;
                var src = hu.IndexOf(mask.X0, mask.Y0 + y, mask.Z0 + z);
                for (var x = 0; x < nx; x++) if (hu.Data[src + x] >= cementHu) cement[row + x] = 1;
            }
        var near = MaskKernels.Dilate6(MaskKernels.Dilate6(cement, nx, ny, nz), nx, ny, nz);
        var e1 = MaskKernels.Erode6(m, nx, ny, nz);
        var core = MaskKernels.Erode6(MaskKernels.Erode6(e1, nx, ny, nz), nx, ny, nz);
        var rim = new List<short>();
        var inner = new List<short>();
        var below = new List<short>();
        var all = new List<short>();
        for (var z = 0; z < nz; z++)
            for (var y = 0; y < ny; y++)
            {
                var row = (z * ny + y) * nx;
                var src = hu.IndexOf(mask.X0, mask.Y0 + y, mask.Z0 + z);
                for (var x = 0; x < nx; x++)
                {
                    var i = row + x;
                    if (m[i] == 0 || near[i] != 0) continue;
                    all.Add(hu.Data[src + x]);
                    if (e1[i] == 0) rim.Add(hu.Data[src + x]);
                    else below.Add(hu.Data[src + x]);
                    if (core[i] != 0) inner.Add(hu.Data[src + x]);
                }
            }
        // Too small a core to tell (a small candidate or thick voxels, or a cemented body at 3 mm whose partial voxels of
        // cement fill what is left of it): everything below the outer layer stands for it, else the whole candidate.
        var ml = hu.Geometry.VoxelVolumeMm3 / 1000;
        var deep = inner.Count * ml >= MinCoreMl;
        if (!deep) inner = below.Count * ml >= MinCoreMl ? below : all;
        return (Quantile(rim, 0.5), Quantile(inner, 0.25), Quantile(inner, 0.5), deep);
    }

    /// <summary>
    /// False for a candidate whose core is dense throughout (its lower quartile at least <see cref="DenseCoreHu"/>) and
    /// denser than its surface (median against median): a contrast-filled lumen, not a vertebral body. True where there is
    /// nothing to tell from, and for a thin candidate cut by the field of view: its cut face is no surface, and a few
    /// millimetres of a body next to its endplate are dense throughout.
    /// </summary>
    internal static bool LooksLikeBone(Volume<short> hu, RoiMask mask, int cementHu)
    {
        var (rim, coreLow, core, deep) = Medians(hu, mask, cementHu);
        if (!deep && TouchesEdge(hu, mask)) return true;
        return double.IsNaN(rim) || double.IsNaN(coreLow) || coreLow < DenseCoreHu || rim >= core;
    }

    /// <summary>True when a mask voxel lies on a face of the volume.</summary>
    private static bool TouchesEdge(Volume<short> hu, RoiMask mask)
    {
        for (var z = 0; z < mask.SizeZ; z++)
            for (var y = 0; y < mask.SizeY; y++)
                for (var x = 0; x < mask.SizeX; x++)
                {
                    if (mask.Mask[(z * mask.SizeY + y) * mask.SizeX + x] == 0) continue;
                    int i = x + mask.X0, j = y + mask.Y0, k = z + mask.Z0;
                    if (i == 0 || j == 0 || k == 0 || i == hu.SizeX - 1 || j == hu.SizeY - 1 || k == hu.SizeZ - 1) return true;
                }
        return false;
    }

    /// <summary>Smallest core (voxels four layers deep, away from cement) that stands for the candidate's inside, mL.</summary>
    internal const double MinCoreMl = 1;

    private static double Quantile(List<short> values, double q)
    {
        if (values.Count == 0) return double.NaN;
        values.Sort();
        return values[(int)(q * (values.Count - 1))];
    }
}

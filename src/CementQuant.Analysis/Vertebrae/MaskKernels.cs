using CementQuant.Kernels;

namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Binary mask kernels on a box (x fastest): 2D hole filling along each axis (no allocation per voxel,
/// an explicit stack instead of recursion), and array-returning wrappers of the Kernels project's
/// 6-neighbour erosion, dilation and 6-connected components.
/// </summary>
internal static class MaskKernels
{
    /// <summary>
    /// Fills, in every 2D plane normal to <paramref name="axis"/> (0 = x, 1 = y, 2 = z), the background
    /// voxels of <paramref name="mask"/> that are not 4-connected within the plane to the plane's border
    /// or to a voxel where <paramref name="blocked"/> is set (blocked voxels count as outside). Filled
    /// voxels are set to 1 in <paramref name="output"/>.
    /// </summary>
    public static void FillHoles2D(byte[] mask, byte[]? blocked, int nx, int ny, int nz, int axis, byte[] output)
    {
        // Plane coordinates (a, b) and the stride of each in the box.
        int na, nb, np, sa, sb, sp;
        switch (axis)
        {
            case 0: na = ny; nb = nz; np = nx; sa = nx; sb = nx * ny; sp = 1; break;
            case 1: na = nx; nb = nz; np = ny; sa = 1; sb = nx * ny; sp = nx; break;
            default: na = nx; nb = ny; np = nz; sa = 1; sb = nx; sp = nx * ny; break;
        }
        var seen = new byte[na * nb];
        var stack = new int[na * nb];
        for (var p = 0; p < np; p++)
        {
            Array.Clear(seen);
            var top = 0;
            for (var b = 0; b < nb; b++)
                for (var a = 0; a < na; a++)
                {
                    var idx = p * sp + a * sa + b * sb;
                    if (mask[idx] != 0) continue;
                    var outside = a == 0 || b == 0 || a == na - 1 || b == nb - 1 || (blocked is not null && blocked[idx] != 0);
                    if (!outside) continue;
                    var q = b * na + a;
                    if (seen[q] != 0) continue;
                    seen[q] = 1; stack[top++] = q;
                }
            while (top > 0)
            {
                var q = stack[--top];
                int a = q % na, b = q / na;
                Push(a - 1, b); Push(a + 1, b); Push(a, b - 1); Push(a, b + 1);
            }
            for (var b = 0; b < nb; b++)
                for (var a = 0; a < na; a++)
                {
                    var idx = p * sp + a * sa + b * sb;
                    if (mask[idx] == 0 && seen[b * na + a] == 0) output[idx] = 1;
                }

            void Push(int a, int b)
            {
                if ((uint)a >= (uint)na || (uint)b >= (uint)nb) return;
                var q = b * na + a;
                if (seen[q] != 0 || mask[p * sp + a * sa + b * sb] != 0) return;
                seen[q] = 1; stack[top++] = q;
            }
        }
    }

    /// <summary>6-neighbour erosion (voxels on the box border erode too).</summary>
    public static byte[] Erode6(byte[] m, int nx, int ny, int nz)
    {
        var o = new byte[m.Length];
        Morphology.Erode6(m, o, nx, ny, nz);
        return o;
    }

    /// <summary>6-neighbour dilation.</summary>
    public static byte[] Dilate6(byte[] m, int nx, int ny, int nz)
    {
        var o = new byte[m.Length];
        Morphology.Dilate6(m, o, nx, ny, nz);
        return o;
    }

    /// <summary>Labels 6-connected components; returns the label array (0 background) and voxel counts per label (index 0 unused).</summary>
    public static (int[] Labels, List<int> Sizes) Components6(byte[] m, int nx, int ny, int nz)
    {
        var labels = new int[m.Length];
        var count = ConnectedComponents.Label(m, labels, nx, ny, nz, Connectivity.Six);
        return (labels, [.. ConnectedComponents.Sizes(labels, count).Select(s => (int)s)]);
    }
}

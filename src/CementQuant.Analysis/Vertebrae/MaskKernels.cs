namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Binary mask kernels on a box (x fastest): 2D hole filling along each axis, 6-neighbour erosion and
/// dilation, and the 6-connected component through a seed. Generic voxel work that may later move to
/// a kernels project; no allocation per voxel, an explicit stack instead of recursion.
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
        int sxy = nx * ny;
        for (var z = 1; z < nz - 1; z++)
            for (var y = 1; y < ny - 1; y++)
            {
                var i = z * sxy + y * nx + 1;
                for (var x = 1; x < nx - 1; x++, i++)
                    if (m[i] != 0 && m[i - 1] != 0 && m[i + 1] != 0 && m[i - nx] != 0 && m[i + nx] != 0 && m[i - sxy] != 0 && m[i + sxy] != 0)
                        o[i] = 1;
            }
        return o;
    }

    /// <summary>6-neighbour dilation.</summary>
    public static byte[] Dilate6(byte[] m, int nx, int ny, int nz)
    {
        var o = new byte[m.Length];
        int sxy = nx * ny;
        for (var z = 0; z < nz; z++)
            for (var y = 0; y < ny; y++)
            {
                var i = z * sxy + y * nx;
                for (var x = 0; x < nx; x++, i++)
                {
                    if (m[i] == 0) continue;
                    o[i] = 1;
                    if (x > 0) o[i - 1] = 1;
                    if (x < nx - 1) o[i + 1] = 1;
                    if (y > 0) o[i - nx] = 1;
                    if (y < ny - 1) o[i + nx] = 1;
                    if (z > 0) o[i - sxy] = 1;
                    if (z < nz - 1) o[i + sxy] = 1;
                }
            }
        return o;
    }

    /// <summary>Labels 6-connected components; returns the label array (0 background) and voxel counts per label (index 0 unused).</summary>
    public static (int[] Labels, List<int> Sizes) Components6(byte[] m, int nx, int ny, int nz)
    {
        var labels = new int[m.Length];
        var sizes = new List<int> { 0 };
        var stack = new int[Math.Max(16, m.Length / 4)];
        int sxy = nx * ny;
        for (var start = 0; start < m.Length; start++)
        {
            if (m[start] == 0 || labels[start] != 0) continue;
            var label = sizes.Count;
            var count = 0;
            var top = 0;
            labels[start] = label; stack[top++] = start;
            while (top > 0)
            {
                var i = stack[--top];
                count++;
                int x = i % nx, y = i / nx % ny, z = i / sxy;
                if (x > 0) Visit(i - 1);
                if (x < nx - 1) Visit(i + 1);
                if (y > 0) Visit(i - nx);
                if (y < ny - 1) Visit(i + nx);
                if (z > 0) Visit(i - sxy);
                if (z < nz - 1) Visit(i + sxy);
            }
            sizes.Add(count);

            void Visit(int j)
            {
                if (m[j] == 0 || labels[j] != 0) return;
                labels[j] = label;
                if (top == stack.Length) Array.Resize(ref stack, stack.Length * 2);
                stack[top++] = j;
            }
        }
        return (labels, sizes);
    }
}

using System.Runtime.CompilerServices;

namespace CementQuant.Analysis.Vertebrae;

/// <summary>Sampling helpers on an HU volume (outside the grid reads as air).</summary>
internal static class Sampler
{
    public const short Air = -1024;

    /// <summary>Trilinear interpolation at continuous voxel index (i, j, k); air outside.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Trilinear(Volume<short> v, double i, double j, double k)
    {
        var i0 = (int)Math.Floor(i); var j0 = (int)Math.Floor(j); var k0 = (int)Math.Floor(k);
        var fi = (float)(i - i0); var fj = (float)(j - j0); var fk = (float)(k - k0);
        // Clamp the neighbour to the edge so the last plane of voxels is still read (no half-voxel fade).
        if (i0 < -1 || j0 < -1 || k0 < -1 || i0 >= v.SizeX || j0 >= v.SizeY || k0 >= v.SizeZ) return Air;
        if (i0 < 0) { i0 = 0; fi = 0; } else if (i0 >= v.SizeX - 1) { i0 = v.SizeX - 1; fi = 0; }
        if (j0 < 0) { j0 = 0; fj = 0; } else if (j0 >= v.SizeY - 1) { j0 = v.SizeY - 1; fj = 0; }
        if (k0 < 0) { k0 = 0; fk = 0; } else if (k0 >= v.SizeZ - 1) { k0 = v.SizeZ - 1; fk = 0; }
        int sx = v.SizeX, sxy = v.SizeX * v.SizeY;
        var d = v.Data;
        long b = (long)k0 * sxy + (long)j0 * sx + i0;
        int di = fi > 0 ? 1 : 0, dj = fj > 0 ? sx : 0; long dk = fk > 0 ? sxy : 0;
        float c000 = d[b], c100 = d[b + di], c010 = d[b + dj], c110 = d[b + dj + di];
        float c001 = d[b + dk], c101 = d[b + dk + di], c011 = d[b + dk + dj], c111 = d[b + dk + dj + di];
        var c00 = c000 + (c100 - c000) * fi; var c10 = c010 + (c110 - c010) * fi;
        var c01 = c001 + (c101 - c001) * fi; var c11 = c011 + (c111 - c011) * fi;
        var c0 = c00 + (c10 - c00) * fj; var c1 = c01 + (c11 - c01) * fj;
        return c0 + (c1 - c0) * fk;
    }

    /// <summary>
    /// <c>output[x] = round(Trilinear(v, i0 + x·di (accumulated), j, k))</c>, bit for bit, with the row's j/k weights
    /// and clamping done once: the working grid's resampling of an axial series spends its time here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called once per row: the tiering delay would keep it in tier 0
    public static void TrilinearAlongI(Volume<short> v, double i, double di, double j, double k, Span<short> output)
    {
        var j0 = (int)Math.Floor(j); var k0 = (int)Math.Floor(k);
        var fj = (float)(j - j0); var fk = (float)(k - k0);
        if (j0 < -1 || k0 < -1 || j0 >= v.SizeY || k0 >= v.SizeZ)
        {
            output.Fill(Air);
            return;
        }
        if (j0 < 0) { j0 = 0; fj = 0; } else if (j0 >= v.SizeY - 1) { j0 = v.SizeY - 1; fj = 0; }
        if (k0 < 0) { k0 = 0; fk = 0; } else if (k0 >= v.SizeZ - 1) { k0 = v.SizeZ - 1; fk = 0; }
        int sx = v.SizeX, sxy = v.SizeX * v.SizeY;
        var dj = fj > 0 ? sx : 0; long dk = fk > 0 ? sxy : 0;
        long b0 = (long)k0 * sxy + (long)j0 * sx;
        var r00 = v.Data.AsSpan((int)b0, sx);
        var r10 = v.Data.AsSpan((int)(b0 + dj), sx);
        var r01 = v.Data.AsSpan((int)(b0 + dk), sx);
        var r11 = v.Data.AsSpan((int)(b0 + dk + dj), sx);
        for (var x = 0; x < output.Length; x++, i += di)
        {
            var i0 = (int)Math.Floor(i);
            var fi = (float)(i - i0);
            if (i0 < -1 || i0 >= sx) { output[x] = Air; continue; }
            if (i0 < 0) { i0 = 0; fi = 0; } else if (i0 >= sx - 1) { i0 = sx - 1; fi = 0; }
            var i1 = fi > 0 ? i0 + 1 : i0;
            float c000 = r00[i0], c100 = r00[i1], c010 = r10[i0], c110 = r10[i1];
            float c001 = r01[i0], c101 = r01[i1], c011 = r11[i0], c111 = r11[i1];
            var c00 = c000 + (c100 - c000) * fi; var c10 = c010 + (c110 - c010) * fi;
            var c01 = c001 + (c101 - c001) * fi; var c11 = c011 + (c111 - c011) * fi;
            var c0 = c00 + (c10 - c00) * fj; var c1 = c01 + (c11 - c01) * fj;
            output[x] = (short)Math.Round(c0 + (c1 - c0) * fk);
        }
    }

    /// <summary>Nearest-neighbour read; air outside.</summary>
    public static short Nearest(Volume<short> v, double i, double j, double k)
    {
        var ii = (int)Math.Round(i); var jj = (int)Math.Round(j); var kk = (int)Math.Round(k);
        return (uint)ii < (uint)v.SizeX && (uint)jj < (uint)v.SizeY && (uint)kk < (uint)v.SizeZ ? v.Data[v.IndexOf(ii, jj, kk)] : Air;
    }
}

namespace CementQuant.Analysis.Vertebrae;

/// <summary>Least-squares fits of height surfaces, with one refit that drops points far from the first.</summary>
internal static class SurfaceFit
{
    /// <summary>
    /// A plane through the points, fitted once, then again without points more than 4 mm from that fit and a
    /// last time without points more than 2 mm from the second (outliers such as a leak lying on an endplate
    /// can pull the first fit by a millimetre or two). With <paramref name="dome"/>, a plane plus a radial
    /// quadratic (an endplate's concavity) is then fitted to the points within 2.5 mm of that plane, and again
    /// to those within 1.5 mm of itself: the outliers are gone before the extra term can bend toward them.
    /// Null with fewer than 8 points or a degenerate spread.
    /// </summary>
    public static HeightFit? Robust(IReadOnlyList<(double U, double V, double H)> pts, bool dome)
    {
        const int MinPoints = 8;
        var fit = Fit(pts, false, null, 0, MinPoints);
        foreach (var keep in (ReadOnlySpan<double>)[4, 2])
            if (fit is { } f) fit = Fit(pts, false, f, keep, MinPoints);
        if (!dome || fit is not { } plane) return fit;
        var bowed = Fit(pts, true, plane, 2.5, MinPoints);
        return bowed is { } b ? Fit(pts, true, b, 1.5, MinPoints) ?? b : plane;
    }

    /// <summary>Least squares over the points within <paramref name="maxResidual"/> of <paramref name="previous"/> (all points without it).</summary>
    public static HeightFit? Fit(IReadOnlyList<(double U, double V, double H)> pts, bool dome, HeightFit? previous, double maxResidual, int minPoints)
    {
        var k = dome ? 4 : 3;
        var m = new double[k, k + 1];
        Span<double> f = stackalloc double[4];
        var n = 0;
        foreach (var (u, v, h) in pts)
        {
            if (previous is { } p && Math.Abs(h - p.At(u, v)) > maxResidual) continue;
            f[0] = 1; f[1] = u; f[2] = v; f[3] = u * u + v * v;
            for (var r = 0; r < k; r++)
            {
                for (var c = 0; c < k; c++) m[r, c] += f[r] * f[c];
                m[r, k] += f[r] * h;
            }
            n++;
        }
        if (n < minPoints || !Solve(m, k)) return null;
        return new HeightFit(m[0, k], m[1, k], m[2, k], dome ? m[3, k] : 0, n);
    }

    /// <summary>Gauss-Jordan elimination with partial pivoting on an augmented k × (k + 1) matrix; the solution ends in its last column.</summary>
    private static bool Solve(double[,] m, int k)
    {
        for (var c = 0; c < k; c++)
        {
            var piv = c;
            for (var r = c + 1; r < k; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[piv, c])) piv = r;
            if (Math.Abs(m[piv, c]) < 1e-9) return false;
            if (piv != c) for (var j = 0; j <= k; j++) (m[c, j], m[piv, j]) = (m[piv, j], m[c, j]);
            for (var r = 0; r < k; r++)
            {
                if (r == c) continue;
                var q = m[r, c] / m[c, c];
                for (var j = c; j <= k; j++) m[r, j] -= q * m[c, j];
            }
        }
        for (var r = 0; r < k; r++) m[r, k] /= m[r, r];
        return true;
    }
}

namespace CementQuant.Phantom;

/// <summary>A rendered CT series: HU volume, its truth label maps (sampled at voxel centres) and its geometry.</summary>
public sealed class RenderedCt
{
    internal RenderedCt(PhantomCase phantom, int seed, Volume<short> hu, Volume<byte> bodyLabels, Volume<byte> cement)
    {
        Case = phantom; Seed = seed; Hu = hu; BodyLabels = bodyLabels; Cement = cement;
    }

    public PhantomCase Case { get; }
    public int Seed { get; }
    /// <summary>CT numbers, clipped to [−1024, 3071].</summary>
    public Volume<short> Hu { get; }
    /// <summary>Vertebra label (1..n from superior, <see cref="VertebraModel.Label"/>) where the voxel centre is
    /// inside that vertebral body (cortex included, posterior elements excluded), else 0.</summary>
    public Volume<byte> BodyLabels { get; }
    /// <summary>1 where the voxel centre is in cement (in-body or leaked), else 0.</summary>
    public Volume<byte> Cement { get; }
    public ImageGeometry Geometry => Hu.Geometry;
    public AcquisitionOptions Acquisition => Case.Acquisition;
    /// <summary>DICOM PatientPosition (0018,5100): HFS, FFS, HFP or FFP.</summary>
    public string PatientPosition => Case.Acquisition.PatientPosition.ToString();
}

/// <summary>
/// Renders a <see cref="PhantomCase"/> to CT. Each voxel is the model sampled at the voxel centre's LPS
/// position (<see cref="ImageGeometry.ToPatient"/>); voxels whose class differs from a face neighbour (or,
/// for thick slices, across the slice thickness) are replaced by the mean of s × s × t sub-samples over the
/// pixel and the slice thickness (partial volume). Then optional cement streaks, Gaussian noise and clipping.
/// Deterministic for a seed whatever the thread count: noise comes from a generator seeded per slice.
/// </summary>
public static class CtRenderer
{
    private const byte EdgeFlag = 0x80;

    public static RenderedCt Render(PhantomCase phantom, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(phantom);
        var acq = phantom.Acquisition;
        var model = phantom.Model;
        var g = acq.BuildGeometry(model);
        int nx = acq.Columns, ny = acq.Rows, nz = acq.Slices;
        var hu = new Volume<short>(nx, ny, nz, g);
        var labels = new Volume<byte>(nx, ny, nz, g);
        var cement = new Volume<byte>(nx, ny, nz, g);
        var material = new byte[(long)nx * ny * nz];
        var normal = g.SliceNormal;
        var thickMode = acq.SliceThickness > 1.25 * acq.PixelSpacing;
        var thicknessProbe = normal * (acq.SliceThickness / 3);

        // Pass 1: classify every voxel centre.
        Parallel.For(0, nz, k =>
        {
            var huS = hu.Slice(k); var labS = labels.Slice(k); var cemS = cement.Slice(k);
            var matS = material.AsSpan(k * nx * ny, nx * ny);
            for (var j = 0; j < ny; j++)
            {
                var rowStart = g.ToPatient(0, j, k);
                for (var i = 0; i < nx; i++)
                {
                    var p = rowStart + g.ColumnStep * i;
                    var s = model.Sample(p);
                    var idx = j * nx + i;
                    huS[idx] = (short)Math.Clamp(Math.Round(s.Hu), short.MinValue, short.MaxValue);
                    labS[idx] = s.Body;
                    cemS[idx] = s.Cement ? (byte)1 : (byte)0;
                    var m = (byte)s.Material;
                    if (thickMode && (model.Sample(p + thicknessProbe).Material != s.Material
                                      || model.Sample(p - thicknessProbe).Material != s.Material))
                        m |= EdgeFlag;
                    matS[idx] = m;
                }
            }
        });

        var ss = acq.Supersampling;
        var st = Math.Max(ss, (int)Math.Ceiling(acq.SliceThickness / acq.PixelSpacing));
        var streakAngles = StreakAngles(seed);

        // Pass 2: partial volume at class boundaries, streaks, noise, clipping.
        Parallel.For(0, nz, k =>
        {
            var huS = hu.Slice(k);
            var slice = (long)k * nx * ny;
            for (var j = 0; j < ny; j++)
            {
                for (var i = 0; i < nx; i++)
                {
                    var idx = slice + (long)j * nx + i;
                    var m = material[idx];
                    var edge = (m & EdgeFlag) != 0;
                    var c = (byte)(m & ~EdgeFlag);
                    edge = edge || DiffersFromNeighbour(material, idx, c, i, j, k, nx, ny, nz);
                    if (!edge || (ss == 1 && !thickMode)) continue;
                    huS[(int)(idx - slice)] = PartialVolume(model, g, g.ToPatient(i, j, k), normal, ss, st, acq.SliceThickness);
                }
            }

            if (acq.CementStreaks) AddStreaks(huS, cement.Slice(k), nx, ny, acq, streakAngles, k);

            var rng = new SplitMix((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)k * 0xD1B54A32D192ED03UL);
            var sigma = acq.NoiseSigma;
            for (var idx = 0; idx < huS.Length; idx++)
            {
                var v = huS[idx] + (sigma > 0 ? sigma * rng.NextGaussian() : 0);
                huS[idx] = (short)Math.Clamp(Math.Round(v), -1024, 3071);
            }
        });

        return new RenderedCt(phantom, seed, hu, labels, cement);
    }

    /// <summary>A voxel whose class differs from a face neighbour's.</summary>
    private static bool DiffersFromNeighbour(byte[] material, long idx, byte c, int i, int j, int k, int nx, int ny, int nz) =>
        (i > 0 && (material[idx - 1] & ~EdgeFlag) != c)
        || (i + 1 < nx && (material[idx + 1] & ~EdgeFlag) != c)
        || (j > 0 && (material[idx - nx] & ~EdgeFlag) != c)
        || (j + 1 < ny && (material[idx + nx] & ~EdgeFlag) != c)
        || (k > 0 && (material[idx - (long)nx * ny] & ~EdgeFlag) != c)
        || (k + 1 < nz && (material[idx + (long)nx * ny] & ~EdgeFlag) != c);

    /// <summary>The mean of ss × ss × st sub-samples over the pixel and the slice thickness.</summary>
    private static short PartialVolume(SpineModel model, ImageGeometry g, Vec3 centre, Vec3 normal, int ss, int st, double thickness)
    {
        double sum = 0;
        for (var a = 0; a < ss; a++)
        {
            var oi = (a + 0.5) / ss - 0.5;
            for (var b = 0; b < ss; b++)
            {
                var oj = (b + 0.5) / ss - 0.5;
                var inPlane = centre + g.ColumnStep * oi + g.RowStep * oj;
                for (var t = 0; t < st; t++)
                {
                    var ot = ((t + 0.5) / st - 0.5) * thickness;
                    sum += model.Sample(inPlane + normal * ot).Hu;
                }
            }
        }
        return (short)Math.Round(sum / (ss * ss * st));
    }

    private static (double Cos, double Sin, double Sign)[] StreakAngles(int seed)
    {
        var rng = new SplitMix((ulong)(uint)seed ^ 0x57EA4UL);
        var lines = new (double, double, double)[12];
        for (var m = 0; m < lines.Length; m++)
        {
            var th = rng.NextDouble() * Math.PI;
            lines[m] = (Math.Cos(th), Math.Sin(th), m % 2 == 0 ? 1.0 : -0.8);
        }
        return lines;
    }

    /// <summary>Streaks through the slice's cement centroid, strength growing with the cement area in the slice
    /// and fading with distance: a cartoon of beam hardening and photon starvation.</summary>
    private static void AddStreaks(Span<short> hu, Span<byte> cement, int nx, int ny, AcquisitionOptions acq,
        (double Cos, double Sin, double Sign)[] lines, int k)
    {
        double ci = 0, cj = 0; var count = 0;
        for (var j = 0; j < ny; j++)
            for (var i = 0; i < nx; i++)
                if (cement[j * nx + i] != 0) { ci += i; cj += j; count++; }
        if (count == 0) return;
        ci /= count; cj /= count;
        var px = acq.PixelSpacing;
        var amp = acq.StreakStrength * Math.Min(1.0, count * px * px / 150.0);
        var jitter = 0.02 * Math.Sin(k * 0.37);
        for (var j = 0; j < ny; j++)
        {
            for (var i = 0; i < nx; i++)
            {
                var dx = (i - ci) * px; var dy = (j - cj) * px;
                var r = Math.Sqrt(dx * dx + dy * dy);
                if (r < 6) continue;
                double add = 0;
                foreach (var (cos, sin, sign) in lines)
                {
                    var d = dx * (sin + jitter) - dy * cos;
                    add += sign * Math.Exp(-d * d / 2.25);
                }
                var v = hu[j * nx + i] + amp * add * Math.Exp(-r / 60);
                hu[j * nx + i] = (short)Math.Clamp(Math.Round(v), short.MinValue, short.MaxValue);
            }
        }
    }
}

/// <summary>SplitMix64: tiny, fast, good enough for image noise, and fully reproducible.</summary>
internal struct SplitMix
{
    private ulong _state;
    private double _spare;
    private bool _hasSpare;

    public SplitMix(ulong seed) { _state = seed; _spare = 0; _hasSpare = false; }

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal deviate (Marsaglia polar method).</summary>
    public double NextGaussian()
    {
        if (_hasSpare) { _hasSpare = false; return _spare; }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        var f = Math.Sqrt(-2 * Math.Log(s) / s);
        _spare = v * f; _hasSpare = true;
        return u * f;
    }
}

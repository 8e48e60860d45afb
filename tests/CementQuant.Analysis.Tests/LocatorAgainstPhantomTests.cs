using CementQuant.Analysis.Vertebrae;
using CementQuant.Phantom;
using Xunit.Abstractions;

namespace CementQuant.Analysis.Tests;

/// <summary>
/// Issue 4 acceptance on phantoms: every body detected, body Dice ≥ 0.95 against the true body mask,
/// midsagittal plane within 2° and 1 mm, endplates within 1 mm on average, for every catalogue case.
/// </summary>
public class LocatorAgainstPhantomTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases() => [.. PhantomCatalogue.Names];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Locate_CatalogueCase_FindsEveryBodyAccurately(string name)
    {
        var phantom = PhantomCatalogue.Get(name, PhantomSize.Small);
        var (ct, truth) = PhantomCache.Get(name);
        var found = VertebraLocator.Locate(ct.Hu, VertebraLocatorOptions.Default);
        var failures = new List<string>();
        output.WriteLine($"found: {string.Join(", ", found.Vertebrae.Select(v => $"{v.Label}{(v.IsSacrum ? "(sacrum)" : "")}"))}; qc {string.Join(';', found.Qc)}");
        var model = phantom.Model;
        foreach (var t in truth.Vertebrae)
        {
            var vm = model.Vertebrae.Single(m => m.Label == t.Label);
            if (vm.Spec.IsSacrum) continue;
            // The detected body whose centroid is nearest the true one.
            var best = found.Vertebrae.Where(v => !v.IsSacrum).OrderBy(v => (v.Centroid - t.Center).Length).FirstOrDefault();
            if (best is null || (best.Centroid - t.Center).Length > 10) { failures.Add($"{t.Vertebra} not found"); continue; }
            var dice = Dice(best.Body, ct.BodyLabels, (byte)t.Label);
            var angle = Math.Acos(Math.Clamp(Math.Abs(best.MidsagittalNormal.Dot(t.MidsagittalNormal)), 0, 1)) * 180 / Math.PI;
            var offset = Math.Abs((best.MidsagittalPoint - t.MidsagittalPoint).Dot(t.MidsagittalNormal));
            var (supErr, infErr) = EndplateErrors(best, vm);
            output.WriteLine($"{t.Vertebra} as {best.Label}: dice {dice:0.000} centroid {(best.Centroid - t.Center).Length:0.00} mm plane {angle:0.00}° {offset:0.00} mm endplates {supErr:0.00}/{infErr:0.00} mm volume {best.VolumeMl:0.00} ({t.BodyVolumeMl:0.00}) qc {string.Join(';', best.Qc)}");
            if (dice < 0.95) failures.Add($"{t.Vertebra} Dice {dice:0.000}");
            if (angle > 2) failures.Add($"{t.Vertebra} midsagittal angle {angle:0.00}°");
            if (offset > 1) failures.Add($"{t.Vertebra} midsagittal offset {offset:0.00} mm");
            // NaN (no endplate point where the true surface is) fails too: written as "not within", never "> 1".
            if (!(supErr <= 1) || !(infErr <= 1)) failures.Add($"{t.Vertebra} endplate error {supErr:0.00}/{infErr:0.00} mm");
        }
        var measurable = found.Vertebrae.Count(v => !v.IsSacrum);
        var expected = truth.Vertebrae.Count(t => !model.Vertebrae.Single(m => m.Label == t.Label).Spec.IsSacrum);
        if (measurable != expected) failures.Add($"{measurable} bodies found, {expected} in the phantom");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static double Dice(RoiMask mask, Volume<byte> labels, byte label)
    {
        long a = 0, b = 0, both = 0;
        for (var i = 0; i < labels.Data.Length; i++) if (labels.Data[i] == label) b++;
        for (var z = 0; z < mask.SizeZ; z++)
            for (var y = 0; y < mask.SizeY; y++)
                for (var x = 0; x < mask.SizeX; x++)
                {
                    if (mask.Mask[(z * mask.SizeY + y) * mask.SizeX + x] == 0) continue;
                    a++;
                    if (labels[x + mask.X0, y + mask.Y0, z + mask.Z0] == label) both++;
                }
        return 2.0 * both / (a + b);
    }

    /// <summary>Mean |height error| of each endplate over the grid points where both are defined, in the true frame.</summary>
    private static (double Sup, double Inf) EndplateErrors(VertebraRoi roi, VertebraModel v)
    {
        double sup = 0, inf = 0; int ns = 0, ni = 0;
        for (var u = -v.HalfWidth * 0.7; u <= v.HalfWidth * 0.7; u += 2)
            for (var w = -v.HalfDepth * 0.7; w <= v.HalfDepth * 0.7; w += 2)
            {
                if (v.NormalizedRadius(u, w) > 0.8) continue;
                // True surface points in LPS, expressed in the detected frame.
                var ps = roi.Frame.ToLocal(v.Frame.ToPatient(u, w, v.SuperiorEndplateW(u, w)));
                var pi = roi.Frame.ToLocal(v.Frame.ToPatient(u, w, v.InferiorEndplateW(u, w)));
                var hs = roi.Superior.HeightAt(ps.X, ps.Y);
                var hi = roi.Inferior.HeightAt(pi.X, pi.Y);
                if (!double.IsNaN(hs)) { sup += Math.Abs(hs - ps.Z); ns++; }
                if (!double.IsNaN(hi)) { inf += Math.Abs(hi - pi.Z); ni++; }
            }
        return (ns > 0 ? sup / ns : double.NaN, ni > 0 ? inf / ni : double.NaN);
    }
}

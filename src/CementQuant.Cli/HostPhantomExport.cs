using System.Globalization;
using System.Text.Json;
using CementQuant.Analysis.Vertebrae;
using CementQuant.Dicom.Series;
using CementQuant.Phantom;
using CementQuant.Reporting;

namespace CementQuant.Cli;

/// <summary>
/// <c>cementquant phantom --host &lt;CT&gt;</c>: hybrid cases. Every whole body the locator finds in the real host gets each
/// standard fill (<see cref="HybridImplant.StandardFills"/>) in turn; each case is written as <c>&lt;body&gt;-&lt;fill&gt;/ct.nii.gz</c>
/// with a <c>truth.json</c> (volume and left fraction against the host body's midsagittal plane).
/// </summary>
internal static class HostPhantomExport
{
    public static int Write(string hostPath, string outDir)
    {
        var host = LoadHost(hostPath);
        var found = VertebraLocator.Locate(host, VertebraLocatorOptions.Default);
        var cases = 0;
        foreach (var roi in found.Measurable.Where(v => !v.Qc.Contains(VertebraQc.PartialFov)))
        {
            var height = roi.Superior.HeightAt(0, 0) - roi.Inferior.HeightAt(0, 0);
            foreach (var fill in HybridImplant.StandardFills(double.IsFinite(height) ? height : 25))
            {
                WriteCase(host, hostPath, outDir, roi, fill);
                cases++;
            }
        }
        if (cases == 0) Console.Error.WriteLine($"no whole vertebral body found in '{hostPath}': no hybrid case written");
        return ExitCodes.Success;
    }

    /// <summary>The host CT: a NIfTI volume, or the first usable CT series of a DICOM folder.</summary>
    private static Volume<short> LoadHost(string hostPath)
    {
        if (hostPath.EndsWith(".nii", StringComparison.OrdinalIgnoreCase) || hostPath.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase))
            return Nifti.Read(hostPath).Volume;
        var groups = SeriesGrouper.Group(DicomScanner.Scan(DicomScanner.EnumerateFiles([hostPath])).Instances);
        var usable = groups.FirstOrDefault(g => g.Usable) ?? throw new CliException(ExitCodes.NoInput, $"no usable CT series in '{hostPath}'");
        return CtVolumeLoader.Load(usable).Hu;
    }

    /// <summary>One hybrid case: the host with one fill implanted in one body, and its truth.</summary>
    private static void WriteCase(Volume<short> host, string hostPath, string outDir, VertebraRoi roi, HybridFill fill)
    {
        var (ct, truth) = HybridImplant.Implant(host, roi.Frame, roi.MidsagittalPoint, roi.MidsagittalNormal, fill);
        var dir = Path.Combine(outDir, $"{roi.Label}-{fill.Name}");
        Directory.CreateDirectory(dir);
        Nifti.Write(Path.Combine(dir, "ct.nii.gz"), ct);
        File.WriteAllText(Path.Combine(dir, "truth.json"), JsonSerializer.Serialize(new
        {
            host = Path.GetFileName(Path.TrimEndingDirectorySeparator(hostPath)),
            vertebra = roi.Label,
            center_mm = new[] { roi.Centroid.X, roi.Centroid.Y, roi.Centroid.Z },
            fill = fill.Name,
            cement_hu = fill.CementHu,
            cement_volume_ml = truth.VolumeMl,
            left_fraction = truth.LeftFraction,
        }, JsonOptions));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{roi.Label}-{fill.Name}: {truth.VolumeMl:0.000} mL, left fraction {truth.LeftFraction:0.000}"));
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}

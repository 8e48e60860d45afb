using CementQuant.Analysis.Vertebrae;
using CementQuant.Reporting;

namespace CementQuant.Cli;

/// <summary>Vertebral bodies of a volume: detected, or imported from a supplied label map (--segmentation).</summary>
internal static class VertebraStage
{
    public sealed record Located(IReadOnlyList<VertebraRoi> Vertebrae, IReadOnlyList<string> Notes);

    /// <param name="segmentation">Null to detect; else "labels.nii.gz" or "labels.nii.gz,body.nii.gz" (TotalSegmentator's
    /// `total` vertebra labels, optionally with its `vertebrae_body` body/disc map).</param>
    public static Located Locate(Volume<short> hu, string? segmentation)
    {
        if (segmentation is null)
        {
            var found = VertebraLocator.Locate(hu, VertebraLocatorOptions.Default);
            return new Located(found.Vertebrae, found.Qc);
        }
        var parts = segmentation.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2) throw new CliException(ExitCodes.Usage, $"--segmentation expects labels.nii.gz[,body.nii.gz], got '{segmentation}'");
        foreach (var p in parts)
            if (!File.Exists(p)) throw new CliException(ExitCodes.InputUnreadable, $"segmentation '{p}' does not exist");
        var labels = Nifti.Read(parts[0]).Volume;
        var body = parts.Length == 2 ? Nifti.Read(parts[1]).Volume : null;
        var imported = SegmentationImport.Import(hu, labels, body, new SegmentationImportOptions());
        return new Located(imported.Vertebrae, [.. imported.Qc, "labels from segmentation"]);
    }
}

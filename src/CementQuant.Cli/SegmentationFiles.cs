using CementQuant.Reporting;

namespace CementQuant.Cli;

/// <summary>The label maps of <c>--segmentation</c>, read for the CT pipeline (which imports them instead of detecting bodies).</summary>
internal static class SegmentationFiles
{
    /// <param name="segmentation">Null: none; else "labels.nii.gz" or "labels.nii.gz,body.nii.gz" (TotalSegmentator's
    /// `total` vertebra labels, optionally with its `vertebrae_body` body/disc map).</param>
    public static (Volume<short>? Labels, Volume<short>? Body) Read(string? segmentation)
    {
        if (segmentation is null) return (null, null);
        var parts = segmentation.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2) throw new CliException(ExitCodes.Usage, $"--segmentation expects labels.nii.gz[,body.nii.gz], got '{segmentation}'");
        foreach (var p in parts)
            if (!File.Exists(p)) throw new CliException(ExitCodes.InputUnreadable, $"segmentation '{p}' does not exist");
        return (Nifti.Read(parts[0]).Volume, parts.Length == 2 ? Nifti.Read(parts[1]).Volume : null);
    }
}

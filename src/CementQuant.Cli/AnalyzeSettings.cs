using CementQuant.Analysis.Cement;
using CementQuant.Analysis.Pipeline;
using CementQuant.Analysis.Radiograph;

namespace CementQuant.Cli;

/// <summary>The options of `cementquant analyze` (shared/spec/CLI.md), validated once.</summary>
public sealed record AnalyzeSettings
{
    public required IReadOnlyList<string> Inputs { get; init; }
    public required string Output { get; init; }
    /// <summary>Null: automatic per vertebra.</summary>
    public double? ThresholdHu { get; init; }
    public double ContactToleranceMm { get; init; } = 1.0;
    public string? Segmentation { get; init; }
    public string? SiteKeyPath { get; init; }
    public bool IncludePhi { get; init; }
    public string? Database { get; init; }
    public int Jobs { get; init; } = Environment.ProcessorCount;
    /// <summary>1-based shard index and count: process only the i-th of N disjoint parts.</summary>
    public (int Index, int Count) Shard { get; init; } = (1, 1);
    public bool NoReport { get; init; }
    public bool NoMasks { get; init; }
    public bool Resume { get; init; }
    /// <summary>--study: the StudyInstanceUID a DICOMweb root input is searched for.</summary>
    public string? Study { get; init; }
    /// <summary>--patient: the PatientID a DICOMweb root input is searched for.</summary>
    public string? Patient { get; init; }
    /// <summary>--push: the DICOMweb root the DICOM outputs are sent to with STOW-RS after the run; implies --dicom.</summary>
    public string? Push { get; init; }
    /// <summary>--dicomweb-auth-file: one line of credentials ("user:password", "Bearer &lt;token&gt;"); else CQ_DICOMWEB_AUTH.</summary>
    public string? DicomWebAuthFile { get; init; }
    /// <summary>--dicomweb-timeout: seconds a DICOMweb request may wait for its answer, and a download for its next byte.</summary>
    public double DicomWebTimeoutSeconds { get; init; } = 60;
    /// <summary>--dicomweb-retries: retries of a request that failed with a connection error, a timeout or a 5xx.</summary>
    public int DicomWebRetries { get; init; } = 3;
    /// <summary>
    /// Set when the run uses DICOMweb (a URL input or --push): where its credentials came from ("file", "environment",
    /// "url", "none"), fixed before the URL inputs are replaced by their retrieved folders. Never the credentials.
    /// </summary>
    public string? DicomWebCredentials { get; init; }

    /// <summary>The CT pipeline's options this run uses (the stages' defaults, with the command line's threshold and contact tolerance).</summary>
    public CtPipelineOptions CtOptions() =>
        new(cement: new CementOptions { ThresholdHu = ThresholdHu, ContactToleranceMm = ContactToleranceMm });

    /// <summary>The radiograph pipeline's options this run uses.</summary>
    public RadiographPipelineOptions RadiographOptions() =>
        new(new RadiographAnalysisOptions { ContactToleranceMm = ContactToleranceMm });

    public static (int, int) ParseShard(string? text)
    {
        if (string.IsNullOrEmpty(text)) return (1, 1);
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var i) || !int.TryParse(parts[1], out var n) || n < 1 || i < 1 || i > n)
            throw new CliException(ExitCodes.Usage, $"--shard expects i/N with 1 ≤ i ≤ N, got '{text}'");
        return (i, n);
    }

    public static double? ParseThreshold(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Equals("auto", StringComparison.OrdinalIgnoreCase)) return null;
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || v < 200 || v > 3071)
            throw new CliException(ExitCodes.Usage, $"--threshold-hu expects 'auto' or a number of HU in 200..3071, got '{text}'");
        return v;
    }
}

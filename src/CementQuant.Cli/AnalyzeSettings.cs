using CementQuant.Analysis.Flags;
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
    /// <summary>Wall-clock seconds one series (or one study's radiographs) may take; null: no limit.</summary>
    public double? SeriesTimeLimitSeconds { get; init; }
    /// <summary>--study: the StudyInstanceUID a DICOMweb root input is searched for.</summary>
    public string? Study { get; init; }
    /// <summary>--patient: the PatientID a DICOMweb root input is searched for.</summary>
    public string? Patient { get; init; }
    /// <summary>--push: the DICOMweb root the DICOM outputs are sent to with STOW-RS after the run (--dicom, which will write them, is still to come: #16).</summary>
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

    /// <summary>"none" (the default) or a number of seconds, 0.001 to 86400.</summary>
    public static double? ParseTimeLimit(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || !(v >= 0.001 && v <= 86400))
            throw new CliException(ExitCodes.Usage, $"--series-time-limit expects 'none' or seconds in 0.001..86400, got '{text}'");
        return v;
    }

    public static double? ParseThreshold(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Equals("auto", StringComparison.OrdinalIgnoreCase)) return null;
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || v < 200 || v > 3071)
            throw new CliException(ExitCodes.Usage, $"--threshold-hu expects 'auto' or a number of HU in 200..3071, got '{text}'");
        return v;
    }

    /// <summary>Every option value of the run that shapes its results, from the options the pipelines actually use.</summary>
    public Dictionary<string, object?> Parameters(CtPipelineOptions ct, RadiographPipelineOptions radiographs) =>
        WithDicomWeb(new()
        {
            ["threshold_hu"] = ThresholdHu is { } t ? t : "auto",
            ["contact_tolerance_mm"] = ContactToleranceMm,
            // Both files of "labels.nii.gz,body.nii.gz" by name (not only the last one); names are input path text, so
            // only with --include-phi.
            ["segmentation"] = Segmentation is null ? null
                : IncludePhi ? string.Join(',', Segmentation.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFileName))
                : "supplied",
            ["include_phi"] = IncludePhi,
            ["shard"] = $"{Shard.Index}/{Shard.Count}",
            ["series_time_limit_s"] = SeriesTimeLimitSeconds is { } limit ? limit : "none",
            ["flag_rules"] = VertebraFlags.Rules(ct.Flags, ct.Cement.CrossesMidlineMm),
            ["ct_pipeline"] = ct.Describe().Values.ToDictionary(v => v.Key, v => v.Value),
            ["radiograph_pipeline"] = radiographs.Describe().Values.ToDictionary(v => v.Key, v => v.Value),
        });

    /// <summary>
    /// The DICOMweb options of a run that used them (a run on files keeps its provenance as before): where results were
    /// pushed (root only, no credentials), the timeouts, retries and where the credentials came from, never the credentials.
    /// </summary>
    private Dictionary<string, object?> WithDicomWeb(Dictionary<string, object?> p)
    {
        if (DicomWebCredentials is null) return p;
        p["dicomweb"] = new Dictionary<string, object?>
        {
            ["push"] = Push is null ? null : Dicom.Web.DicomWebUrl.Parse(Push).Redacted,
            ["study_filter"] = Study is null ? null : IncludePhi ? Study : "given",
            ["patient_filter"] = Patient is null ? null : IncludePhi ? Patient : "given",
            ["timeout_s"] = DicomWebTimeoutSeconds,
            ["retries"] = DicomWebRetries,
            ["credentials"] = DicomWebCredentials,
        };
        return p;
    }
}

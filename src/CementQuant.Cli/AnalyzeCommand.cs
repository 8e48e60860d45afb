using System.CommandLine;
using System.Globalization;

namespace CementQuant.Cli;

/// <summary><c>cementquant analyze</c>: the main job (shared/spec/CLI.md).</summary>
internal static class AnalyzeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("input") { Arity = ArgumentArity.OneOrMore, Description = "folders (searched recursively), DICOM files, .nii/.nii.gz CT volumes, DICOMweb study URLs (http://host/dicom-web/studies/<uid>) or a DICOMweb root with --study/--patient" };
        var output = new Option<string>("--out") { Required = true, Description = "output folder" };
        var threshold = new Option<string>("--threshold-hu") { Description = "cement threshold: auto (per vertebra) or HU [auto]", DefaultValueFactory = _ => "auto" };
        var tolerance = new Option<double>("--contact-tolerance-mm") { Description = "cement within this distance touches an endplate [1.0]", DefaultValueFactory = _ => 1.0 };
        var segmentation = new Option<string?>("--segmentation") { Description = "vertebra label map (.nii.gz) for a single CT input, e.g. TotalSegmentator's" };
        var siteKey = new Option<string?>("--site-key") { Description = "site key file for pseudonymous study/series keys [created in the user's config folder]" };
        var phi = new Option<bool>("--include-phi") { Description = "add patient_id, study_uid, series_uid, study_date columns" };
        var db = new Option<string?>("--db") { Description = "SQLite path or PostgreSQL connection string [<out>/cementquant.db]" };
        var jobs = new Option<int>("--jobs") { Description = "parallel jobs [cores]", DefaultValueFactory = _ => Environment.ProcessorCount };
        var shard = new Option<string?>("--shard") { Description = "i/N: process only the i-th of N disjoint parts of the input" };
        var noReport = new Option<bool>("--no-report") { Description = "do not write report.html" };
        var noMasks = new Option<bool>("--no-masks") { Description = "do not write NIfTI masks" };
        var resume = new Option<bool>("--resume") { Description = "skip series whose results are already in <out>" };
        var study = new Option<string?>("--study") { Description = "StudyInstanceUID to search for on a DICOMweb root input (QIDO-RS) and retrieve (WADO-RS)" };
        var patient = new Option<string?>("--patient") { Description = "PatientID whose studies are searched for on a DICOMweb root input and retrieved" };
        var push = new Option<string?>("--push") { Description = "DICOMweb root URL: after the run, send the DICOM outputs (<out>/dicom/*.dcm) with STOW-RS; implies --dicom" };
        var authFile = new Option<string?>("--dicomweb-auth-file") { Description = $"file whose first line is the DICOMweb credentials: user:password or 'Bearer <token>' [environment variable {DicomWebSession.AuthVariable}]" };
        var webTimeout = new Option<double>("--dicomweb-timeout") { Description = "seconds a DICOMweb request waits for its answer, and a download for its next byte [60]", DefaultValueFactory = _ => 60 };
        var webRetries = new Option<int>("--dicomweb-retries") { Description = "retries, with exponential back-off, of a DICOMweb request that failed with a connection error, timeout or 5xx [3]", DefaultValueFactory = _ => 3 };
        var cmd = new Command("analyze", "analyse every usable CT series and radiograph under the inputs")
        {
            inputs, output, threshold, tolerance, segmentation, siteKey, phi, db, jobs, shard, noReport, noMasks, resume, study, patient, push, authFile, webTimeout, webRetries,
        };
        cmd.SetAction(r => Program.Guard(() =>
        {
            var t = r.GetValue(tolerance);
            if (t is < 0 or > 10) throw new CliException(ExitCodes.Usage, string.Create(CultureInfo.InvariantCulture, $"--contact-tolerance-mm expects 0..10, got {t}"));
            var j = r.GetValue(jobs);
            if (j < 1) throw new CliException(ExitCodes.Usage, $"--jobs expects a positive number, got {j}");
            var wt = r.GetValue(webTimeout);
            if (wt is < 1 or > 3600) throw new CliException(ExitCodes.Usage, string.Create(CultureInfo.InvariantCulture, $"--dicomweb-timeout expects 1..3600 seconds, got {wt}"));
            var wr = r.GetValue(webRetries);
            if (wr is < 0 or > 10) throw new CliException(ExitCodes.Usage, $"--dicomweb-retries expects 0..10, got {wr}");
            var settings = new AnalyzeSettings
            {
                Inputs = r.GetValue(inputs)!,
                Output = r.GetValue(output)!,
                ThresholdHu = AnalyzeSettings.ParseThreshold(r.GetValue(threshold)),
                ContactToleranceMm = t,
                Segmentation = r.GetValue(segmentation),
                SiteKeyPath = r.GetValue(siteKey),
                IncludePhi = r.GetValue(phi),
                Database = r.GetValue(db),
                Jobs = j,
                Shard = AnalyzeSettings.ParseShard(r.GetValue(shard)),
                NoReport = r.GetValue(noReport),
                NoMasks = r.GetValue(noMasks),
                Resume = r.GetValue(resume),
                Study = r.GetValue(study),
                Patient = r.GetValue(patient),
                Push = r.GetValue(push),
                DicomWebAuthFile = r.GetValue(authFile),
                DicomWebTimeoutSeconds = wt,
                DicomWebRetries = wr,
            };
            if (!DicomWebSession.Needed(settings) && (settings.Study is not null || settings.Patient is not null))
                throw new CliException(ExitCodes.Usage, "--study/--patient filter a DICOMweb root input (http://host/dicom-web), and there is none");
            return DicomWebSession.Needed(settings) ? RunWithDicomWeb(settings) : Run(settings, []);
        }));
        return cmd;
    }

    private static int Run(AnalyzeSettings settings, IReadOnlyList<Problem> retrievalProblems)
    {
        // A live progress bar on a terminal; plain log lines when standard error goes to a file or a scheduler.
        var result = new AnalyzeRunner(settings, Console.Error, terminal: !Console.IsErrorRedirected, retrievalProblems).Run();
        SummaryTable.Print(Console.Out, result.Series);
        return result.ExitCode;
    }

    /// <summary>DICOMweb inputs retrieved into the run's folder first, then the usual run on them; --push after it.</summary>
    private static int RunWithDicomWeb(AnalyzeSettings settings)
    {
        settings = settings with { DicomWebCredentials = DicomWebSession.CredentialSource(settings) };
        using var session = DicomWebSession.Open(settings, Console.Error);
        var outDir = CliChecks.Output(settings.Output);
        (IReadOnlyList<string> inputs, IReadOnlyList<Problem> problems) = settings.Inputs.Any(Dicom.Web.DicomWebUrl.IsDicomWeb) ? session.Retrieve(outDir) : (settings.Inputs, Array.Empty<Problem>());
        var exit = Run(settings with { Inputs = inputs }, problems);
        if (settings.Push is not null && exit is ExitCodes.Success or ExitCodes.PartialFailure) session.Push(outDir);
        return exit;
    }
}

using System.CommandLine;
using System.Globalization;

namespace CementQuant.Cli;

/// <summary><c>cementquant analyze</c>: the main job (shared/spec/CLI.md).</summary>
internal static class AnalyzeCommand
{
    /// <summary>The command's help text: what it does, examples and the exit codes (shared/spec/CLI.md).</summary>
    private const string Help = """
        analyse every usable CT series and radiograph under the inputs; writes vertebrae.csv, radiographs.csv,
        series.csv, problems.csv, results.json, the database, NIfTI masks and report.html into --out

        Examples:
          cementquant analyze /data/pacs-export --out results
          cementquant analyze ct.nii.gz --segmentation labels.nii.gz,body.nii.gz --out results
          cementquant analyze /data --out results --db postgresql://qa@dbhost/cementquant --shard 2/8 --quiet

        Exit codes: 0 every usable series analysed; 2 no DICOM or NIfTI input found; 3 an input does not exist or
        cannot be read; 4 the output folder cannot be written; 5 some series failed (see problems.csv); 64 wrong usage;
        1 an internal error (a bug: please report it)
        """;

    public static Command Create()
    {
        var inputs = new Argument<string[]>("input") { Arity = ArgumentArity.OneOrMore, Description = "folders (searched recursively), DICOM files, .nii/.nii.gz CT volumes, DICOMweb study URLs (http://host/dicom-web/studies/<uid>) or a DICOMweb root with --study/--patient" };
        var output = new Option<string>("--out") { Required = true, Description = "output folder" };
        var threshold = new Option<string>("--threshold-hu") { Description = "cement threshold: auto (per vertebra) or HU (200..3071)", DefaultValueFactory = _ => "auto" };
        var tolerance = new Option<double>("--contact-tolerance-mm") { Description = "cement within this distance (mm, 0..10) touches an endplate", DefaultValueFactory = _ => 1.0 };
        var segmentation = new Option<string?>("--segmentation") { Description = "vertebra label map (.nii.gz) for a single CT input, e.g. TotalSegmentator's; 'labels.nii.gz,body.nii.gz' adds a body/disc map that drops the posterior elements" };
        var siteKey = new Option<string?>("--site-key") { Description = "site key file for pseudonymous study/series keys [created in the user's config folder]" };
        var phi = new Option<bool>("--include-phi") { Description = "add patient_id, study_uid, series_uid, study_date columns" };
        var db = new Option<string?>("--db") { Description = "SQLite path, or PostgreSQL as 'Host=...;Database=...' or 'postgresql://user@host/db' [<out>/cementquant.db]" };
        var jobs = new Option<int>("--jobs") { Description = "series analysed at once (the number of cores by default)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var shard = new Option<string?>("--shard") { Description = "i/N: process only the i-th of N disjoint parts of the input" };
        var noReport = new Option<bool>("--no-report") { Description = "do not write report.html" };
        var noMasks = new Option<bool>("--no-masks") { Description = "do not write NIfTI masks" };
        var resume = new Option<bool>("--resume") { Description = "skip series whose results are already in <out>" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "print only warnings and errors (no progress, no summary)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "also print every stage's detail lines" };
        var logFormat = new Option<string>("--log-format") { Description = "text, or json: one JSON object per log line (for schedulers)", DefaultValueFactory = _ => "text" };
        var json = new Option<bool>("--json") { Description = "print the run summary as JSON on standard output instead of the table" };
        var timeLimit = new Option<string>("--series-time-limit") { Description = "seconds one series may take; a series over it is a problems.csv row and the batch goes on", DefaultValueFactory = _ => "none" };
        var study = new Option<string?>("--study") { Description = "StudyInstanceUID to search for on a DICOMweb root input (QIDO-RS) and retrieve (WADO-RS)" };
        var patient = new Option<string?>("--patient") { Description = "PatientID whose studies are searched for on a DICOMweb root input and retrieved" };
        var push = new Option<string?>("--push") { Description = "DICOMweb root URL: after the run, send the DICOM outputs (<out>/dicom/*.dcm) with STOW-RS" };
        var authFile = new Option<string?>("--dicomweb-auth-file") { Description = $"file whose first line is the DICOMweb credentials: user:password or 'Bearer <token>' [environment variable {DicomWebSession.AuthVariable}]" };
        var webTimeout = new Option<double>("--dicomweb-timeout") { Description = "seconds a DICOMweb request waits for its answer, and a download for its next byte", DefaultValueFactory = _ => 60 };
        var config = new Option<string?>("--config") { Description = "results.json of an earlier run: analyse with the options it recorded (threshold, contact tolerance, time limit, PHI, shard); options given here win" };
        var webRetries = new Option<int>("--dicomweb-retries") { Description = "retries, with exponential back-off, of a DICOMweb request that failed with a connection error, timeout or 5xx", DefaultValueFactory = _ => 3 };
        var cmd = new Command("analyze", Help)
        {
            inputs, output, threshold, tolerance, segmentation, siteKey, phi, db, jobs, shard, noReport, noMasks, resume, timeLimit, quiet, verbose, logFormat, json,
            study, patient, push, authFile, webTimeout, webRetries, config,
        };
        cmd.SetAction(r => Program.Guard(explain: true, body: () =>
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
                SeriesTimeLimitSeconds = AnalyzeSettings.ParseTimeLimit(r.GetValue(timeLimit)),
                Study = r.GetValue(study),
                Patient = r.GetValue(patient),
                Push = r.GetValue(push),
                DicomWebAuthFile = r.GetValue(authFile),
                DicomWebTimeoutSeconds = wt,
                DicomWebRetries = wr,
            };
            if (r.GetValue(quiet) && r.GetValue(verbose)) throw new CliException(ExitCodes.Usage, "--quiet and --verbose exclude each other");
            var style = new ConsoleStyle(r.GetValue(quiet) ? Verbosity.Quiet : r.GetValue(verbose) ? Verbosity.Verbose : Verbosity.Normal,
                ConsoleStyle.ParseJsonLog(r.GetValue(logFormat)));
            if (r.GetValue(config) is { } configPath)
                settings = RunConfig.Apply(configPath, settings, name => r.GetResult(name) is System.CommandLine.Parsing.OptionResult { Implicit: false },
                    warning => Console.Error.WriteLine(style.Line("warning", style.JsonLog ? warning : "warning: " + warning)));
            if (!DicomWebSession.Needed(settings) && (settings.Study is not null || settings.Patient is not null))
                throw new CliException(ExitCodes.Usage, "--study/--patient filter a DICOMweb root input (http://host/dicom-web), and there is none");
            var console = new ConsoleOutput(style, r.GetValue(json));
            return DicomWebSession.Needed(settings) ? RunWithDicomWeb(settings, console) : Run(settings, [], console);
        }));
        return cmd;
    }

    /// <summary>The console's shape for this run: verbosity and log format, and the summary as a table or JSON.</summary>
    private sealed record ConsoleOutput(ConsoleStyle Style, bool Json);

    private static int Run(AnalyzeSettings settings, IReadOnlyList<Problem> retrievalProblems, ConsoleOutput console)
    {
        var style = console.Style;
        // A live progress bar on a terminal; plain log lines when standard error goes to a file or a scheduler.
        var result = new AnalyzeRunner(settings, Console.Error, terminal: !Console.IsErrorRedirected, style, retrievalProblems).Run();
        if (console.Json) RunSummaryJson.Write(Console.Out, result);
        else if (style.Verbosity != Verbosity.Quiet) SummaryTable.Print(Console.Out, result.Series);
        Console.Out.Flush();
        // The last line says which exit code this is and why (quiet: only when it is not a success).
        if (style.Verbosity != Verbosity.Quiet || result.ExitCode != ExitCodes.Success) Console.Error.WriteLine(style.Line("info", result.Explanation));
        return result.ExitCode;
    }

    /// <summary>DICOMweb inputs retrieved into the run's folder first, then the usual run on them; --push after it.</summary>
    private static int RunWithDicomWeb(AnalyzeSettings settings, ConsoleOutput console)
    {
        settings = settings with { DicomWebCredentials = DicomWebSession.CredentialSource(settings) };
        using var session = DicomWebSession.Open(settings, Console.Error);
        var outDir = CliChecks.Output(settings.Output);
        (IReadOnlyList<string> inputs, IReadOnlyList<Problem> problems) = settings.Inputs.Any(Dicom.Web.DicomWebUrl.IsDicomWeb) ? session.Retrieve(outDir) : (settings.Inputs, Array.Empty<Problem>());
        var exit = Run(settings with { Inputs = inputs }, problems, console);
        if (settings.Push is not null && exit is ExitCodes.Success or ExitCodes.PartialFailure) session.Push(outDir);
        return exit;
    }
}

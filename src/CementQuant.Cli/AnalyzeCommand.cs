using System.CommandLine;
using System.Globalization;

namespace CementQuant.Cli;

/// <summary><c>cementquant analyze</c>: the main job (shared/spec/CLI.md).</summary>
internal static class AnalyzeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("input") { Arity = ArgumentArity.OneOrMore, Description = "folders (searched recursively), DICOM files, .nii/.nii.gz CT volumes" };
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
        var timeLimit = new Option<string>("--series-time-limit") { Description = "seconds one series may take; a series over it is a problems.csv row and the batch goes on [none]", DefaultValueFactory = _ => "none" };
        var cmd = new Command("analyze", "analyse every usable CT series and radiograph under the inputs")
        {
            inputs, output, threshold, tolerance, segmentation, siteKey, phi, db, jobs, shard, noReport, noMasks, resume, timeLimit,
        };
        cmd.SetAction(r => Program.Guard(explain: true, body: () =>
        {
            var t = r.GetValue(tolerance);
            if (t is < 0 or > 10) throw new CliException(ExitCodes.Usage, string.Create(CultureInfo.InvariantCulture, $"--contact-tolerance-mm expects 0..10, got {t}"));
            var j = r.GetValue(jobs);
            if (j < 1) throw new CliException(ExitCodes.Usage, $"--jobs expects a positive number, got {j}");
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
            };
            // A live progress bar on a terminal; plain log lines when standard error goes to a file or a scheduler.
            var result = new AnalyzeRunner(settings, Console.Error, terminal: !Console.IsErrorRedirected).Run();
            SummaryTable.Print(Console.Out, result.Series);
            Console.Out.Flush();
            Console.Error.WriteLine(result.Explanation);
            return result.ExitCode;
        }));
        return cmd;
    }
}

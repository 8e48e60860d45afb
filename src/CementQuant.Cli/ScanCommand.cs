using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CementQuant.Dicom.Series;

namespace CementQuant.Cli;

/// <summary><c>cementquant scan</c>: what is in the inputs and what analyze would do with each series.</summary>
internal static class ScanCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("input") { Arity = ArgumentArity.OneOrMore, Description = "files or folders (searched recursively)" };
        var json = new Option<bool>("--json") { Description = "machine-readable output" };
        var jobs = new Option<int>("--jobs") { Description = "parallel header readers [cores]" };
        var cmd = new Command("scan", "list studies and series found and whether analyze would use each") { inputs, json, jobs };
        cmd.SetAction(r => Program.Guard(() => Run(r.GetValue(inputs)!, r.GetValue(json), r.GetValue(jobs))));
        return cmd;
    }

    private static int Run(string[] inputs, bool json, int jobs)
    {
        CliChecks.Inputs(inputs);
        var files = DicomScanner.EnumerateFiles(inputs);
        var nifti = files.Where(DicomScanner.IsNifti).ToList();
        var scan = DicomScanner.Scan([.. files.Where(f => !DicomScanner.IsNifti(f))], jobs);
        var groups = SeriesGrouper.Group(scan.Instances);
        if (groups.Count == 0 && nifti.Count == 0)
        {
            Report(json, files, groups, nifti, scan);
            Console.Error.WriteLine($"cementquant: no DICOM or NIfTI input found in {files.Count} file(s)");
            return ExitCodes.NoInput;
        }
        Report(json, files, groups, nifti, scan);
        return ExitCodes.Success;
    }

    private static void Report(bool json, List<string> files, IReadOnlyList<SeriesGroup> groups, List<string> nifti, ScanResult scan)
    {
        // Studies are numbered in order of appearance; raw UIDs stay out of the output (privacy by default).
        var studyNumbers = groups.Select(g => g.StudyInstanceUid).Distinct().Select((uid, i) => (uid, i)).ToDictionary(p => p.uid, p => p.i + 1);
        if (json)
        {
            var doc = new
            {
                files = files.Count,
                series = groups.Select(g => new
                {
                    index = g.Index + 1,
                    study = studyNumbers[g.StudyInstanceUid],
                    kind = g.Kind.ToString(),
                    description = g.Describe(),
                    modality = g.First.Modality,
                    instances = g.Instances.Count,
                    transfer_syntax = g.First.TransferSyntaxName,
                    usable = g.Usable,
                    reason = g.Reason,
                    first_file = g.First.Path,
                }),
                nifti = nifti,
                problems = scan.Problems.Select(p => new { path = p.Path, stage = p.Stage, reason = p.Reason }),
            };
            Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"{files.Count} files: {scan.Instances.Count} DICOM, {nifti.Count} NIfTI, {scan.Problems.Count} unreadable; {groups.Count} series in {studyNumbers.Count} studies"));
        foreach (var g in groups)
        {
            var use = g.Usable ? "analyse" : "skip";
            Console.WriteLine(string.Create(inv, $"  #{g.Index + 1,-3} study {studyNumbers[g.StudyInstanceUid],-3} {g.First.Modality,-3} {g.Describe(),-26} {g.First.TransferSyntaxName,-40} {use,-8} {g.Reason}"));
        }
        foreach (var n in nifti) Console.WriteLine($"  NIfTI volume '{n}': analyse");
        foreach (var p in scan.Problems) Console.WriteLine($"  unreadable '{p.Path}': {p.Reason}");
    }
}

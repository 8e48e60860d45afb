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
            Report(json, inputs, files, groups, nifti, scan);
            Console.Error.WriteLine($"cementquant: no DICOM or NIfTI input found in {files.Count} file(s)");
            return ExitCodes.NoInput;
        }
        Report(json, inputs, files, groups, nifti, scan);
        return ExitCodes.Success;
    }

    private static void Report(bool json, string[] inputs, List<string> files, IReadOnlyList<SeriesGroup> groups, List<string> nifti, ScanResult scan)
    {
        // Studies are numbered in order of appearance; raw UIDs stay out of the output (privacy by default). Folders are
        // shown relative to the input they were found under (the operator's own paths, as analyze's console shows them).
        var studyNumbers = groups.Select(g => g.StudyInstanceUid).Distinct().Select((uid, i) => (uid, i)).ToDictionary(p => p.uid, p => p.i + 1);
        var rows = groups.Select(g =>
        {
            // The same rules as analyze: unusable series, and CT series with too few slices for a volume, are skipped.
            var skip = !g.Usable ? g.Reason : CtSeriesStage.TooFewSlices(g);
            return (Group: g, Folder: Folder(inputs, g.First.Path), Use: skip is null ? "analyse" : "skip", Reason: skip ?? g.Reason);
        }).ToList();
        if (json)
        {
            var doc = new
            {
                files = files.Count,
                series = rows.Select(r => new
                {
                    index = r.Group.Index + 1,
                    study = studyNumbers[r.Group.StudyInstanceUid],
                    kind = r.Group.Kind.ToString(),
                    description = r.Group.Describe(),
                    modality = r.Group.First.Modality,
                    instances = r.Group.Instances.Count,
                    transfer_syntax = r.Group.First.TransferSyntaxName,
                    usable = r.Use == "analyse",
                    reason = r.Reason,
                    folder = r.Folder,
                    first_file = r.Group.First.Path,
                }),
                nifti = nifti,
                problems = scan.Problems.Select(p => new { path = p.Path, stage = p.Stage, reason = p.Reason }),
            };
            Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"{files.Count} files: {scan.Instances.Count} DICOM, {nifti.Count} NIfTI, {scan.Problems.Count} unreadable; {groups.Count} series in {studyNumbers.Count} studies"));
        List<string[]> table = [["#", "study", "mod", "series", "files", "encoding", "folder", "use", "why"]];
        table.AddRange(rows.Select(r => new[]
        {
            (r.Group.Index + 1).ToString(inv), studyNumbers[r.Group.StudyInstanceUid].ToString(inv), r.Group.First.Modality, r.Group.Describe(),
            r.Group.Instances.Count.ToString(inv), r.Group.First.TransferSyntaxName, r.Folder, r.Use, r.Reason,
        }));
        table.AddRange(nifti.Select(n => NiftiVerdict(n) is var (use, why) ? new[] { "", "", "", "NIfTI " + Path.GetFileName(n), "1", "", Folder(inputs, n), use, why } : []));
        foreach (var line in Columns(table)) Console.WriteLine("  " + line);
        foreach (var p in scan.Problems) Console.WriteLine($"  unreadable '{p.Path}': {p.Reason}");
    }

    /// <summary>
    /// What analyze does with a NIfTI file, by the same reader and rules (label maps, masks, colour images and volumes with no
    /// air are not CT): the file is read whole, so scan takes longer on folders of NIfTI volumes than on DICOM headers.
    /// </summary>
    private static (string Use, string Why) NiftiVerdict(string path)
    {
        try
        {
            var v = Reporting.Nifti.ReadCt(path).Volume;
            return ("analyse", string.Create(CultureInfo.InvariantCulture, $"CT volume {v.SizeX}×{v.SizeY}×{v.SizeZ}"));
        }
        catch (Reporting.NiftiNotCtException ex)
        {
            return ("skip", ex.Problem);
        }
        catch (CementQuantException ex)
        {
            return ("unreadable", ex.Message);
        }
    }

    /// <summary>Rows padded to their columns' widths (the last column as it is), so the table lines up whatever the values.</summary>
    private static IEnumerable<string> Columns(List<string[]> table)
    {
        var widths = Enumerable.Range(0, table[0].Length).Select(c => table.Max(r => r[c].Length)).ToArray();
        return table.Select(r => string.Join("  ", r.Select((cell, c) => c == r.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
    }

    /// <summary>A file's folder relative to the input it was found under ("." for the input folder itself).</summary>
    private static string Folder(string[] inputs, string file)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        foreach (var input in inputs)
        {
            var root = Path.GetFullPath(input);
            if (File.Exists(root)) root = Path.GetDirectoryName(root)!;
            if (folder == root.TrimEnd('/')) return ".";
            if (folder.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal)) return Path.GetRelativePath(root, folder);
        }
        return folder;
    }
}

using System.CommandLine;
using System.Globalization;
using CementQuant.Dicom.Series;
using CementQuant.Reporting;

namespace CementQuant.Cli;

/// <summary><c>cementquant convert</c>: every CT series as a NIfTI volume in HU, geometry exact (like dcm2niix).</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("input") { Arity = ArgumentArity.OneOrMore, Description = "files or folders (searched recursively)" };
        var output = new Option<string>("--out") { Required = true, Description = "output folder" };
        var jobs = new Option<int>("--jobs") { Description = "parallel decoders and compressors (the number of cores by default)" };
        var siteKey = new Option<string?>("--site-key") { Description = "site key file for the sidecars' series_key, as analyze uses it [created in the user's config folder]" };
        var cmd = new Command("convert", "write each CT series as NIfTI (.nii.gz) in HU, with a JSON sidecar (geometry, acquisition, series_key)") { inputs, output, jobs, siteKey };
        cmd.SetAction(r => Program.Guard(() => Run(r.GetValue(inputs)!, r.GetValue(output)!, r.GetValue(jobs), r.GetValue(siteKey))));
        return cmd;
    }

    private static int Run(string[] inputs, string output, int jobs, string? siteKeyPath)
    {
        CliChecks.Inputs(inputs);
        var key = CliChecks.SiteKey(siteKeyPath);
        var outDir = CliChecks.Output(output);
        var files = DicomScanner.EnumerateFiles(inputs).Where(f => !DicomScanner.IsNifti(f)).ToList();
        var scan = DicomScanner.Scan(files, jobs);
        var groups = SeriesGrouper.Group(scan.Instances);
        var ct = groups.Where(g => g.Kind is InstanceKind.CtSlice or InstanceKind.EnhancedCt).ToList();
        if (ct.Count == 0)
        {
            Console.Error.WriteLine($"cementquant: no CT series found in {files.Count} file(s) ({scan.Problems.Count} unreadable)");
            return ExitCodes.NoInput;
        }
        var written = 0;
        var failed = 0;
        var inv = CultureInfo.InvariantCulture;
        foreach (var g in ct)
        {
            // File names come from the series index, never from DICOM text.
            var name = string.Create(inv, $"series_{g.Index + 1:D3}.nii.gz");
            if (!g.Usable)
            {
                failed++;
                Console.Error.WriteLine($"skipped series #{g.Index + 1} ({g.Describe()}): {g.Reason}");
                continue;
            }
            try
            {
                var ctVolume = CtVolumeLoader.Load(g, jobs);
                Nifti.Write(Path.Combine(outDir, name), ctVolume.Hu, jobs: jobs);
                AtomicFile.WriteAllText(Path.Combine(outDir, name[..^".nii.gz".Length] + ".json"), ConvertSidecar.Json(g, ctVolume, SeriesKeys.For(key, g.StudyInstanceUid, g.SeriesInstanceUid, g.First)));
                written++;
                var v = ctVolume.Hu;
                var notes = ctVolume.Notes.Count > 0 ? "; " + string.Join("; ", ctVolume.Notes) : "";
                Console.WriteLine(string.Create(inv, $"{name}: {v.SizeX}×{v.SizeY}×{v.SizeZ}, {v.Geometry.ColumnSpacing:0.###}×{v.Geometry.RowSpacing:0.###}×{v.Geometry.SliceSpacing:0.###} mm{notes}"));
            }
            catch (CementQuantException ex)
            {
                failed++;
                Console.Error.WriteLine($"failed series #{g.Index + 1}: {ex.Message}");
            }
        }
        foreach (var p in scan.Problems) Console.Error.WriteLine($"unreadable '{p.Path}': {p.Reason}");
        if (written == 0) return ExitCodes.PartialFailure;
        return failed > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
    }
}

using System.CommandLine;
using System.Text.Json;
using CementQuant.Phantom;

namespace CementQuant.Cli;

/// <summary>
/// <c>cementquant demo</c>: needs no input. Makes the worked-example phantom study of METRICS.md, analyses
/// it as a hospital folder would be, writes the outputs and prints the per-vertebra summary beside the
/// phantom's true flags.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--out") { Description = "output folder [./cementquant-demo]" };
        var cmd = new Command("demo", "make a phantom study, analyse it and print the per-vertebra summary") { output };
        cmd.SetAction(r => Program.Guard(() =>
        {
            var outDir = CliChecks.Output(r.GetValue(output) ?? "cementquant-demo");
            var input = Path.Combine(outDir, "input");
            Console.WriteLine("CementQuant demo: the worked example of METRICS.md (L3 treated through the left pedicle: a lump in the left half");
            Console.WriteLine("touching neither endplate, with a gas cleft) and a bipedicular fill, as phantom DICOM studies.");
            foreach (var name in new[] { "worked-example", "bipedicular-symmetric" })
                Console.WriteLine("  " + PhantomExport.Describe(PhantomExport.Write(PhantomCatalogue.Get(name, PhantomSize.Small), input, seed: 1)));
            var settings = new AnalyzeSettings
            {
                Inputs = [.. new[] { "worked-example", "bipedicular-symmetric" }.SelectMany(n => new[] { Path.Combine(input, n, "ct"), Path.Combine(input, n, "xr") })],
                Output = Path.Combine(outDir, "results"),
                SiteKeyPath = Path.Combine(outDir, "demo-site.key"),
            };
            var result = new AnalyzeRunner(settings, Console.Error).Run();
            Console.WriteLine();
            SummaryTable.Print(Console.Out, result.Series);
            Console.WriteLine();
            foreach (var name in new[] { "worked-example", "bipedicular-symmetric" })
            {
                using var truth = JsonDocument.Parse(File.ReadAllText(Path.Combine(input, name, "truth.json")));
                var flags = truth.RootElement.GetProperty("vertebrae").EnumerateArray()
                    .Select(v => $"{v.GetProperty("vertebra").GetString()}: {FlagText(v)}").Where(s => !s.EndsWith(": -", StringComparison.Ordinal));
                var text = string.Join("; ", flags);
                Console.WriteLine($"truth ({name}): {(text.Length > 0 ? text : "no flags")}");
            }
            Console.WriteLine($"outputs: {result.OutputFolder}");
            return result.ExitCode;
        }));
        return cmd;
    }

    private static string FlagText(JsonElement v) =>
        v.TryGetProperty("flags", out var f) && f.GetString() is { Length: > 0 } text ? text : "-";
}

using System.CommandLine;
using CementQuant.Phantom;

namespace CementQuant.Cli;

/// <summary><c>cementquant phantom</c>: synthetic post-vertebroplasty studies with exact truth.</summary>
internal static class PhantomCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Required = true, Description = "output folder (one subfolder per case)" };
        var name = new Option<string?>("--case") { Description = $"case name: {string.Join(", ", PhantomCatalogue.Names)}" };
        var all = new Option<bool>("--all") { Description = "every catalogue case" };
        var seed = new Option<int>("--seed") { Description = "noise seed [1]", DefaultValueFactory = _ => 1 };
        var size = new Option<string?>("--size") { Description = "full (512×512×300) or small (128×128×192, 1 mm) [full]" };
        var host = new Option<string?>("--host") { Description = "real CT (NIfTI or DICOM folder): implant cement into its bodies (hybrid cases)" };
        var cmd = new Command("phantom", "write synthetic CT series and radiographs with a truth.json") { output, name, all, seed, size, host };
        cmd.SetAction(r => Program.Guard(() =>
        {
            var names = r.GetValue(all) ? PhantomCatalogue.Names : r.GetValue(name) is { } one ? [one] : ["worked-example"];
            foreach (var n in names)
                if (!PhantomCatalogue.Names.Contains(n)) throw new CliException(ExitCodes.Usage, $"unknown case '{n}'; cases: {string.Join(", ", PhantomCatalogue.Names)}");
            var outDir = CliChecks.Output(r.GetValue(output)!);
            if (r.GetValue(host) is { } hostPath) return HostPhantomExport.Write(hostPath, outDir);
            var phantomSize = PhantomExport.ParseSize(r.GetValue(size));
            foreach (var n in names)
                Console.WriteLine(PhantomExport.Describe(PhantomExport.Write(PhantomCatalogue.Get(n, phantomSize), outDir, r.GetValue(seed))));
            return ExitCodes.Success;
        }));
        return cmd;
    }
}

using System.CommandLine;

namespace CementQuant.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("CementQuant: bone cement distribution after vertebroplasty, from CT and radiographs");
        root.Subcommands.Add(AnalyzeCommand.Create());
        root.Subcommands.Add(ScanCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(PhantomCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) Console.Error.WriteLine($"cementquant: {e.Message}");
            Console.Error.WriteLine("Try 'cementquant --help'.");
            return ExitCodes.Usage;
        }
        try
        {
            return parse.Invoke();
        }
        catch (CliException ex)
        {
            Console.Error.WriteLine($"cementquant: {ex.Message}");
            return ex.ExitCode;
        }
    }

    /// <summary>Runs a command body, mapping expected failures to exit codes and anything else to 1 (a bug).</summary>
    internal static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CliException ex)
        {
            Console.Error.WriteLine($"cementquant: {ex.Message}");
            return ex.ExitCode;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"cementquant: internal error (please report): {ex}");
            return ExitCodes.InternalError;
        }
    }
}

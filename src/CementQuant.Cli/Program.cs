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

        _hint = UsageCheck.Hint(root, args);
        if (UsageCheck.Find(root, args) is { } usage)
        {
            Console.Error.WriteLine(usage);
            Console.Error.WriteLine(UsageCheck.Hint(root, args));
            return ExitCodes.Usage;
        }
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // The first error says what is wrong; the ones after it usually follow from it.
            Console.Error.WriteLine($"cementquant: {parse.Errors[0].Message}");
            Console.Error.WriteLine(UsageCheck.Hint(root, args));
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

    /// <summary>The usage hint of this invocation, printed after a wrong-usage error.</summary>
    private static string _hint = "See 'cementquant --help'.";

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
            if (ex.ExitCode == ExitCodes.Usage) Console.Error.WriteLine(_hint);
            return ex.ExitCode;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"cementquant: internal error (please report): {ex}");
            return ExitCodes.InternalError;
        }
    }
}

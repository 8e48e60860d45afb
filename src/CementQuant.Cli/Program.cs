using System.CommandLine;

namespace CementQuant.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        RuntimeEndpoints.Close();
        var root = new RootCommand("CementQuant: bone cement distribution after vertebroplasty, from CT and radiographs");
        root.Subcommands.Add(AnalyzeCommand.Create());
        root.Subcommands.Add(ScanCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(PhantomCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ReviewCommand.Create());

        _hint = UsageCheck.Hint(root, args);
        if (UsageCheck.Find(root, args) is { } usage)
        {
            Console.Error.WriteLine(usage);
            Console.Error.WriteLine(_hint);
            Console.Error.WriteLine(ExitCodes.Explain(ExitCodes.Usage, usage[(usage.IndexOf(": ", StringComparison.Ordinal) + 2)..]));
            return ExitCodes.Usage;
        }
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // The first error says what is wrong; the ones after it usually follow from it.
            Console.Error.WriteLine($"cementquant: {parse.Errors[0].Message}");
            Console.Error.WriteLine(_hint);
            Console.Error.WriteLine(ExitCodes.Explain(ExitCodes.Usage, parse.Errors[0].Message));
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

    /// <summary>
    /// Runs a command body, mapping expected failures to exit codes and anything else to 1 (a bug). With
    /// <paramref name="explain"/> (analyze) a failure's last console line says which exit code it is and why; the body
    /// prints its own on success.
    /// </summary>
    internal static int Guard(Func<int> body, bool explain = false)
    {
        try
        {
            return body();
        }
        catch (CliException ex)
        {
            Console.Error.WriteLine($"cementquant: {ex.Message}");
            if (ex.ExitCode == ExitCodes.Usage) Console.Error.WriteLine(_hint);
            if (explain) Console.Error.WriteLine(ExitCodes.Explain(ex.ExitCode, ex.Message));
            return ex.ExitCode;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"cementquant: internal error (please report): {ex}");
            if (explain) Console.Error.WriteLine(ExitCodes.Explain(ExitCodes.InternalError, $"{ex.GetType().Name}: {ex.Message}"));
            return ExitCodes.InternalError;
        }
    }
}

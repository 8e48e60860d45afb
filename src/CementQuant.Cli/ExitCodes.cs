namespace CementQuant.Cli;

/// <summary>Exit codes of shared/spec/CLI.md: scripts and schedulers depend on them.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int InternalError = 1;
    public const int NoInput = 2;
    public const int InputUnreadable = 3;
    public const int OutputUnwritable = 4;
    public const int PartialFailure = 5;
    public const int Usage = 64;

    /// <summary>The last console line of a run that ends with <paramref name="code"/>: "exit 4: output not writable: …".</summary>
    public static string Explain(int code, string detail) => $"exit {code}: {code switch
    {
        InternalError => "internal error (please report)",
        NoInput => "no input",
        InputUnreadable => "input not readable",
        OutputUnwritable => "output not writable",
        PartialFailure => "some series failed",
        Usage => "usage",
        _ => "failed",
    }}: {detail}";
}

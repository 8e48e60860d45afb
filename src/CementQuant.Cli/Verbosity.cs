namespace CementQuant.Cli;

/// <summary>How much a run says on standard error.</summary>
public enum Verbosity
{
    /// <summary>Errors and warnings only: no progress, no log lines, no summary table.</summary>
    Quiet,
    /// <summary>Progress (a bar on a terminal, lines otherwise) and the summary.</summary>
    Normal,
    /// <summary>Also every stage's detail lines, on a terminal too.</summary>
    Verbose,
}

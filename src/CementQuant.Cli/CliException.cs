namespace CementQuant.Cli;

/// <summary>An error that ends the command with a specific exit code and a one-line message.</summary>
public sealed class CliException(int exitCode, string message) : CementQuantException(message)
{
    public int ExitCode { get; } = exitCode;
}

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

/// <summary>
/// The console's shape for one run (<c>--quiet</c>, <c>--verbose</c>, <c>--log-format</c>): presentation only, so not
/// part of the run's provenance. JSON log lines are one object per event, for schedulers and log collectors.
/// </summary>
public sealed record ConsoleStyle(Verbosity Verbosity = Verbosity.Normal, bool JsonLog = false)
{
    public static readonly ConsoleStyle Default = new();

    /// <summary>One log line as text, or as a JSON object (time, level, message) for <c>--log-format json</c>.</summary>
    public string Line(string level, string message) => !JsonLog ? message
        : System.Text.Json.JsonSerializer.Serialize(new { time = DateTime.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture), level, message });

    /// <summary>Parses <c>--log-format</c>: text or json.</summary>
    public static bool ParseJsonLog(string? format) => (format ?? "text").ToLowerInvariant() switch
    {
        "text" => false,
        "json" => true,
        _ => throw new CliException(ExitCodes.Usage, $"--log-format expects 'text' or 'json', got '{format}'"),
    };
}

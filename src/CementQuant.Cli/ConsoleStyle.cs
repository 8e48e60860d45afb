namespace CementQuant.Cli;

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

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CementQuant.Cli;

/// <summary>
/// <c>analyze --config results.json</c>: a run again with the options an earlier run recorded in its provenance. The
/// options a user can set are taken from the file unless given on the command line (the command line wins):
/// threshold_hu, contact_tolerance_mm, series_time_limit_s, include_phi and shard. What cannot be restored is said,
/// never guessed: a --segmentation file (recorded by name only), and the pipelines' internal values and flag rules of
/// another version, which are compared with this version's and each difference named (the results may then differ).
/// </summary>
internal static class RunConfig
{
    /// <summary>The options of <paramref name="s"/> completed from the file; <paramref name="given"/> says which the command line set.</summary>
    public static AnalyzeSettings Apply(string path, AnalyzeSettings s, Func<string, bool> given, Action<string> warn)
    {
        var parameters = Read(path);
        string? Text(string name) => parameters[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var text) => text,
            JsonValue v => v.ToJsonString(),
            _ => throw Malformed(path, $"'{name}' is not a value"),
        };
        try
        {
            if (!given("--threshold-hu") && Text("threshold_hu") is { } threshold) s = s with { ThresholdHu = AnalyzeSettings.ParseThreshold(threshold) };
            if (!given("--contact-tolerance-mm") && Text("contact_tolerance_mm") is { } tolerance)
            {
                if (!double.TryParse(tolerance, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) || t is < 0 or > 10) throw Malformed(path, $"contact_tolerance_mm '{tolerance}' is not 0..10");
                s = s with { ContactToleranceMm = t };
            }
            if (!given("--series-time-limit") && Text("series_time_limit_s") is { } limit) s = s with { SeriesTimeLimitSeconds = AnalyzeSettings.ParseTimeLimit(limit) };
            if (!given("--include-phi") && Text("include_phi") is { } phi) s = s with { IncludePhi = phi == "true" };
            if (!given("--shard") && Text("shard") is { } shard) s = s with { Shard = AnalyzeSettings.ParseShard(shard) };
        }
        catch (CliException ex) when (ex.ExitCode == ExitCodes.Usage)
        {
            throw Malformed(path, ex.Message);
        }
        if (Text("segmentation") is { } seg && s.Segmentation is null)
            warn($"--config: the earlier run used --segmentation ({seg}); give the file again to use it");
        var now = JsonSerializer.SerializeToNode(s.Parameters(s.CtOptions(), s.RadiographOptions()))!.AsObject();
        foreach (var section in new[] { "ct_pipeline", "radiograph_pipeline", "flag_rules" })
            foreach (var difference in Differences(section, parameters[section], now[section]))
                warn($"--config: {difference} (this version's value is used; results may differ from the earlier run's)");
        return s;
    }

    private static JsonObject Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.InputUnreadable, $"--config '{path}': cannot read: {ex.Message}");
        }
        try
        {
            return JsonNode.Parse(text)?["provenance"]?["parameters"] as JsonObject
                ?? throw Malformed(path, "no provenance.parameters (is it a results.json written by analyze?)");
        }
        catch (JsonException ex)
        {
            throw Malformed(path, "not JSON: " + ex.Message);
        }
    }

    /// <summary>Values of a section that differ between the file and this version, as "section.name: file → now".</summary>
    private static IEnumerable<string> Differences(string section, JsonNode? recorded, JsonNode? current)
    {
        if (recorded is not JsonObject was || current is not JsonObject now)
        {
            if (!JsonNode.DeepEquals(recorded, current)) yield return $"{section} differs";
            yield break;
        }
        foreach (var name in was.Select(p => p.Key).Union(now.Select(p => p.Key)).Order(StringComparer.Ordinal))
            if (!JsonNode.DeepEquals(was[name], now[name]))
                yield return $"{section}.{name} was {was[name]?.ToJsonString() ?? "absent"}, now {now[name]?.ToJsonString() ?? "absent"}";
    }

    private static CliException Malformed(string path, string why) => new(ExitCodes.Usage, $"--config '{path}': {why}");
}

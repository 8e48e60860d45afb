using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CementQuant.Reporting;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// What a run records about itself (README "Provenance"): results.json names the version with its commit, the host and
/// every option; the database's runs table gets one row per run (times, options, an input digest, counts); and
/// <c>analyze --config results.json</c> runs again with the options recorded there, the command line winning.
/// </summary>
[Collection(BatchCollection.Name)]
public sealed class ProvenanceTests(BatchFixture fx)
{
    private string Ct => Path.Combine(fx.Phantoms["worked-example"], "ct");

    private (string Out, JsonElement Parameters) Analyze(string name, params string[] extra)
    {
        var outDir = Path.Combine(fx.Root, "provenance", name);
        var r = Cli.Run(["analyze", Ct, "--out", outDir, "--site-key", fx.SiteKeyPath, "--no-report", "--no-masks", .. extra]);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        return (outDir, doc.RootElement.GetProperty("provenance").GetProperty("parameters").Clone());
    }

    [Fact]
    public void Analyze_RecordsVersionWithCommitHostAndOneRunsRowPerRun()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var (outDir, parameters) = Analyze("runs", "--threshold-hu", "1400");
        Assert.Equal(1400, parameters.GetProperty("threshold_hu").GetDouble());

        var version = Cli.Run("--version").Stdout.Trim();
        Assert.Matches(@"^[0-9]+\.[0-9]+\.[0-9]+\+[0-9a-f]{40}$", version);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        var provenance = doc.RootElement.GetProperty("provenance");
        Assert.Equal(version, provenance.GetProperty("version").GetString());
        Assert.Equal(Environment.ProcessorCount, provenance.GetProperty("host").GetProperty("cores").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(provenance.GetProperty("host").GetProperty("os").GetString()));

        // The input digest is the SHA-256 of the run's "file_key sha256" lines in file_key order (results.json's input_files).
        var inputs = provenance.GetProperty("input_files").EnumerateArray().Select(f => $"{f.GetProperty("file_key").GetString()} {f.GetProperty("sha256").GetString()}").ToList();
        Assert.True(inputs.Count > 100, $"{inputs.Count} input files");
        var digest = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', inputs)))).ToLowerInvariant();

        List<Dictionary<string, string>> Runs()
        {
            using var db = ResultsDatabase.Open(Path.Combine(outDir, "cementquant.db"));
            return db.ReadAll("runs", "started_utc, run_id");
        }
        var run = Assert.Single(Runs());
        Assert.Equal(version, run["tool_version"]);
        Assert.Equal(digest, run["input_digest"]);
        Assert.Equal(["1", "0", "0", "1/1"], new[] { run["series_ok"], run["series_failed"], run["series_skipped"], run["shard"] });
        var started = DateTimeOffset.Parse(run["started_utc"], System.Globalization.CultureInfo.InvariantCulture);
        var ended = DateTimeOffset.Parse(run["ended_utc"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(started, before, ended);
        Assert.InRange(ended, started, DateTimeOffset.UtcNow.AddSeconds(1));
        using (var options = JsonDocument.Parse(run["options"]))
            Assert.Equal(1400, options.RootElement.GetProperty("threshold_hu").GetDouble());

        // A resumed run is a run too: a second row, the same inputs.
        var again = Cli.Run("analyze", Ct, "--out", outDir, "--site-key", fx.SiteKeyPath, "--no-report", "--no-masks", "--threshold-hu", "1400", "--resume");
        Assert.True(again.ExitCode == 0, again.Stderr);
        var runs = Runs();
        Assert.Equal(2, runs.Select(r => r["run_id"]).Distinct().Count());
        Assert.All(runs, r => Assert.Equal(digest, r["input_digest"]));
    }

    [Fact]
    public void Analyze_Config_ReusesTheRecordedOptions_CommandLineWins()
    {
        var (first, recorded) = Analyze("config-source", "--threshold-hu", "1350", "--contact-tolerance-mm", "1.5", "--series-time-limit", "600");
        var config = Path.Combine(first, "results.json");

        var (_, same) = Analyze("config-same", "--config", config);
        Assert.Equal(recorded.GetRawText(), same.GetRawText());

        var (_, overridden) = Analyze("config-override", "--config", config, "--contact-tolerance-mm", "2");
        Assert.Equal(2, overridden.GetProperty("contact_tolerance_mm").GetDouble());
        Assert.Equal(1350, overridden.GetProperty("threshold_hu").GetDouble());
        Assert.Equal(600, overridden.GetProperty("series_time_limit_s").GetDouble());
    }

    [Fact]
    public void Analyze_Config_FromAnotherVersion_NamesEveryDifferentPipelineValue()
    {
        var (first, _) = Analyze("config-old");
        var text = File.ReadAllText(Path.Combine(first, "results.json"));
        var node = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        var ct = node["provenance"]!["parameters"]!["ct_pipeline"]!.AsObject();
        var name = ct.Select(p => p.Key).First();
        ct[name] = "changed-by-test";
        var old = Path.Combine(fx.Root, "provenance", "old-results.json");
        File.WriteAllText(old, node.ToJsonString());
        var outDir = Path.Combine(fx.Root, "provenance", "config-old-rerun");
        var r = Cli.Run("analyze", Ct, "--out", outDir, "--site-key", fx.SiteKeyPath, "--no-report", "--no-masks", "--config", old);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"warning: --config: ct_pipeline.{name} was \"changed-by-test\"", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json {", 64, "not JSON")]
    [InlineData("{\"schema_version\": 2}", 64, "no provenance.parameters")]
    [InlineData("{\"provenance\": {\"parameters\": {\"threshold_hu\": 99999}}}", 64, "--threshold-hu expects")]
    [InlineData(null, 3, "cannot read")]
    public void Analyze_BadConfig_ExitCodeAndMessageNameTheFile(string? content, int exit, string message)
    {
        var path = Path.Combine(fx.Root, "provenance", $"bad-{exit}-{message.Length}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (content is not null) File.WriteAllText(path, content);
        var outDir = Path.Combine(fx.Root, "provenance", $"bad-out-{exit}-{message.Length}");
        var r = Cli.Run("analyze", Ct, "--out", outDir, "--site-key", fx.SiteKeyPath, "--config", path);
        Assert.Equal(exit, r.ExitCode);
        Assert.Contains($"--config '{path}'", r.Stderr, StringComparison.Ordinal);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir), "a run with a bad --config wrote outputs");
    }
}

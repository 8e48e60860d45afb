using System.Text.RegularExpressions;
using CementQuant.Reporting;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// Golden header files (DESIGN.md): the header line of every CSV `analyze` writes, with and without --include-phi, and
/// the columns of every database table, pinned in testdata/headers/ and compared exactly; the golden files in turn
/// checked against the column lists of shared/spec/METRICS.md. A header change is a schema change: it fails here
/// until the golden file is re-blessed (CQ_BLESS_GOLDEN=1) in a commit that says why.
/// </summary>
[Collection(BatchCollection.Name)]
public sealed class SchemaGoldenTests(BatchFixture fx)
{
    private static readonly string[] CsvFiles = ["vertebrae.csv", "radiographs.csv", "series.csv", "problems.csv"];

    private static readonly string[] Tables = ["vertebrae", "radiographs", "series", "problems", "parameters", "schema_info"];

    private static readonly Lock Sync = new();
    private static readonly Dictionary<bool, string> Runs = [];

    /// <summary>An `analyze` run over a phantom with CT and both radiograph views and a junk file (so every CSV has rows).</summary>
    private string Run(bool phi)
    {
        lock (Sync)
        {
            if (Runs.TryGetValue(phi, out var done)) return done;
            var input = Path.Combine(fx.Root, "schema", "in");
            if (!Directory.Exists(input))
            {
                fx.CopyPhantom("worked-example", input);
                File.WriteAllText(Path.Combine(input, "notes.txt"), "not an image");
            }
            var outDir = Path.Combine(fx.Root, "schema", phi ? "out-phi" : "out");
            var r = Cli.Run(["analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--no-report", "--no-masks", .. phi ? new[] { "--include-phi" } : []]);
            Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
            return Runs[phi] = outDir;
        }
    }

    private static string GoldenName(string csv, bool phi) => $"headers/{Path.GetFileNameWithoutExtension(csv)}{(phi ? ".phi" : "")}.csv";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Analyze_EveryCsvHeader_EqualsItsGoldenFile(bool phi)
    {
        var outDir = Run(phi);
        foreach (var csv in CsvFiles)
        {
            var header = File.ReadLines(Path.Combine(outDir, csv)).First();
            Assert.True(File.ReadLines(Path.Combine(outDir, csv)).Skip(1).Any(), $"{csv} has no rows: the header alone proves little");
            Golden.Check(GoldenName(csv, phi), header + "\n");
        }
    }

    [Fact]
    public void Analyze_OnePatientsStudy_EveryRowCarriesOneNonEmptyPatientKey()
    {
        // The worked-example phantom is one patient (its CT and radiographs share PatientID): one key in every table.
        var outDir = Run(phi: false);
        var keys = new[] { "vertebrae.csv", "radiographs.csv", "series.csv" }.SelectMany(csv =>
        {
            var lines = File.ReadAllLines(Path.Combine(outDir, csv));
            // patient_key is the last column without --include-phi (so a quoted comma earlier in a row cannot shift it).
            Assert.EndsWith(",patient_key", lines[0], StringComparison.Ordinal);
            return lines.Skip(1).Select(l => l[(l.LastIndexOf(',') + 1)..]);
        }).Distinct().ToList();
        Assert.Single(keys);
        Assert.Matches("^[0-9a-f]{16}$", keys[0]);
    }

    [Fact]
    public void Analyze_SqliteTables_EqualTheGoldenFileAndTheCsvHeaders()
    {
        var outDir = Run(phi: false);
        using var db = new SqliteConnection($"Data Source={Path.Combine(outDir, "cementquant.db")};Mode=ReadOnly");
        db.Open();
        var columns = Tables.ToDictionary(t => t, t =>
        {
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"SELECT name FROM pragma_table_info('{t}') ORDER BY cid";
            using var reader = cmd.ExecuteReader();
            var names = new List<string>();
            while (reader.Read()) names.Add(reader.GetString(0));
            return names;
        });
        Golden.Check("headers/database-tables.txt", Format(columns));
        // The result tables hold what the CSV files hold, PHI columns always present (NULL without --include-phi).
        foreach (var csv in CsvFiles)
            Assert.Equal(File.ReadAllText(Golden.PathOf(GoldenName(csv, phi: true))).TrimEnd('\n').Split(','), columns[Path.GetFileNameWithoutExtension(csv)]);
    }

    [PostgresFact]
    public void Analyze_PostgresTables_EqualTheGoldenFile()
    {
        using var pg = new Postgres();
        var outDir = Path.Combine(fx.Root, "schema", "out-pg");
        var r = Cli.Run("analyze", Path.Combine(fx.Phantoms["worked-example"], "xr"), "--out", outDir, "--site-key", fx.SiteKeyPath, "--no-report", "--no-masks", "--db", pg.Target);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        using var c = new NpgsqlConnection(pg.Target);
        c.Open();
        var columns = Tables.ToDictionary(t => t, t =>
        {
            using var cmd = new NpgsqlCommand("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @t ORDER BY ordinal_position", c);
            cmd.Parameters.AddWithValue("t", t);
            using var reader = cmd.ExecuteReader();
            var names = new List<string>();
            while (reader.Read()) names.Add(reader.GetString(0));
            return names;
        });
        Assert.Equal(File.ReadAllText(Golden.PathOf("headers/database-tables.txt")), Format(columns));
    }

    private static string Format(Dictionary<string, List<string>> columns) =>
        string.Concat(columns.Select(t => $"{t.Key}: {string.Join(',', t.Value)}\n"));

    private static string[] GoldenColumns(string csv, bool phi) => File.ReadAllText(Golden.PathOf(GoldenName(csv, phi))).TrimEnd('\n').Split(',');

    [SpecFact]
    public void GoldenVertebraeHeader_EqualsMetricsMdSchemaOneTableInOrder() =>
        // Schema 2's fracture geometry columns follow the schema-1 table, in METRICS.md's order, then patient_key
        // (METRICS.md "Follow-up": a new column in every table), so schema-1 columns keep their places.
        Assert.Equal([.. MetricsSpec.VertebraColumns(), .. MetricsSpec.FractureGeometryColumns(), "patient_key"], GoldenColumns("vertebrae.csv", phi: false));

    [SpecFact]
    public void GoldenRadiographsHeader_HoldsExactlyMetricsMdRadiographColumns()
    {
        // METRICS.md lists the radiograph columns in prose (no order); schema_version leads every table.
        // patient_key: METRICS.md "Follow-up", a new column in every table.
        var spec = MetricsSpec.RadiographColumns().Prepend("schema_version").Append("patient_key").Order(StringComparer.Ordinal);
        Assert.Equal(spec, GoldenColumns("radiographs.csv", phi: false).Order(StringComparer.Ordinal));
    }

    [SpecFact]
    public void GoldenPhiHeaders_AddExactlyMetricsMdPhiColumnsAtTheEnd()
    {
        var phi = MetricsSpec.PhiColumns();
        Assert.Equal(["patient_id", "study_uid", "series_uid", "study_date"], phi);
        foreach (var csv in new[] { "vertebrae.csv", "radiographs.csv", "series.csv" })
            Assert.Equal([.. GoldenColumns(csv, false), .. phi], GoldenColumns(csv, true));
        // problems.csv: its path (CLI.md) is input path text, so it is a PHI column too (issue 21).
        Assert.Equal([.. GoldenColumns("problems.csv", false), "path"], GoldenColumns("problems.csv", true));
    }

    /// <summary>
    /// Schema 2 (METRICS.md: fracture geometry, followup.csv, patient_key) is being built: patient_key and the CT fracture
    /// geometry are written, the radiograph fracture columns and followup.csv are not. This stays visible in every run and fails the day they are all there, to become an ordinary test.
    /// </summary>
    [SpecFact]
    public void SchemaTwoColumns_InTheGoldenHeaders_KnownFailure()
    {
        var vertebrae = GoldenColumns("vertebrae.csv", false);
        var radiographs = GoldenColumns("radiographs.csv", false);
        var missing = MetricsSpec.FractureGeometryColumns().Append("patient_key").Where(c => !vertebrae.Contains(c))
            .Select(c => "vertebrae.csv " + c)
            .Concat(MetricsSpec.FractureGeometryColumns().Append("patient_key").Where(c => !radiographs.Contains(c)).Select(c => "radiographs.csv " + c))
            .Concat(File.Exists(Golden.PathOf("headers/followup.csv")) ? [] : MetricsSpec.FollowupColumns().Select(c => "followup.csv " + c))
            .ToList();
        KnownFailure.Expect("schema-2 columns not yet written: radiograph fracture geometry, followup.csv (patient_key and CT fracture geometry are in)",
            () => Assert.True(missing.Count == 0, $"{missing.Count} schema-2 columns missing: {string.Join(", ", missing)}"));
    }

    [SpecFact]
    public void GoldenSeriesHeaders_CarryPatientKeyBeforeThePhiColumns()
    {
        // METRICS.md "Follow-up": patient_key is a new column in every table; it is a keyed hash, never PHI.
        foreach (var csv in new[] { "vertebrae.csv", "radiographs.csv", "series.csv" })
            Assert.Equal("patient_key", GoldenColumns(csv, false)[^1]);
    }

    [SpecFact]
    public void GoldenHeaders_HoldNoColumnMetricsMdDoesNotName()
    {
        var known = MetricsSpec.VertebraColumns().Concat(MetricsSpec.RadiographColumns()).Concat(MetricsSpec.FractureGeometryColumns())
            .Concat(MetricsSpec.FollowupColumns()).Concat(MetricsSpec.PhiColumns()).Append("patient_key").ToHashSet(StringComparer.Ordinal);
        var undocumented = GoldenColumns("vertebrae.csv", true).Concat(GoldenColumns("radiographs.csv", true)).Where(c => !known.Contains(c)).ToList();
        Assert.True(undocumented.Count == 0, $"columns METRICS.md does not name: {string.Join(", ", undocumented)}");
    }
}

/// <summary>Column lists parsed from shared/spec/METRICS.md (the output contract).</summary>
public static class MetricsSpec
{
    public static string Path => System.IO.Path.GetFullPath(System.IO.Path.Combine(SharedData.Root, "..", "spec", "METRICS.md"));

    private static string[] Lines => File.ReadAllLines(Path);

    /// <summary>The section under a "## " heading starting with <paramref name="heading"/>, up to the next one.</summary>
    private static List<string> Section(string heading)
    {
        var lines = Lines;
        var start = Array.FindIndex(lines, l => l.StartsWith("## " + heading, StringComparison.Ordinal));
        Assert.True(start >= 0, $"METRICS.md has no section '{heading}'");
        return [.. lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))];
    }

    /// <summary>Column names of the first "| column | meaning |" table of a section: "a, b" and "x_left/right" expanded.</summary>
    private static List<string> TableColumns(string heading)
    {
        var section = Section(heading);
        var header = section.FindIndex(l => l.StartsWith("| column |", StringComparison.Ordinal));
        Assert.True(header >= 0, $"METRICS.md section '{heading}' has no column table");
        var names = new List<string>();
        foreach (var row in section.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            foreach (var raw in row.Split('|')[1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var m = Regex.Match(raw, "^([a-z0-9_]+)_([a-z]+)/([a-z]+)$");
                if (m.Success) names.AddRange([$"{m.Groups[1].Value}_{m.Groups[2].Value}", $"{m.Groups[1].Value}_{m.Groups[3].Value}"]);
                else names.Add(raw);
            }
        }
        Assert.All(names, n => Assert.Matches("^[a-z][a-z0-9_]*$", n));
        return names;
    }

    public static List<string> VertebraColumns() => TableColumns("Per-vertebra metrics (CT)");

    public static List<string> FractureGeometryColumns() => TableColumns("Fracture geometry");

    public static List<string> FollowupColumns() => TableColumns("Follow-up");

    /// <summary>The radiograph columns, named in prose: every backticked lower-case name of the section's first paragraph.</summary>
    public static List<string> RadiographColumns()
    {
        var paragraph = string.Join(' ', Section("Radiographs").SkipWhile(string.IsNullOrWhiteSpace).TakeWhile(l => !string.IsNullOrWhiteSpace(l)));
        return [.. Regex.Matches(paragraph, "`([a-z][a-z0-9_]*)`").Select(m => m.Groups[1].Value).Distinct()];
    }

    /// <summary>The columns --include-phi adds, from the Privacy section.</summary>
    public static List<string> PhiColumns()
    {
        var text = string.Join(' ', Section("Privacy"));
        var sentence = text[text.IndexOf("--include-phi` adds", StringComparison.Ordinal)..];
        sentence = sentence[..sentence.IndexOf("columns", StringComparison.Ordinal)];
        return [.. Regex.Matches(sentence, "`([a-z][a-z0-9_]*)`").Select(m => m.Groups[1].Value)];
    }
}

/// <summary>A test that reads shared/spec/METRICS.md: skipped where ../shared is absent, failing when CQ_REQUIRE_SHARED_DATA=1.</summary>
public sealed class SpecFactAttribute : FactAttribute
{
    public SpecFactAttribute()
    {
        if (!File.Exists(MetricsSpec.Path) && !SharedData.Required)
            Skip = $"METRICS.md not found at '{MetricsSpec.Path}' (set CQ_REQUIRE_SHARED_DATA=1 to make this a failure)";
    }
}

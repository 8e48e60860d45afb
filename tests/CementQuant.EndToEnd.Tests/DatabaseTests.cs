using System.Globalization;
using System.Text.Json;
using CementQuant.Reporting;
using Npgsql;

namespace CementQuant.EndToEnd.Tests;

/// <summary>The results database: SQLite by default, PostgreSQL with --db; the same rows as the CSV and JSON files.</summary>
[Collection(BatchCollection.Name)]
public sealed class DatabaseTests(BatchFixture fx)
{
    [PostgresFact]
    public void Analyze_SqlitePostgresCsvJson_HoldTheSameRowsAndNoIdentifiers()
    {
        using var pg = new Postgres();
        var (input, reference) = fx.Reference;
        // The same results again into PostgreSQL: a copy of the reference output, resumed, so nothing is re-analysed.
        var outDir = Path.Combine(fx.Root, "database", "out");
        CopyTree(reference, outDir);
        var r = Cli.Run("analyze", input, "--out", outDir, "--site-key", fx.SiteKeyPath, "--resume", "--db", pg.Target);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.Contains("from an earlier run", r.Stderr);

        using var sqlite = ResultsDatabase.Open(Path.Combine(reference, "cementquant.db"));
        using var postgres = ResultsDatabase.Open(pg.Target);
        // The run that wrote there: its row of the runs table (one run into this fresh schema).
        var run = Assert.Single(postgres.ReadAll("runs", "run_id"));
        Assert.Equal(ToolVersion.Full, run["tool_version"]);
        Assert.Equal("1/1", run["shard"]);
        var tables = new (string Table, string Csv, string Order)[]
        {
            ("vertebrae", "vertebrae.csv", "series_key, vertebra"), ("radiographs", "radiographs.csv", "series_key, image_key, vertebra"),
            ("series", "series.csv", "series_key"), ("problems", "problems.csv", "file_key, stage, series_key"),
        };
        foreach (var (table, csvName, order) in tables)
        {
            var csv = Outputs.ReadCsv(Path.Combine(reference, csvName));
            var columns = csv.Count > 0 ? csv[0].Keys.ToList() : [];
            var expected = Outputs.Lines(csv, columns);
            Assert.NotEmpty(expected);
            Assert.Equal(expected, Outputs.Lines(sqlite.ReadAll(table, order), columns));
            Assert.Equal(expected, Outputs.Lines(postgres.ReadAll(table, order), columns));
        }

        // results.json: the same vertebra and radiograph rows, nested by study and series.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(reference, "results.json")));
        foreach (var (property, csvName) in new[] { ("vertebrae", "vertebrae.csv"), ("radiographs", "radiographs.csv") })
        {
            var csvRows = Outputs.ReadCsv(Path.Combine(reference, csvName));
            var columns = csvRows[0].Keys.ToList();
            Assert.Equal(Outputs.Lines(csvRows, columns), Outputs.Lines(Outputs.JsonRows(Path.Combine(reference, "results.json"), property), columns));
        }
        var problemsJson = json.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.EnumerateObject().ToDictionary(e => e.Name, e => Outputs.JsonCell(e.Value)));
        Assert.Equal(Outputs.Lines(Outputs.ReadCsv(Path.Combine(reference, "problems.csv"))), Outputs.Lines(problemsJson));

        // No patient name, ID or raw UID in any output (files, SQLite, PostgreSQL) by default.
        var secrets = new List<string> { "PHANTOM^WORKED-EXAMPLE", "PHANTOM^SUPERIOR-ONLY", "CQ-worked-example", "CQ-superior-only" };
        foreach (var f in Directory.GetFiles(input, "*.dcm", SearchOption.AllDirectories).Where(f => f.Contains("/ct/", StringComparison.Ordinal) || f.EndsWith("0001.dcm", StringComparison.Ordinal)))
        {
            if (!f.EndsWith("0001.dcm", StringComparison.Ordinal)) continue;
            var ds = Dicom.DicomFile.Open(f, headerOnly: true).Dataset;
            secrets.AddRange([ds.GetString(Dicom.DicomTag.StudyInstanceUID)!, ds.GetString(Dicom.DicomTag.SeriesInstanceUID)!, ds.GetString(Dicom.DicomTag.SOPInstanceUID)!]);
        }
        Assert.True(secrets.Count >= 4 + (5 * 3), $"{secrets.Count} identifiers collected");
        foreach (var (path, text) in Outputs.AllText(outDir))
            foreach (var s in secrets) Assert.False(text.Contains(s, StringComparison.Ordinal), $"'{s}' in {Path.GetRelativePath(outDir, path)}");
        foreach (var (table, _, order) in tables)
            foreach (var row in postgres.ReadAll(table, order))
                foreach (var s in secrets) Assert.DoesNotContain(s, string.Join('|', row.Values));
    }

    [Fact]
    public void Analyze_DatabaseUnreachable_Exits4BeforeAnyWork()
    {
        var input = Directory.CreateDirectory(Path.Combine(fx.Root, "db-unreachable", "in")).FullName;
        File.WriteAllBytes(Path.Combine(input, "x.dcm"), BatchFixture.RandomBytes(100, 1));
        var r = Cli.Run("analyze", input, "--out", Path.Combine(fx.Root, "db-unreachable", "out"), "--site-key", fx.SiteKeyPath, "--db", "Host=127.0.0.1;Port=1;Username=nobody;Database=none;Timeout=3");
        Assert.True(r.ExitCode == 4, r.Stderr);
        Assert.Contains("PostgreSQL", r.Stderr);
    }

    [Fact]
    public void Analyze_SqliteOfAnotherSchemaVersion_Exits4AndLeavesItAlone()
    {
        var root = Path.Combine(fx.Root, "db-version");
        var input = Directory.CreateDirectory(Path.Combine(root, "in")).FullName;
        File.WriteAllBytes(Path.Combine(input, "x.dcm"), BatchFixture.RandomBytes(100, 2));
        var db = Path.Combine(root, "old.db");
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE schema_info (name TEXT PRIMARY KEY, value TEXT); INSERT INTO schema_info VALUES ('schema_version', '99')";
            cmd.ExecuteNonQuery();
        }
        var before = File.ReadAllBytes(db);
        var r = Cli.Run("analyze", input, "--out", Path.Combine(root, "out"), "--site-key", fx.SiteKeyPath, "--db", db);
        Assert.True(r.ExitCode == 4, r.Stderr);
        Assert.Contains("schema version 99", r.Stderr);
        Assert.Equal(before, File.ReadAllBytes(db));
    }

    /// <summary>
    /// A research database written by schema 1 (the columns before fracture geometry, problems keyed by path) is upgraded
    /// in place: its rows kept, the new columns added (NULL in the old rows), the new run's rows written in full.
    /// </summary>
    [Fact]
    public void Analyze_SqliteOfSchema1_IsUpgradedInPlaceKeepingItsRows()
    {
        var root = Path.Combine(fx.Root, "db-upgrade");
        var input = Path.Combine(root, "in");
        fx.CopyStudy("worked-example", Path.Combine(input, "a"), "upgrade-a");
        var db = Path.Combine(root, "v1.db");
        var v1Columns = VertebraTable.Columns.Take(Array.IndexOf(VertebraTable.Columns, "height_anterior_mm")).Concat(VertebraTable.PhiColumns).ToArray();
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"CREATE TABLE vertebrae ({string.Join(", ", v1Columns.Select(x => x + " TEXT"))}, PRIMARY KEY (series_key, vertebra));"
                + "INSERT INTO vertebrae (schema_version, study_key, series_key, vertebra) VALUES (1, 'oldstudy', 'oldseries', 'L2');"
                + "CREATE TABLE problems (path TEXT NOT NULL, stage TEXT NOT NULL, reason TEXT, series_key TEXT NOT NULL, PRIMARY KEY (path, stage, series_key));"
                + "INSERT INTO problems VALUES ('patient-4711/x.dcm', 'load', 'bad', '');"
                + "CREATE TABLE schema_info (name TEXT PRIMARY KEY, value TEXT); INSERT INTO schema_info VALUES ('schema_version', '1')";
            cmd.ExecuteNonQuery();
        }
        var r = Cli.Run("analyze", input, "--out", Path.Combine(root, "out"), "--site-key", fx.SiteKeyPath, "--db", db, "--no-report", "--no-masks");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var d = ResultsDatabase.Open(db);
        var rows = d.ReadAll("vertebrae", "series_key, vertebra");
        Assert.Contains(rows, x => x["series_key"] == "oldseries" && x["vertebra"] == "L2" && x["height_anterior_mm"] == "");
        var fresh = rows.Where(x => x["series_key"] != "oldseries").ToList();
        Assert.NotEmpty(fresh);
        Assert.All(fresh, x => Assert.Equal("2", x["schema_version"]));
        Assert.Contains(fresh, x => x["height_posterior_mm"].Length > 0);
        // patient_key: empty in the schema-1 rows (their PatientID was never read), the keyed hash in the new ones.
        Assert.Contains(rows, x => x["series_key"] == "oldseries" && x["patient_key"] == "");
        Assert.All(fresh, x => Assert.Matches("^[0-9a-f]{16}$", x["patient_key"]));
        Assert.All(d.ReadAll("series", "series_key").Where(x => x["series_key"] != "oldseries"), x => Assert.Matches("^[0-9a-f]{16}$", x["patient_key"]));
        // The schema-1 problem rows held input paths: not kept.
        Assert.DoesNotContain(d.ReadAll("problems", "file_key"), x => x.Values.Any(v => v.Contains("patient-4711", StringComparison.Ordinal)));
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var dst = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(dst)!);
            File.Copy(f, dst);
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using CementQuant.Reporting;
using Json.Schema;
using Microsoft.Data.Sqlite;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// One source of truth for columns (ColumnCatalog): the committed data dictionary and JSON Schema are exactly what the
/// catalogue makes, the database's column types are the catalogue's, and real results.json files validate against the
/// schema, whose row objects allow no column the catalogue does not define. CQ_UPDATE_DOCS=1 rewrites the two documents.
/// </summary>
[Collection(BatchCollection.Name)]
public sealed class DataDictionaryTests(BatchFixture fx)
{
    private static string Doc(string name) => Path.Combine(SharedData.RepoRoot, "docs", name);

    [Theory]
    [InlineData("data-dictionary.md")]
    [InlineData("results.schema.json")]
    public void CommittedDocument_IsWhatTheCatalogueMakes(string name)
    {
        var made = name.EndsWith(".md", StringComparison.Ordinal) ? DataDictionary.Markdown() : DataDictionary.ResultsJsonSchema();
        if (Environment.GetEnvironmentVariable("CQ_UPDATE_DOCS") == "1") File.WriteAllText(Doc(name), made);
        Assert.True(File.Exists(Doc(name)), $"docs/{name} is missing (CQ_UPDATE_DOCS=1 makes it)");
        Assert.True(made == File.ReadAllText(Doc(name)), $"docs/{name} differs from ColumnCatalog (CQ_UPDATE_DOCS=1 dotnet test --filter DataDictionaryTests rewrites it)");
    }

    [Fact]
    public void Catalogue_EveryColumnDefinedOnce_WithOneTypePerName()
    {
        foreach (var (table, _, columns) in DataDictionary.Tables)
        {
            Assert.Equal(columns.Count, columns.Select(c => c.Name).Distinct().Count());
            Assert.All(columns, c => Assert.False(string.IsNullOrWhiteSpace(c.Meaning), $"{table}.{c.Name} has no meaning"));
            Assert.All(columns, c => Assert.InRange(c.Since, 1, VertebraTable.SchemaVersion));
        }
        var all = DataDictionary.Tables.SelectMany(t => t.Columns).GroupBy(c => c.Name);
        Assert.All(all, g => Assert.Single(g.Select(c => c.Type).Distinct()));
        // The writers' headers are the catalogue's names, in order.
        Assert.Equal(ColumnCatalog.Vertebrae.Select(c => c.Name), VertebraTable.Columns);
        Assert.Equal(ColumnCatalog.Radiographs.Select(c => c.Name), RadiographTable.Columns);
        Assert.Equal(ColumnCatalog.Series.Select(c => c.Name), ResultsDatabase.SeriesColumns);
        Assert.Equal(ColumnCatalog.Problems.Select(c => c.Name), ResultsDatabase.ProblemColumns);
        Assert.Equal(ColumnCatalog.Runs.Select(c => c.Name), RunRecord.Columns);
    }

    [Fact]
    public void RealRun_ResultsJsonValidates_AndDatabaseTypesAreTheCatalogues()
    {
        var (_, reference) = fx.Reference;
        var schema = JsonSchema.FromText(File.ReadAllText(Doc("results.schema.json")));
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(reference, "results.json")));
        var outcome = schema.Evaluate(Element(results!), new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(outcome.IsValid, "results.json does not match docs/results.schema.json:\n" + Errors(outcome));
        // The run holds CT vertebrae, radiograph rows and problems, so every row kind was checked.
        var series = results!["studies"]!.AsArray().SelectMany(s => s!["series"]!.AsArray()).ToList();
        Assert.Contains(series, s => s!["vertebrae"]!.AsArray().Count > 0);
        Assert.Contains(series, s => s!["radiographs"]!.AsArray().Count > 0);

        // A column the catalogue does not know is refused (the schema would catch a writer drifting from it).
        var drifted = JsonNode.Parse(results.ToJsonString())!;
        var vertebra = drifted["studies"]!.AsArray().SelectMany(s => s!["series"]!.AsArray()).First(s => s!["vertebrae"]!.AsArray().Count > 0)!["vertebrae"]![0]!.AsObject();
        vertebra["undocumented_column"] = 1;
        Assert.False(schema.Evaluate(Element(drifted)).IsValid, "an undocumented column passed the schema");

        using var db = new SqliteConnection($"Data Source={Path.Combine(reference, "cementquant.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        foreach (var (table, columns) in new[] { ("vertebrae", ColumnCatalog.Vertebrae), ("radiographs", ColumnCatalog.Radiographs), ("series", ColumnCatalog.Series), ("runs", ColumnCatalog.Runs) })
        {
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"PRAGMA table_info({table})";
            using var reader = cmd.ExecuteReader();
            var types = new Dictionary<string, string>();
            while (reader.Read()) types[reader.GetString(1)] = reader.GetString(2);
            foreach (var c in columns) Assert.Equal(DataDictionary.SqlType(c), types[c.Name]);
        }
    }

    private static JsonElement Element(JsonNode node) => JsonDocument.Parse(node.ToJsonString()).RootElement;

    private static string Errors(EvaluationResults r)
    {
        var lines = new List<string>();
        void Walk(EvaluationResults n)
        {
            if (n.Errors is { Count: > 0 }) lines.AddRange(n.Errors.Select(e => $"{n.InstanceLocation} ({n.EvaluationPath}): {e.Key}: {e.Value}"));
            foreach (var d in n.Details ?? []) Walk(d);
        }
        Walk(r);
        return string.Join("\n", lines.Take(20));
    }
}

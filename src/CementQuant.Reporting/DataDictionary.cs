using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CementQuant.Reporting;

/// <summary>
/// Documents made from <see cref="ColumnCatalog"/>: <c>docs/data-dictionary.md</c> (every column of every table: type,
/// unit, since which schema version, meaning) and <c>docs/results.schema.json</c> (a JSON Schema for results.json whose
/// row objects allow exactly the catalogue's columns). The tests compare the committed files with these and validate
/// real results.json files against the schema, so the documents cannot drift from what is written.
/// </summary>
public static class DataDictionary
{
    /// <summary>The tables in the order the dictionary lists them: name, what it is, its columns.</summary>
    public static IReadOnlyList<(string Table, string About, IReadOnlyList<ColumnDefinition> Columns)> Tables =>
    [
        ("vertebrae", "`vertebrae.csv` and the `vertebrae` table: one row per vertebral body found on CT (cemented or not).", ColumnCatalog.Vertebrae),
        ("radiographs", "`radiographs.csv` and the `radiographs` table: one row per vertebral body and radiograph view.", ColumnCatalog.Radiographs),
        ("series", "`series.csv` and the `series` table: one row per series seen.", ColumnCatalog.Series),
        ("problems", "`problems.csv` and the `problems` table: one row per file or series not used.", ColumnCatalog.Problems),
        ("phi", "Added to the vertebrae, radiographs and series rows with `--include-phi` (the database always has them, NULL without it); problems get `path`.", [.. ColumnCatalog.Phi, .. ColumnCatalog.ProblemsPhi]),
        ("runs", "The database's `runs` table: one row per `analyze` run that wrote into it.", ColumnCatalog.Runs),
        ("reviews", "The database's `reviews` table and `reviews.csv` (`cementquant review`): every reviewer decision, append-only.", ColumnCatalog.Reviews),
        ("review state", "Appended to `vertebrae.csv` and `radiographs.csv` once a run has been reviewed.", ColumnCatalog.ReviewStates),
    ];

    /// <summary>The SQL type of a column of the given table (the same in SQLite and PostgreSQL).</summary>
    public static string SqlType(ColumnDefinition c) => c.Type switch
    {
        ColumnType.Integer => "INTEGER",
        ColumnType.Text => "TEXT",
        ColumnType.Boolean => "BOOLEAN",
        _ => "DOUBLE PRECISION",
    };

    public static string Markdown()
    {
        var sb = new StringBuilder();
        sb.Append("# Data dictionary\n\n");
        sb.Append("Every column CementQuant writes, made from `src/CementQuant.Reporting/ColumnCatalog.cs` (the one source of the\n");
        sb.Append("column definitions); `DataDictionaryTests` fails when this file, the CSV headers, the database or\n");
        sb.Append("`docs/results.schema.json` drift from it. Meanings follow `shared/spec/METRICS.md`. CSV: `.` decimals,\n");
        sb.Append("`true`/`false`, empty cell for not applicable (NULL in the database, `null` in results.json).\n");
        sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"Schema version {VertebraTable.SchemaVersion}.\n");
        foreach (var (table, about, columns) in Tables)
        {
            sb.Append("\n## ").Append(table).Append("\n\n").Append(about).Append("\n\n");
            sb.Append("| column | type | unit | since | meaning |\n|---|---|---|---|---|\n");
            foreach (var c in columns)
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"| {c.Name} | {c.Type.ToString().ToLowerInvariant()} | {c.Unit} | {c.Since} | {c.Meaning.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }
        return sb.ToString();
    }

    /// <summary>The JSON Schema (draft 2020-12) of results.json.</summary>
    public static string ResultsJsonSchema()
    {
        // Rows in results.json leave out the keys their parents hold (schema_version, study_key, patient_key, series_key).
        static JsonObject Row(IEnumerable<ColumnDefinition> columns, IEnumerable<ColumnDefinition>? optional = null)
        {
            var list = columns.ToList();
            var properties = new JsonObject();
            foreach (var c in list.Concat(optional ?? [])) properties[c.Name] = Property(c);
            return new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray([.. list.Select(c => (JsonNode)c.Name)]),
                ["properties"] = properties,
                ["additionalProperties"] = false,
            };
        }
        var skipKeys = new HashSet<string>(["schema_version", "study_key", "series_key", "patient_key"], StringComparer.Ordinal);
        var series = new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray("series_key", "kind", "description", "status", "reason", "notes", "vertebrae", "radiographs"),
            ["properties"] = new JsonObject
            {
                ["series_key"] = Property(ColumnCatalog.Series.First(c => c.Name == "series_key")),
                ["kind"] = Property(ColumnCatalog.Series.First(c => c.Name == "kind")),
                ["description"] = Property(ColumnCatalog.Series.First(c => c.Name == "description")),
                ["status"] = new JsonObject { ["enum"] = new JsonArray("ok", "skipped", "failed") },
                ["reason"] = Property(ColumnCatalog.Series.First(c => c.Name == "reason")),
                ["notes"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
                ["vertebrae"] = new JsonObject { ["type"] = "array", ["items"] = Row(ColumnCatalog.Vertebrae.Where(c => !skipKeys.Contains(c.Name))) },
                ["radiographs"] = new JsonObject { ["type"] = "array", ["items"] = Row(ColumnCatalog.Radiographs.Where(c => !skipKeys.Contains(c.Name))) },
            },
            ["additionalProperties"] = false,
        };
        var inputFile = new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray("file_key", "sha256"),
            ["properties"] = new JsonObject
            {
                ["file_key"] = new JsonObject { ["type"] = "string" },
                ["sha256"] = new JsonObject { ["type"] = "string", ["pattern"] = "^([0-9a-f]{64}|unreadable)$" },
                ["path"] = new JsonObject { ["type"] = "string", ["description"] = "--include-phi only" },
            },
            ["additionalProperties"] = false,
        };
        var schema = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "https://cementquant.invalid/results.schema.json",
            ["title"] = "CementQuant results.json",
            ["description"] = "Made from src/CementQuant.Reporting/ColumnCatalog.cs; see docs/data-dictionary.md for every column.",
            ["type"] = "object",
            ["required"] = new JsonArray("schema_version", "provenance", "studies", "problems"),
            ["properties"] = new JsonObject
            {
                ["schema_version"] = new JsonObject { ["const"] = VertebraTable.SchemaVersion },
                ["provenance"] = new JsonObject
                {
                    ["type"] = "object",
                    ["required"] = new JsonArray("tool", "version", "host", "parameters", "input_files"),
                    ["properties"] = new JsonObject
                    {
                        ["tool"] = new JsonObject { ["const"] = "cementquant" },
                        ["version"] = new JsonObject { ["type"] = "string", ["pattern"] = "^[0-9]+\\.[0-9]+\\.[0-9]+" },
                        ["host"] = new JsonObject
                        {
                            ["type"] = "object",
                            ["required"] = new JsonArray("os", "cpu", "cores"),
                            ["properties"] = new JsonObject { ["os"] = new JsonObject { ["type"] = "string" }, ["cpu"] = new JsonObject { ["type"] = "string" }, ["cores"] = new JsonObject { ["type"] = "integer" } },
                        },
                        ["parameters"] = new JsonObject { ["type"] = "object", ["description"] = "every option value of the run (nested); analyze --config reads it" },
                        ["input_files"] = new JsonObject { ["type"] = "array", ["items"] = inputFile },
                    },
                    ["additionalProperties"] = false,
                },
                ["studies"] = new JsonObject
                {
                    ["type"] = "array",
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["required"] = new JsonArray("study_key", "series"),
                        ["properties"] = new JsonObject
                        {
                            ["study_key"] = Property(ColumnCatalog.Vertebrae.First(c => c.Name == "study_key")),
                            ["patient_key"] = Property(ColumnCatalog.Vertebrae.First(c => c.Name == "patient_key")),
                            ["series"] = new JsonObject { ["type"] = "array", ["items"] = series },
                        },
                        ["additionalProperties"] = false,
                    },
                },
                ["problems"] = new JsonObject { ["type"] = "array", ["items"] = Row(ColumnCatalog.Problems, ColumnCatalog.ProblemsPhi) },
            },
            ["additionalProperties"] = false,
        };
        return schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static JsonObject Property(ColumnDefinition c)
    {
        var type = c.Type switch
        {
            ColumnType.Integer => "integer",
            ColumnType.Boolean => "boolean",
            ColumnType.Text => "string",
            _ => "number",
        };
        var p = new JsonObject { ["type"] = new JsonArray(type, "null"), ["description"] = c.Meaning };
        if (c.Unit.Length > 0) p["x-unit"] = c.Unit;
        p["x-since-schema"] = c.Since;
        return p;
    }
}

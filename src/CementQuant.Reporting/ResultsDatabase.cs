using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CementQuant.Reporting;

/// <summary>
/// The research database: the same vertebrae and series rows as the CSV files, in SQLite (embedded
/// default, one file, appendable across runs) or PostgreSQL (a shared server; shards of an array job
/// write concurrently). Rows are keyed by (series_key, vertebra) and (series_key): writing a series
/// again replaces its rows, so resumed or repeated runs never duplicate.
/// </summary>
public sealed class ResultsDatabase : IDisposable
{
    private readonly DbConnection _db;
    private readonly bool _postgres;

    private ResultsDatabase(DbConnection db, bool postgres) { _db = db; _postgres = postgres; }

    /// <summary>A PostgreSQL connection string (Host=...; or postgres://...) or an SQLite file path.</summary>
    public static bool IsPostgres(string target) =>
        target.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || target.Contains("Host=", StringComparison.OrdinalIgnoreCase);

    public static ResultsDatabase Open(string target)
    {
        var postgres = IsPostgres(target);
        DbConnection db = postgres ? new NpgsqlConnection(ToNpgsql(target)) : new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target, Pooling = false }.ToString());
        try
        {
            db.Open();
        }
        catch (Exception ex) when (ex is DbException or ArgumentException or InvalidOperationException)
        {
            db.Dispose();
            throw new CementQuantException($"cannot open the results database ({(postgres ? "PostgreSQL" : target)}): {ex.Message}", ex);
        }
        var r = new ResultsDatabase(db, postgres);
        r.CreateSchema();
        return r;
    }

    private static string ToNpgsql(string target)
    {
        if (!target.Contains("://", StringComparison.Ordinal)) return target;
        var uri = new Uri(target);
        var b = new NpgsqlConnectionStringBuilder { Host = uri.Host, Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port, Database = uri.AbsolutePath.Trim('/') };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            b.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length > 1) b.Password = Uri.UnescapeDataString(parts[1]);
        }
        return b.ToString();
    }

    /// <summary>Column types: the vertebra table's columns by kind.</summary>
    private static string SqlType(string column) => column switch
    {
        "schema_version" or "components" or "files" or "vertebrae" or "cemented" => "INTEGER",
        "study_key" or "series_key" or "vertebra" or "label_source" or "npec_type" or "pattern" or "leak_sites" or "flags" or "qc"
            or "kind" or "description" or "status" or "reason" or "notes" or "patient_id" or "study_uid" or "series_uid" or "study_date" => "TEXT",
        "crosses_midline" or "superior_contact" or "inferior_contact" or "superior_contact_left" or "superior_contact_right"
            or "inferior_contact_left" or "inferior_contact_right" or "bridging_left" or "bridging_right" or "npec" => "BOOLEAN",
        _ => "DOUBLE PRECISION",
    };

    public static readonly string[] SeriesColumns = ["schema_version", "study_key", "series_key", "kind", "description", "status", "reason", "files", "vertebrae", "cemented", "notes"];

    private void CreateSchema()
    {
        // PHI columns always exist (NULL unless --include-phi), so runs with and without it share one schema.
        var vertebraColumns = VertebraTable.Columns.Concat(VertebraTable.PhiColumns);
        Execute($"CREATE TABLE IF NOT EXISTS vertebrae ({string.Join(", ", vertebraColumns.Select(c => $"{c} {SqlType(c)}"))}, PRIMARY KEY (series_key, vertebra))");
        Execute($"CREATE TABLE IF NOT EXISTS series ({string.Join(", ", SeriesColumns.Concat(VertebraTable.PhiColumns).Select(c => $"{c} {SqlType(c)}"))}, PRIMARY KEY (series_key))");
        Execute("CREATE TABLE IF NOT EXISTS problems (path TEXT, stage TEXT, reason TEXT, run_started TEXT)");
        Execute("CREATE TABLE IF NOT EXISTS schema_info (name TEXT PRIMARY KEY, value TEXT)");
        Execute($"INSERT INTO schema_info (name, value) VALUES ('schema_version', '{VertebraTable.SchemaVersion}') ON CONFLICT (name) DO NOTHING");
    }

    private void Execute(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Writes one series and its vertebrae in one transaction, replacing earlier rows of that series.</summary>
    public void WriteSeries(IReadOnlyList<object?> seriesRow, IReadOnlyList<IReadOnlyList<object?>> vertebraRows, bool phi)
    {
        using var tx = _db.BeginTransaction();
        var seriesKey = (string)seriesRow[2]!;
        Delete("vertebrae", seriesKey, tx);
        Upsert("series", [.. SeriesColumns, .. VertebraTable.PhiColumns], Pad(seriesRow, phi, SeriesColumns.Length), ["series_key"], tx);
        foreach (var row in vertebraRows)
            Upsert("vertebrae", [.. VertebraTable.Columns, .. VertebraTable.PhiColumns], Pad(row, phi, VertebraTable.Columns.Length), ["series_key", "vertebra"], tx);
        tx.Commit();
    }

    public void WriteProblems(IEnumerable<(string Path, string Stage, string Reason)> problems, DateTimeOffset runStarted)
    {
        using var tx = _db.BeginTransaction();
        foreach (var (path, stage, reason) in problems)
        {
            using var cmd = _db.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO problems (path, stage, reason, run_started) VALUES (@p0, @p1, @p2, @p3)";
            Add(cmd, "@p0", path); Add(cmd, "@p1", stage); Add(cmd, "@p2", reason); Add(cmd, "@p3", runStarted.ToString("O", CultureInfo.InvariantCulture));
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    private static object?[] Pad(IReadOnlyList<object?> row, bool phi, int baseColumns)
    {
        var result = new object?[baseColumns + VertebraTable.PhiColumns.Length];
        for (var i = 0; i < Math.Min(row.Count, result.Length); i++) result[i] = row[i];
        if (!phi) for (var i = baseColumns; i < result.Length; i++) result[i] = null;
        return result;
    }

    private void Delete(string table, string seriesKey, DbTransaction tx)
    {
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"DELETE FROM {table} WHERE series_key = @k";
        Add(cmd, "@k", seriesKey);
        cmd.ExecuteNonQuery();
    }

    private void Upsert(string table, string[] columns, object?[] values, string[] key, DbTransaction tx)
    {
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        var names = string.Join(", ", columns);
        var parameters = string.Join(", ", columns.Select((_, i) => $"@p{i}"));
        var updates = string.Join(", ", columns.Where(c => !key.Contains(c)).Select(c => $"{c} = excluded.{c}"));
        cmd.CommandText = $"INSERT INTO {table} ({names}) VALUES ({parameters}) ON CONFLICT ({string.Join(", ", key)}) DO UPDATE SET {updates}";
        for (var i = 0; i < columns.Length; i++) Add(cmd, $"@p{i}", values[i]);
        cmd.ExecuteNonQuery();
    }

    private void Add(DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value switch
        {
            null => DBNull.Value,
            double d when !double.IsFinite(d) => DBNull.Value,
            bool b when !_postgres => b ? 1 : 0,
            _ => value,
        };
        cmd.Parameters.Add(p);
    }

    /// <summary>All rows of a table as invariant strings (for tests comparing outputs).</summary>
    public List<Dictionary<string, string>> ReadAll(string table, string orderBy)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = $"SELECT * FROM {table} ORDER BY {orderBy}";
        using var reader = cmd.ExecuteReader();
        var rows = new List<Dictionary<string, string>>();
        while (reader.Read())
        {
            var row = new Dictionary<string, string>();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var v = reader.GetValue(i);
                var name = reader.GetName(i);
                row[name] = v is DBNull ? "" : SqlType(name) == "BOOLEAN" ? (Convert.ToInt64(v is bool b ? (b ? 1 : 0) : v, CultureInfo.InvariantCulture) != 0 ? "true" : "false") : Csv.Cell(v);
            }
            rows.Add(row);
        }
        return rows;
    }

    public void Dispose() => _db.Dispose();
}

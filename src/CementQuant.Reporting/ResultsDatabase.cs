using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CementQuant.Reporting;

/// <summary>
/// The research database: the same vertebrae, radiographs and series rows as the CSV files, in SQLite (embedded
/// default, one file, appendable across runs) or PostgreSQL (a shared server; shards of an array job
/// write concurrently). Rows are keyed by (series_key, vertebra), (series_key, image_key, vertebra) and
/// (series_key): writing a series again replaces its rows, so resumed or repeated runs never duplicate.
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

    /// <summary>Column types come from the one catalogue of output columns.</summary>
    private static string SqlType(string column) => ColumnCatalog.SqlType(column);

    public static readonly string[] SeriesColumns = [.. ColumnCatalog.Series.Select(c => c.Name)];

    /// <summary>
    /// The columns of problems.csv and the problems table: one row per file or series not used, named by its file_key
    /// (keyed hash of the path relative to the input, like study_key) because folders and files carry patient IDs,
    /// UIDs and dates in hospital exports.
    /// </summary>
    public static readonly string[] ProblemColumns = [.. ColumnCatalog.Problems.Select(c => c.Name)];

    /// <summary>Added by --include-phi: the path relative to the input (CLI.md's problems.csv path).</summary>
    public static readonly string[] ProblemPhiColumns = [.. ColumnCatalog.ProblemsPhi.Select(c => c.Name)];

    /// <summary>Version of the table layout (METRICS.md schema_version): a schema-1 database is upgraded in place
    /// (<see cref="UpgradeFromSchema1"/>); one written by any other version is refused, never altered.</summary>
    public static int SchemaVersion => VertebraTable.SchemaVersion;

    private void CreateSchema()
    {
        using var tx = _db.BeginTransaction();
        // Shards of an array job open the same PostgreSQL database at the same moment; concurrent CREATE TABLE IF NOT
        // EXISTS can still collide in the catalogue, so schema creation is serialised by a transaction-scoped lock.
        if (_postgres) Execute("SELECT pg_advisory_xact_lock(7301946583)", tx);
        // PHI columns always exist (NULL unless --include-phi), so runs with and without it share one schema.
        var vertebraColumns = VertebraTable.Columns.Concat(VertebraTable.PhiColumns);
        Execute($"CREATE TABLE IF NOT EXISTS vertebrae ({string.Join(", ", vertebraColumns.Select(c => $"{c} {SqlType(c)}"))}, PRIMARY KEY (series_key, vertebra))", tx);
        var radiographColumns = RadiographTable.Columns.Concat(VertebraTable.PhiColumns);
        Execute($"CREATE TABLE IF NOT EXISTS radiographs ({string.Join(", ", radiographColumns.Select(c => $"{c} {SqlType(c)}"))}, PRIMARY KEY (series_key, image_key, vertebra))", tx);
        Execute($"CREATE TABLE IF NOT EXISTS series ({string.Join(", ", SeriesColumns.Concat(VertebraTable.PhiColumns).Select(c => $"{c} {SqlType(c)}"))}, PRIMARY KEY (series_key))", tx);
        // path is NULL unless --include-phi, like the other PHI columns.
        Execute("CREATE TABLE IF NOT EXISTS problems (file_key TEXT NOT NULL, stage TEXT NOT NULL, reason TEXT, series_key TEXT NOT NULL, path TEXT, PRIMARY KEY (file_key, stage, series_key))", tx);
        Execute("CREATE TABLE IF NOT EXISTS parameters (series_key TEXT NOT NULL, name TEXT NOT NULL, value TEXT, PRIMARY KEY (series_key, name))", tx);
        Execute("CREATE TABLE IF NOT EXISTS schema_info (name TEXT PRIMARY KEY, value TEXT)", tx);
        // One row per run that wrote here (RunRecord); added beside schema 2's tables, so older schema-2 databases gain it too.
        Execute($"CREATE TABLE IF NOT EXISTS runs ({string.Join(", ", RunRecord.Columns.Select(c => $"{c} {SqlType(c)}"))}, PRIMARY KEY (run_id))", tx);
        // Reviewers' decisions (`cementquant review`, ReviewTable): an added table, so no schema version change; append-only.
        Execute($"CREATE TABLE IF NOT EXISTS reviews ({string.Join(", ", ReviewTable.Columns.Select(c => $"{c} {SqlType(c)}{(c == "seq" ? " PRIMARY KEY" : "")}"))})", tx);
        Execute($"INSERT INTO schema_info (name, value) VALUES ('schema_version', '{SchemaVersion}') ON CONFLICT (name) DO NOTHING", tx);
        using (var cmd = _db.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "SELECT value FROM schema_info WHERE name = 'schema_version'";
            var found = Convert.ToString(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (found == "1" && SchemaVersion == 2)
            {
                UpgradeFromSchema1(tx);
                found = "2";
            }
            // A schema-2 database from before patient_key (METRICS.md "Follow-up") gains it, NULL in its earlier rows.
            if (found == "2")
                foreach (var table in new[] { "vertebrae", "radiographs", "series" })
                    AddColumnIfMissing(table, "patient_key", tx);
            if (found != SchemaVersion.ToString(CultureInfo.InvariantCulture))
                throw new CementQuantException($"the results database holds schema version {found}; this version of CementQuant writes version {SchemaVersion} (use a new database)");
        }
        tx.Commit();
    }

    /// <summary>
    /// Schema 1 → 2, in the schema transaction: the vertebra table gains the fracture geometry columns and patient_key, the
    /// radiograph and series tables patient_key (NULL in the rows
    /// of earlier runs, whose schema_version column still says 1); the problems table, keyed by input path in schema 1,
    /// is made again keyed by file_key (problem rows are each run's diagnostics, written again by the next run of a series;
    /// the old rows, which held input paths, are not kept).
    /// </summary>
    private void UpgradeFromSchema1(DbTransaction tx)
    {
        foreach (var column in VertebraTable.AddedInSchema2)
            AddColumnIfMissing("vertebrae", column, tx);
        // Tables schema 1 did not have were just made with every schema-2 column; the others gain patient_key.
        AddColumnIfMissing("radiographs", "patient_key", tx);
        AddColumnIfMissing("series", "patient_key", tx);
        Execute("DROP TABLE problems", tx);
        Execute("CREATE TABLE problems (file_key TEXT NOT NULL, stage TEXT NOT NULL, reason TEXT, series_key TEXT NOT NULL, path TEXT, PRIMARY KEY (file_key, stage, series_key))", tx);
        Execute("UPDATE schema_info SET value = '2' WHERE name = 'schema_version'", tx);
    }

    private void AddColumnIfMissing(string table, string column, DbTransaction tx)
    {
        using (var cmd = _db.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = $"SELECT * FROM {table} WHERE 1 = 0";
            using var reader = cmd.ExecuteReader();
            for (var i = 0; i < reader.FieldCount; i++)
                if (string.Equals(reader.GetName(i), column, StringComparison.OrdinalIgnoreCase)) return;
        }
        Execute($"ALTER TABLE {table} ADD COLUMN {column} {SqlType(column)}", tx);
    }

    private void Execute(string sql, DbTransaction? tx = null)
    {
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>One series row and its vertebra (CT) or radiograph rows, as the CSV files hold them.</summary>
    public sealed record SeriesRows(IReadOnlyList<object?> Series, IReadOnlyList<IReadOnlyList<object?>> Vertebrae)
    {
        public IReadOnlyList<IReadOnlyList<object?>> Radiographs { get; init; } = [];
        /// <summary>Every option value the series was analysed with (name → provenance text): rows of the <c>parameters</c> table.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];
    }

    /// <summary>Writes one series and its vertebrae in one transaction, replacing earlier rows of that series.</summary>
    public void WriteSeries(IReadOnlyList<object?> seriesRow, IReadOnlyList<IReadOnlyList<object?>> vertebraRows, bool phi) =>
        WriteRun([new SeriesRows(seriesRow, vertebraRows)], [], phi);

    /// <summary>
    /// Writes a whole run in one transaction: a killed run leaves the database as it was. Each series replaces its
    /// earlier rows (and its earlier problems), so repeated, resumed or concurrent sharded runs never duplicate.
    /// Problem rows are (file_key, stage, reason, series_key[, path]) with "" for a file that belongs to no series.
    /// </summary>
    /// <param name="run">The run's own row of the <c>runs</c> table, appended in the same transaction (null: none, e.g. a test writing rows).</param>
    public void WriteRun(IReadOnlyList<SeriesRows> series, IReadOnlyList<IReadOnlyList<object?>> problems, bool phi, RunRecord? run = null)
    {
        // Rows in key order, so two writers touching the same keys take their locks in the same order.
        var ordered = series.OrderBy(s => (string)s.Series[2]!, StringComparer.Ordinal).ToList();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var tx = _db.BeginTransaction();
                foreach (var s in ordered)
                {
                    var seriesKey = (string)s.Series[2]!;
                    Delete("vertebrae", seriesKey, tx);
                    Delete("radiographs", seriesKey, tx);
                    Delete("problems", seriesKey, tx);
                    Delete("parameters", seriesKey, tx);
                    foreach (var (name, value) in s.Parameters)
                        Upsert("parameters", ["series_key", "name", "value"], [seriesKey, name, value], ["series_key", "name"], tx);
                    Upsert("series", [.. SeriesColumns, .. VertebraTable.PhiColumns], Pad(s.Series, phi, SeriesColumns.Length), ["series_key"], tx);
                    foreach (var row in s.Vertebrae)
                        Upsert("vertebrae", [.. VertebraTable.Columns, .. VertebraTable.PhiColumns], Pad(row, phi, VertebraTable.Columns.Length), ["series_key", "vertebra"], tx);
                    foreach (var row in s.Radiographs)
                        Upsert("radiographs", [.. RadiographTable.Columns, .. VertebraTable.PhiColumns], Pad(row, phi, RadiographTable.Columns.Length), ["series_key", "image_key", "vertebra"], tx);
                }
                foreach (var p in problems.OrderBy(p => (string)p[0]!, StringComparer.Ordinal).ThenBy(p => (string)p[1]!, StringComparer.Ordinal))
                    Upsert("problems", [.. ProblemColumns, .. ProblemPhiColumns], Pad(p, phi, ProblemColumns.Length, ProblemPhiColumns.Length), ["file_key", "stage", "series_key"], tx);
                if (run is not null) Upsert("runs", RunRecord.Columns, [.. run.Row], ["run_id"], tx);
                tx.Commit();
                return;
            }
            catch (PostgresException ex) when (attempt < 4 && ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                Thread.Sleep(100 * attempt);
            }
        }
    }

    private static object?[] Pad(IReadOnlyList<object?> row, bool phi, int baseColumns) => Pad(row, phi, baseColumns, VertebraTable.PhiColumns.Length);

    private static object?[] Pad(IReadOnlyList<object?> row, bool phi, int baseColumns, int phiColumns)
    {
        var result = new object?[baseColumns + phiColumns];
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

    /// <summary>
    /// Appends one reviewer's decision to the <c>reviews</c> table (the values of <see cref="ReviewTable.Columns"/> after
    /// <c>seq</c>) and returns its sequence number, one more than the largest so far. Rows are never updated or deleted:
    /// the latest decision of a reviewer supersedes the earlier ones when they are read. Two review servers appending to
    /// one PostgreSQL database at once may pick the same number; the loser of that race tries again.
    /// </summary>
    public long AppendReview(IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var columns = ReviewTable.Columns;
        if (values.Count != columns.Length - 1) throw new ArgumentException($"a review row has {columns.Length - 1} values, got {values.Count}", nameof(values));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var tx = _db.BeginTransaction();
                using var cmd = _db.CreateCommand();
                cmd.Transaction = tx;
                var parameters = string.Join(", ", columns.Skip(1).Select((_, i) => $"@p{i}"));
                cmd.CommandText = $"INSERT INTO reviews ({string.Join(", ", columns)}) SELECT COALESCE(MAX(seq), 0) + 1, {parameters} FROM reviews RETURNING seq";
                for (var i = 0; i < values.Count; i++) Add(cmd, $"@p{i}", values[i]);
                var seq = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
                tx.Commit();
                return seq;
            }
            catch (PostgresException ex) when (attempt < 6 && ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                Thread.Sleep(20 * attempt);
            }
        }
    }

    /// <summary>All rows of a table as the strings a CSV reader would see (unquoted), for tests comparing outputs.</summary>
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
                row[name] = v switch
                {
                    DBNull => "",
                    _ when ColumnCatalog.Find(name)?.Type == ColumnType.Boolean => Convert.ToInt64(v is bool b ? (b ? 1 : 0) : v, CultureInfo.InvariantCulture) != 0 ? "true" : "false",
                    string text => text,
                    _ => Csv.Cell(v),
                };
            }
            rows.Add(row);
        }
        return rows;
    }

    public void Dispose() => _db.Dispose();
}

using Npgsql;

namespace CementQuant.Testing;

/// <summary>
/// A test that needs the PostgreSQL server named by CQ_TEST_POSTGRES (.ci/run starts one on loopback): skipped
/// with a message where the variable is unset, failing instead under CI=true.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (Postgres.ConnectionString is null && !Postgres.Required)
            Skip = "CQ_TEST_POSTGRES is not set (a PostgreSQL connection string, e.g. Host=127.0.0.1;Port=5433;Username=postgres;Database=postgres; .ci/run starts one)";
    }
}

/// <summary>A private schema per test on the shared test server, dropped afterwards.</summary>
public sealed class Postgres : IDisposable
{
    public static string? ConnectionString => Environment.GetEnvironmentVariable("CQ_TEST_POSTGRES") is { Length: > 0 } s ? s : null;

    public static bool Required => Environment.GetEnvironmentVariable("CI") == "true";

    private readonly string _schema = "cq_test_" + Guid.NewGuid().ToString("N")[..12];

    public Postgres()
    {
        Assert.True(ConnectionString is not null, "CI=true but CQ_TEST_POSTGRES is not set: .ci/run must start PostgreSQL");
        Execute($"CREATE SCHEMA {_schema}");
    }

    /// <summary>The connection string that puts every table in this test's schema.</summary>
    public string Target => new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = _schema }.ToString();

    private static void Execute(string sql)
    {
        using var c = new NpgsqlConnection(ConnectionString);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => Execute($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
}

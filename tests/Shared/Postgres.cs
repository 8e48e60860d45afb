using Npgsql;

namespace CementQuant.Testing;

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

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

namespace CementQuant.Review.Tests;

/// <summary>A browser test that also needs PostgreSQL (CQ_TEST_POSTGRES): skipped without either, failing under CI=true.</summary>
public sealed class BrowserPostgresFactAttribute : FactAttribute
{
    public BrowserPostgresFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") == "true") return;
        if (Browser.Executable is null) Skip = "chromium is not installed (apt-get install chromium; .ci/run installs it)";
        else if (Postgres.ConnectionString is null) Skip = "CQ_TEST_POSTGRES is not set (.ci/run starts PostgreSQL)";
    }
}

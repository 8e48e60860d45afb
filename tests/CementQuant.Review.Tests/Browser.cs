using Microsoft.Playwright;

namespace CementQuant.Review.Tests;

/// <summary>
/// Debian's chromium (installed by .ci/run) driven by Playwright's node driver from its NuGet package; no browser is
/// downloaded. CQ_CHROMIUM overrides the executable.
/// </summary>
internal static class Browser
{
    public static string? Executable =>
        Environment.GetEnvironmentVariable("CQ_CHROMIUM") is { Length: > 0 } e ? e
        : new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> Launch()
    {
        var exe = Executable;
        Assert.True(exe is not null, "CI=true but chromium is not installed (.ci/run installs it with apt)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = exe,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
        return (playwright, browser);
    }
}

/// <summary>A browser test: skipped where chromium is missing, failing instead under CI=true.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Browser.Executable is null && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = "chromium is not installed (apt-get install chromium; .ci/run installs it)";
    }
}

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

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

namespace CementQuant.Review.Tests;

/// <summary>A browser test: skipped where chromium is missing, failing instead under CI=true.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Browser.Executable is null && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = "chromium is not installed (apt-get install chromium; .ci/run installs it)";
    }
}

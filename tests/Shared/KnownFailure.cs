namespace CementQuant.Testing;

/// <summary>
/// A known limitation or bug, kept as a strict expected failure: the test passes while the check still fails
/// and fails the day it starts passing (then the check becomes an ordinary assertion). Such tests are named
/// <c>..._KnownFailure</c> and listed in docs/known-failures.md, so they stay visible in every run.
/// </summary>
public static class KnownFailure
{
    public static void Expect(string why, Action check)
    {
        try
        {
            check();
        }
        catch (Exception ex) when (ex is Xunit.Sdk.XunitException)
        {
            return; // still failing, as recorded
        }
        Assert.Fail($"known failure no longer fails ({why}): make it an ordinary test and remove it from docs/known-failures.md");
    }
}

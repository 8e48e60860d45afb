using System.Diagnostics;

namespace CementQuant.EndToEnd.Tests;

/// <summary>Runs the built `cementquant` program as a separate process, as scripts do.</summary>
public static class Cli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    private static string Exe => Path.Combine(AppContext.BaseDirectory, "cementquant.dll");

    public static Result Run(params string[] args) => RunWith([], args);

    /// <summary>Runs with extra environment variables for the child only (the test process's own environment is shared by parallel tests).</summary>
    public static Result RunWith((string Name, string Value)[] env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in env) psi.Environment[name] = value;
        psi.ArgumentList.Add(Exe);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException($"cementquant {string.Join(' ', args)} ran over 5 minutes"); }
        return new Result(p.ExitCode, output, err.Result);
    }
}

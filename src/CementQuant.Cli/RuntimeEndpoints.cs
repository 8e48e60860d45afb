namespace CementQuant.Cli;

/// <summary>
/// The .NET runtime opens a diagnostics socket (<c>dotnet-diagnostic-&lt;pid&gt;-&lt;start&gt;-socket</c>) and debugger pipes
/// (<c>clr-debug-pipe-&lt;pid&gt;-&lt;start&gt;-in/out</c>) in the temp folder of every process, before <c>Main</c>: any process of the
/// same user can then dump this one's memory (patient data) through them, and a kill -9 leaves them behind. Neither
/// <c>DOTNET_EnableDiagnostics=0</c> nor any runtimeconfig.json property can be set by the program itself in time (tried
/// on .NET 10: <c>System.Runtime.EnableDiagnostics</c>, <c>EnableDiagnostics</c>, <c>…_IPC</c> in configProperties all
/// leave the socket), so the CLI unlinks its own endpoints as its first act: nothing can connect by name any more and
/// nothing stays in the temp folder, whatever way the process ends. <c>CEMENTQUANT_DIAGNOSTICS=1</c> keeps them for
/// dotnet-trace/dotnet-dump; with <c>DOTNET_EnableDiagnostics=0</c> the runtime creates none in the first place.
/// </summary>
internal static class RuntimeEndpoints
{
    public static int Close()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return 0; // Windows: named pipes, no files
        if (Environment.GetEnvironmentVariable("CEMENTQUANT_DIAGNOSTICS") == "1") return 0;
        var tmp = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } t ? t : "/tmp";
        var pid = Environment.ProcessId;
        var closed = 0;
        try
        {
            foreach (var pattern in new[] { $"dotnet-diagnostic-{pid}-*-socket", $"clr-debug-pipe-{pid}-*-in", $"clr-debug-pipe-{pid}-*-out" })
                foreach (var f in Directory.EnumerateFiles(tmp, pattern))
                {
                    try { File.Delete(f); closed++; }
                    catch (IOException) { }
                    catch (UnauthorizedAccessException) { }
                }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return closed;
    }
}

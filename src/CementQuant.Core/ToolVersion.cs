using System.Reflection;

namespace CementQuant;

/// <summary>
/// The program's version as `cementquant --version` prints it: the release version and the commit it was built from
/// (<c>0.1.0+&lt;40 hex&gt;</c>, Directory.Build.targets). The one source for every output that names the version
/// (results.json, the runs table, the convert sidecar, the --resume fingerprint).
/// </summary>
public static class ToolVersion
{
    public static string Full { get; } =
        typeof(ToolVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ToolVersion).Assembly.GetName().Version?.ToString() ?? "unknown";
}

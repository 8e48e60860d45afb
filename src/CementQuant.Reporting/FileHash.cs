using System.Security.Cryptography;

namespace CementQuant.Reporting;

/// <summary>Input file hashes for the provenance.</summary>
public static class FileHash
{
    /// <summary>SHA-256 of a file's bytes, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}

using System.Security.Cryptography;
using System.Text;

namespace CementQuant.Reporting;

/// <summary>
/// Pseudonymous keys: HMAC-SHA256 of a UID with the site's secret key, truncated to 16 hex digits. The
/// same UID maps to the same key on every machine that shares the key file, and the key cannot be turned
/// back into the UID without the secret. The key file is created on first use (32 random bytes, hex).
/// </summary>
public sealed class SiteKey
{
    private readonly byte[] _key;

    public SiteKey(byte[] key)
    {
        if (key.Length < 16) throw new ArgumentException("a site key needs at least 16 bytes", nameof(key));
        _key = key;
    }

    public string Path { get; private init; } = "";

    /// <summary>The default key file: $XDG_CONFIG_HOME/cementquant/site.key, else ~/.config/cementquant/site.key.</summary>
    public static string DefaultPath
    {
        get
        {
            var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
            if (string.IsNullOrEmpty(config)) config = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            return System.IO.Path.Combine(config, "cementquant", "site.key");
        }
    }

    /// <summary>Loads the key file, creating it (readable by the owner only) when it does not exist.</summary>
    public static SiteKey LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path).Trim();
            try
            {
                return new SiteKey(Convert.FromHexString(text)) { Path = path };
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                throw new CementQuantException($"site key file '{path}' does not hold a hex key of at least 16 bytes");
            }
        }
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var key = RandomNumberGenerator.GetBytes(32);
        var tmp = path + ".tmp" + Environment.ProcessId;
        File.WriteAllText(tmp, Convert.ToHexString(key).ToLowerInvariant() + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            File.Move(tmp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
            File.Delete(tmp);
            return LoadOrCreate(path);
        }
        return new SiteKey(key) { Path = path };
    }

    /// <summary>The pseudonymous key of a UID; an empty UID gets a key of the context string instead.</summary>
    public string Hash(string uid)
    {
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(uid));
        return Convert.ToHexString(mac, 0, 8).ToLowerInvariant();
    }
}

namespace CementQuant.Review;

/// <summary>What <c>cementquant review</c> serves: a run folder, its database, the loopback port (0: any free one) and who reviews.</summary>
public sealed record ReviewOptions
{
    public ReviewOptions(string runFolder, string database, int port, string reviewer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        if (port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "a TCP port 0..65535 (0: any free port)");
        if (string.IsNullOrWhiteSpace(reviewer) || reviewer.Length > 100 || reviewer.Any(char.IsControl))
            throw new ArgumentException("a reviewer name of 1 to 100 printable characters", nameof(reviewer));
        RunFolder = runFolder;
        Database = database;
        Port = port;
        Reviewer = reviewer.Trim();
    }

    public string RunFolder { get; }

    /// <summary>An SQLite path or a PostgreSQL connection string, as analyze's --db.</summary>
    public string Database { get; }

    public int Port { get; }

    public string Reviewer { get; }
}

namespace CementQuant.Testing;

/// <summary>
/// Golden files in <c>testdata/</c>: expected outputs compared exactly (DESIGN.md). A difference is fixed in the code;
/// <c>CQ_BLESS_GOLDEN=1</c> rewrites the files instead, and the commit that keeps such a rewrite says why.
/// </summary>
public static class Golden
{
    public static bool Bless => Environment.GetEnvironmentVariable("CQ_BLESS_GOLDEN") == "1";

    public static string PathOf(string name) => System.IO.Path.Combine(SharedData.RepoRoot, "testdata", name);

    /// <summary>Compares <paramref name="actual"/> with testdata/<paramref name="name"/>, naming the first differing lines.</summary>
    public static void Check(string name, string actual)
    {
        var path = PathOf(name);
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (Bless)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"golden file testdata/{name} is missing (CQ_BLESS_GOLDEN=1 writes it)");
        var expected = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        if (expected == actual) return;
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var diffs = new List<string>();
        for (var i = 0; i < Math.Max(e.Length, a.Length) && diffs.Count < 10; i++)
        {
            var el = i < e.Length ? e[i] : "(none)";
            var al = i < a.Length ? a[i] : "(none)";
            if (el != al) diffs.Add($"line {i + 1}: expected '{el}', got '{al}'");
        }
        Assert.Fail($"testdata/{name} differs:\n{string.Join('\n', diffs)}");
    }

    /// <summary>A two-column tab-separated golden table (key, value); lines starting with '#' are comments.</summary>
    public static Dictionary<string, string> ReadTable(string name)
    {
        var path = PathOf(name);
        Assert.True(File.Exists(path), $"golden table testdata/{name} is missing (CQ_BLESS_GOLDEN=1 writes it)");
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            Assert.True(tab > 0, $"testdata/{name}: no tab in '{line}'");
            table.Add(line[..tab], line[(tab + 1)..]);
        }
        return table;
    }

    /// <summary>Writes a table in <see cref="ReadTable"/>'s format (sorted ordinally by key) as text.</summary>
    public static string FormatTable(string comment, IEnumerable<KeyValuePair<string, string>> rows) =>
        $"# {comment}\n" + string.Concat(rows.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}\t{r.Value}\n"));
}

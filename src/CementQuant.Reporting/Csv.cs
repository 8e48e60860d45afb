using System.Globalization;
using System.Text;

namespace CementQuant.Reporting;

/// <summary>
/// RFC 4180 CSV with invariant culture: '.' decimals, true/false, empty cell for null. Written to a
/// temporary file and renamed over the target, so a killed run leaves the old file or the new one.
/// </summary>
public static class Csv
{
    public static string Cell(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        double d => double.IsFinite(d) ? Math.Round(d, 4).ToString("0.####", CultureInfo.InvariantCulture) : "",
        float f => Cell((double)f),
        IFormattable f => Quote(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => Quote(Defuse(value.ToString() ?? "")),
    };

    /// <summary>
    /// A text cell that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return: a path
    /// or a DICOM description from a hostile file) gets a leading apostrophe, as OWASP advises; numbers, and text
    /// that reads as a number, stay as they are.
    /// </summary>
    public static string Defuse(string s) =>
        s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r'
        && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? "'" + s : s;

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows) => AtomicFile.WriteAllText(path, Text(header, rows));

    /// <summary>The whole file: header and rows, RFC 4180, every line ending with '\n'.</summary>
    public static string Text(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(',', header)).Append('\n');
        foreach (var row in rows)
        {
            if (row.Count != header.Count) throw new ArgumentException($"row has {row.Count} cells, header {header.Count}");
            sb.Append(string.Join(',', row.Select(Cell))).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// Parses RFC 4180 text as <see cref="Text"/> writes it: the header's names, then each row's cells unquoted
    /// (a quoted cell may hold commas, quotes and line breaks).
    /// </summary>
    public static (IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = new List<IReadOnlyList<string>>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"') cell.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else quoted = false;
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; break;
                case ',': cells.Add(cell.ToString()); cell.Clear(); break;
                case '\r': break;
                case '\n': cells.Add(cell.ToString()); cell.Clear(); records.Add(cells); cells = []; break;
                default: cell.Append(c); break;
            }
        }
        if (cell.Length > 0 || cells.Count > 0) { cells.Add(cell.ToString()); records.Add(cells); }
        if (records.Count == 0) return ([], []);
        return (records[0], records.Skip(1).ToList());
    }
}

using System.Security.Cryptography;
using System.Text;
using CementQuant.Reporting;
using CementQuant.Reporting.Report;

namespace CementQuant.Review;

/// <summary>
/// A finished run as the review reads it: the rows of vertebrae.csv and radiographs.csv (CT rows and radiograph rows),
/// the series' descriptions from series.csv, and each row's pictures in <c>report/</c> (as <see cref="QaReport"/> names
/// them: <c>&lt;series&gt;_&lt;vertebra&gt;_&lt;kind&gt;.png</c>, <c>&lt;series&gt;_&lt;image&gt;_whole.png</c> and
/// <c>&lt;series&gt;_&lt;image&gt;_&lt;vertebra&gt;.png</c>). Flagged rows first, each group in the files' order.
/// </summary>
public sealed class RunFolder
{
    private static readonly string[] CtPictures = ["axial", "coronal", "sagittal", "mip-ap", "mip-lat", "contact"];

    private RunFolder(string root, IReadOnlyList<ReviewRow> rows) { Root = root; Rows = rows; }

    /// <summary>The run folder's full path.</summary>
    public string Root { get; }

    public IReadOnlyList<ReviewRow> Rows { get; }

    public string VertebraeCsv => Path.Combine(Root, "vertebrae.csv");

    public string RadiographsCsv => Path.Combine(Root, "radiographs.csv");

    public string ReviewsCsv => Path.Combine(Root, "reviews.csv");

    /// <summary>Reads a run folder; a folder that is not a finished run is a <see cref="CementQuantException"/> naming the file.</summary>
    public static RunFolder Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root)) throw new CementQuantException($"the run folder '{folder}' does not exist");
        var vertebrae = Path.Combine(root, "vertebrae.csv");
        if (!File.Exists(vertebrae)) throw new CementQuantException($"'{folder}' is not a finished run: no vertebrae.csv in it (run cementquant analyze first)");
        var descriptions = File.Exists(Path.Combine(root, "series.csv"))
            // A series key can stand on more than one row (a hostile export: one series' files skipped and failed apart); the first names it.
            ? Table(Path.Combine(root, "series.csv")).GroupBy(r => Cell(r, "series_key"), StringComparer.Ordinal).ToDictionary(g => g.Key, g => Cell(g.First(), "description"), StringComparer.Ordinal)
            : [];
        var pictures = Directory.Exists(Path.Combine(root, "report"))
            ? Directory.EnumerateFiles(Path.Combine(root, "report"), "*.png").Select(Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal)
            : [];
        var rows = new List<ReviewRow>();
        foreach (var r in Table(vertebrae))
        {
            var (series, vertebra) = (Cell(r, "series_key"), Cell(r, "vertebra"));
            var stem = $"{QaReport.Safe(series)}_{QaReport.Safe(vertebra)}";
            rows.Add(Row($"{series}/{vertebra}", "CT", r, descriptions, CtPictures.Select(k => $"{stem}_{k}.png").Where(pictures.Contains)));
        }
        var radiographs = Path.Combine(root, "radiographs.csv");
        if (File.Exists(radiographs))
        {
            foreach (var r in Table(radiographs))
            {
                var (series, image, vertebra) = (Cell(r, "series_key"), Cell(r, "image_key"), Cell(r, "vertebra"));
                var stem = $"{QaReport.Safe(series)}_{QaReport.Safe(image)}";
                rows.Add(Row($"{series}/{image}/{vertebra}", Cell(r, "view"), r, descriptions,
                    new[] { $"{stem}_{QaReport.Safe(vertebra)}.png", $"{stem}_whole.png" }.Where(pictures.Contains)));
            }
        }
        return new RunFolder(root, [.. rows.Where(r => r.Flagged), .. rows.Where(r => !r.Flagged)]);
    }

    private static ReviewRow Row(string key, string kind, Dictionary<string, string> cells, Dictionary<string, string> descriptions, IEnumerable<string> pictures) =>
        new(key, Cell(cells, "study_key"), Cell(cells, "series_key"), Cell(cells, "vertebra"), kind, descriptions.GetValueOrDefault(Cell(cells, "series_key"), ""),
            Split(Cell(cells, "flags")), Split(Cell(cells, "qc")), [.. pictures.Select(p => "report/" + p)], cells, Hash(cells));

    /// <summary>
    /// The row's cells as a reviewer judged them: every column but the review columns and the identifying ones (present
    /// or not with --include-phi), name and value, hashed (SHA-256, 16 hex digits).
    /// </summary>
    internal static string Hash(Dictionary<string, string> cells)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in cells.Where(c => !ReviewTable.StateColumns.Contains(c.Key) && !VertebraTable.PhiColumns.Contains(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal))
            text.Append(name).Append('\u001f').Append(value).Append('\u001e');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16].ToLowerInvariant();
    }

    private static string[] Split(string list) => list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string Cell(Dictionary<string, string> row, string column) => row.GetValueOrDefault(column, "");

    /// <summary>A CSV file's rows as column → cell.</summary>
    internal static List<Dictionary<string, string>> Table(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CementQuantException($"cannot read '{path}': {ex.Message}", ex);
        }
        var (header, rows) = Csv.Parse(text);
        return [.. rows.Select(r => header.Select((h, i) => (h, i)).ToDictionary(p => p.h, p => p.i < r.Count ? r[p.i] : "", StringComparer.Ordinal))];
    }
}

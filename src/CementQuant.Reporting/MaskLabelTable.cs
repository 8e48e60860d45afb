using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CementQuant.Reporting;

/// <summary>One value of a label map: its number, its name and a display colour.</summary>
public sealed record MaskLabel(int Value, string Name, byte R, byte G, byte B);

/// <summary>
/// The label table written beside every NIfTI mask (shared/spec/METRICS.md "masks/": "each with a label table beside it
/// naming every label value"), in three forms: <c>&lt;mask&gt;.labels.json</c> (for scripts), an ITK-SNAP label
/// description file <c>&lt;mask&gt;.itksnap.txt</c> (Segmentation → Import Label Descriptions) and a 3D Slicer colour
/// table <c>&lt;mask&gt;.ctbl</c> (load it, then pick it as the label map's colour node). Value 0 is the background.
/// </summary>
public static class MaskLabelTable
{
    /// <summary>The cement mask's values (METRICS.md): 1 cement inside a body, 2 leaked cement.</summary>
    public static readonly IReadOnlyList<MaskLabel> Cement =
    [
        new(1, "cement in body", 255, 215, 0),
        new(2, "leaked cement", 255, 64, 64),
    ];

    /// <summary>Distinct colours for vertebrae, cycled by label value.</summary>
    private static readonly (byte R, byte G, byte B)[] Palette =
    [
        (230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178), (213, 94, 0), (204, 121, 167),
        (148, 103, 189), (140, 86, 75), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    ];

    /// <summary>The vertebra mask's values: each body's index (1..N, superior first) named by its label (L3, V2, ...).</summary>
    public static IReadOnlyList<MaskLabel> Vertebrae(IEnumerable<(int Value, string Name)> bodies) =>
        [.. bodies.Select(b => { var c = Palette[(b.Value - 1 + Palette.Length) % Palette.Length]; return new MaskLabel(b.Value, b.Name, c.R, c.G, c.B); })];

    /// <summary>Writes the three tables beside <paramref name="maskPath"/> (a <c>.nii.gz</c>), atomically.</summary>
    public static void WriteBeside(string maskPath, IReadOnlyList<MaskLabel> labels)
    {
        var stem = maskPath.EndsWith(".nii.gz", StringComparison.Ordinal) ? maskPath[..^".nii.gz".Length] : Path.ChangeExtension(maskPath, null);
        AtomicFile.WriteAllText(stem + ".labels.json", Json(Path.GetFileName(maskPath), labels));
        AtomicFile.WriteAllText(stem + ".itksnap.txt", ItkSnap(labels));
        AtomicFile.WriteAllText(stem + ".ctbl", SlicerColorTable(labels));
    }

    internal static string Json(string mask, IReadOnlyList<MaskLabel> labels) => JsonSerializer.Serialize(new
    {
        mask,
        background = 0,
        labels = labels.Select(l => new { value = l.Value, name = l.Name, color = new[] { l.R, l.G, l.B } }),
    }, new JsonSerializerOptions { WriteIndented = true });

    /// <summary>ITK-SNAP's label description format: index, RGB, opacity, visibility, mesh visibility, quoted name.</summary>
    internal static string ItkSnap(IReadOnlyList<MaskLabel> labels)
    {
        var sb = new StringBuilder();
        sb.Append("################################################\n# ITK-SnAP Label Description File (written by CementQuant)\n");
        sb.Append("# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL\n################################################\n");
        sb.Append("    0     0    0    0     0    0   0  \"Clear Label\"\n");
        foreach (var l in labels)
            sb.Append(CultureInfo.InvariantCulture, $"{l.Value,5} {l.R,5} {l.G,4} {l.B,4}     1    1   1  \"{l.Name.Replace("\"", "'", StringComparison.Ordinal)}\"\n");
        return sb.ToString();
    }

    /// <summary>3D Slicer's colour table: "value name R G B A" per line, names without spaces.</summary>
    internal static string SlicerColorTable(IReadOnlyList<MaskLabel> labels)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# Color table file written by CementQuant\n# {labels.Count + 1} values\n0 Background 0 0 0 0\n");
        foreach (var l in labels)
            sb.Append(CultureInfo.InvariantCulture, $"{l.Value} {l.Name.Replace(' ', '_')} {l.R} {l.G} {l.B} 255\n");
        return sb.ToString();
    }
}

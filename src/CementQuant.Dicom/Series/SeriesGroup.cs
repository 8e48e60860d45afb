using System.Globalization;

namespace CementQuant.Dicom.Series;

/// <summary>
/// The instances that form one analysable unit: a CT volume (slices sharing series, frame of reference,
/// orientation and in-plane geometry), an enhanced CT file, or the radiographs of a series.
/// </summary>
public sealed record SeriesGroup
{
    public required int Index { get; init; }
    public required InstanceKind Kind { get; init; }
    public required IReadOnlyList<InstanceHeader> Instances { get; init; }
    public required bool Usable { get; init; }
    /// <summary>Why the group is (not) used: "CT volume", "localizer", "unsupported transfer syntax ...".</summary>
    public required string Reason { get; init; }
    public string StudyInstanceUid => Instances[0].StudyInstanceUid;
    public string SeriesInstanceUid => Instances[0].SeriesInstanceUid;
    public InstanceHeader First => Instances[0];

    public string Describe()
    {
        var h = First;
        return Kind switch
        {
            InstanceKind.CtSlice => string.Create(CultureInfo.InvariantCulture, $"CT volume {h.Columns}×{h.Rows}×{Instances.Count}"),
            InstanceKind.EnhancedCt => string.Create(CultureInfo.InvariantCulture, $"enhanced CT {h.Columns}×{h.Rows}×{h.NumberOfFrames}"),
            InstanceKind.Radiograph => string.Create(CultureInfo.InvariantCulture, $"radiograph{(Instances.Count > 1 ? "s" : "")} ×{Instances.Count}"),
            InstanceKind.Localizer => "localizer",
            InstanceKind.NonImage => "non-image",
            InstanceKind.SecondaryCapture => "secondary capture",
            _ => "other image",
        };
    }
}

/// <summary>
/// Groups headers into series. UIDs are not trusted alone: they may be empty (anonymised exports) or
/// reused, so CT slices are split further by frame of reference, orientation and in-plane geometry.
/// </summary>
public static class SeriesGrouper
{
    public static IReadOnlyList<SeriesGroup> Group(IEnumerable<InstanceHeader> instances)
    {
        var groups = instances
            .GroupBy(Key)
            .Select(g => g.OrderBy(h => h.Path, StringComparer.Ordinal).ToList())
            .OrderBy(g => g[0].StudyInstanceUid, StringComparer.Ordinal)
            .ThenBy(g => g[0].SeriesNumber ?? int.MaxValue)
            .ThenBy(g => g[0].SeriesInstanceUid, StringComparer.Ordinal)
            .ThenBy(g => g[0].Kind)
            .ThenBy(g => g[0].Path, StringComparer.Ordinal)
            .ToList();
        var result = new List<SeriesGroup>();
        foreach (var g in groups)
        {
            if (g[0].Kind == InstanceKind.EnhancedCt)
            {
                // One volume per enhanced file.
                foreach (var h in g) result.Add(Make(result.Count, [h]));
            }
            else
            {
                result.Add(Make(result.Count, g));
            }
        }
        return result;
    }

    private static SeriesGroup Make(int index, List<InstanceHeader> g)
    {
        var h = g[0];
        var (usable, reason) = h.Kind switch
        {
            InstanceKind.CtSlice when !h.CanDecode => (false, $"unsupported transfer syntax {h.TransferSyntaxUid} ({h.TransferSyntaxName})"),
            InstanceKind.CtSlice when h.SamplesPerPixel != 1 => (false, $"CT with {h.SamplesPerPixel} samples per pixel (colour) is not a HU image"),
            InstanceKind.CtSlice => (true, "CT volume"),
            InstanceKind.EnhancedCt when !h.CanDecode => (false, $"unsupported transfer syntax {h.TransferSyntaxUid} ({h.TransferSyntaxName})"),
            InstanceKind.EnhancedCt when h.FramePositions is null => (false, h.KindReason),
            InstanceKind.EnhancedCt => (true, "enhanced CT volume"),
            InstanceKind.Radiograph when !h.CanDecode => (false, $"unsupported transfer syntax {h.TransferSyntaxUid} ({h.TransferSyntaxName})"),
            InstanceKind.Radiograph => (true, "radiograph"),
            // A scout is a projection radiograph; a CT image that is only called a localizer for want of geometry is not.
            InstanceKind.Localizer when HeaderReader.IsLocalizerImageType(h.ImageType) && !h.CanDecode => (false, $"unsupported transfer syntax {h.TransferSyntaxUid} ({h.TransferSyntaxName})"),
            InstanceKind.Localizer when HeaderReader.IsLocalizerImageType(h.ImageType) => (true, "localizer (a projection, analysed as a radiograph)"),
            _ => (false, h.KindReason),
        };
        return new SeriesGroup { Index = index, Kind = h.Kind, Instances = g, Usable = usable, Reason = reason };
    }

    private static string Key(InstanceHeader h)
    {
        var inv = CultureInfo.InvariantCulture;
        // Without a SeriesInstanceUID, only files of one folder can be a series: never merge a UID-less file into
        // another export's series because both lack UIDs.
        var folder = h.SeriesInstanceUid.Length == 0 ? "|folder:" + System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(h.Path)) : "";
        var basic = $"{h.StudyInstanceUid}|{h.SeriesInstanceUid}|{h.Kind}{folder}";
        if (h.Kind != InstanceKind.CtSlice) return basic;
        var r = h.RowCosines!.Value; var c = h.ColumnCosines!.Value; var s = h.PixelSpacing!.Value;
        return string.Create(inv, $"{basic}|{h.FrameOfReferenceUid}|{r.X:F3},{r.Y:F3},{r.Z:F3},{c.X:F3},{c.Y:F3},{c.Z:F3}|{h.Rows}x{h.Columns}|{s.Row:F4},{s.Column:F4}");
    }
}

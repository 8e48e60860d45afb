namespace CementQuant.Cli;

/// <summary>Vertebral bodies of a volume: detected, or imported from a supplied label map.</summary>
internal static class VertebraStage
{
    public sealed record Located(IReadOnlyList<VertebraRoi> Vertebrae, IReadOnlyList<string> Notes);

    public static Located Locate(Volume<short> hu, string? segmentation) =>
        throw new CementQuantException("vertebral body detection is not available in this build");
}

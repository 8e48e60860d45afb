namespace CementQuant.Analysis.Vertebrae;

/// <summary>
/// Settings of <see cref="SegmentationImport"/>: which label id means which vertebra (TotalSegmentator
/// <c>total</c> task ids by default) and which id of the optional body/disc map means "vertebral body".
/// </summary>
public sealed record SegmentationImportOptions
{
    /// <summary>TotalSegmentator v2 <c>total</c> task: 25 sacrum, 26 S1, 27 L5 ... 31 L1, 32 T12 ... 43 T1, 44 C7 ... 50 C1.
    /// (Declared before <see cref="Default"/>: static initialisers run in textual order.)</summary>
    public static IReadOnlyDictionary<int, string> TotalSegmentatorClasses { get; } = BuildTotalSegmentator();

    public static SegmentationImportOptions Default { get; } = new();

    public SegmentationImportOptions(IReadOnlyDictionary<int, string>? classes = null, int bodyClass = 1, double endplateGridStepMm = 1.0, int cementHu = 1200)
    {
        var c = classes ?? TotalSegmentatorClasses;
        if (c.Count == 0) throw new ArgumentException("classes: expected at least one label id, found none", nameof(classes));
        foreach (var (id, name) in c)
            if (id <= 0 || string.IsNullOrWhiteSpace(name))
                throw new ArgumentException($"classes: expected positive ids with names, found {id} → '{name}'", nameof(classes));
        if (bodyClass <= 0) throw new ArgumentOutOfRangeException(nameof(bodyClass), bodyClass, "bodyClass: expected a positive label id");
        if (cementHu is < 200 or > 4000) throw new ArgumentOutOfRangeException(nameof(cementHu), cementHu, "cementHu: expected 200 to 4000 HU");
        if (endplateGridStepMm is < 0.25 or > 5) throw new ArgumentOutOfRangeException(nameof(endplateGridStepMm), endplateGridStepMm, "endplateGridStepMm: expected 0.25 to 5 mm");
        Classes = c; BodyClass = bodyClass; EndplateGridStepMm = endplateGridStepMm; CementHu = cementHu;
    }

    /// <summary>Label id → vertebra name (S1 is the sacrum).</summary>
    public IReadOnlyDictionary<int, string> Classes { get; }
    /// <summary>Id of "vertebral body" in the optional body/disc map (TotalSegmentator <c>vertebrae_body</c>: 1 body, 2 disc).</summary>
    public int BodyClass { get; }
    public double EndplateGridStepMm { get; }
    public int CementHu { get; }

    /// <summary>Every value, for the run's provenance (the classes as <c>id=name</c>, <c>;</c>-joined by id).</summary>
    public OptionsDescription Describe() => new OptionsDescription()
        .Add("classes", string.Join(';', Classes.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}")))
        .Add("body_class", BodyClass).Add("endplate_grid_step_mm", EndplateGridStepMm).Add("cement_hu", CementHu);

    private static Dictionary<int, string> BuildTotalSegmentator()
    {
        var d = new Dictionary<int, string> { [25] = "sacrum", [26] = "S1" };
        for (var i = 0; i < 5; i++) d[27 + i] = $"L{5 - i}";
        for (var i = 0; i < 12; i++) d[32 + i] = $"T{12 - i}";
        for (var i = 0; i < 7; i++) d[44 + i] = $"C{7 - i}";
        return d;
    }
}

namespace CementQuant.Review;

/// <summary>The words of the <c>decision</c> column and the short lists of reasons the page offers.</summary>
public static class Decisions
{
    /// <summary>The flag is right (or, with no flag, the row has nothing missing).</summary>
    public const string Confirm = "confirm";

    /// <summary>The flag is wrong: the reviewer overrides CementQuant.</summary>
    public const string Reject = "reject";

    /// <summary>A flag CementQuant missed.</summary>
    public const string Add = "add";

    /// <summary>The row's metrics cannot be used (bad segmentation): a decision about the whole row.</summary>
    public const string Unusable = "unusable";

    public static readonly string[] All = [Confirm, Reject, Add, Unusable];

    public static readonly string[] RejectReasons = ["not seen on the images", "segmentation error", "artefact", "below clinical relevance", "other"];

    public static readonly string[] AddReasons = ["seen on the images", "measurement missed it", "other"];

    public static readonly string[] UnusableReasons = ["body outline wrong", "cement outline wrong", "wrong level", "image quality", "other"];

    /// <summary>The reasons a decision may give (empty for a confirmation).</summary>
    public static IReadOnlyList<string> ReasonsFor(string decision) => decision switch
    {
        Reject => RejectReasons,
        Add => AddReasons,
        Unusable => UnusableReasons,
        _ => [],
    };

    /// <summary>The flags of shared/spec/METRICS.md a reviewer can add as missed.</summary>
    public static readonly string[] KnownFlags = ["NPEC", "ASYMMETRIC_MASS_LIKE", "UNILATERAL", "LOW_FILL", "LEAKAGE", "CLEFT", "FRACTURE", "SEVERE_COMPRESSION"];
}

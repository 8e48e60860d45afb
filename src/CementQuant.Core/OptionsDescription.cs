using System.Globalization;

namespace CementQuant;

/// <summary>
/// Every value of an options record as an ordered name → value list for the run's provenance (results.json and the
/// database), in the spirit of ITK's <c>PrintSelf</c>: names are snake_case, values numbers, booleans, strings or null.
/// </summary>
public sealed class OptionsDescription
{
    private readonly List<KeyValuePair<string, object?>> _values = [];

    public IReadOnlyList<KeyValuePair<string, object?>> Values => _values;

    public OptionsDescription Add(string name, object? value)
    {
        _values.Add(new(name, value));
        return this;
    }

    /// <summary>Another record's values under a prefix (<c>cement.seed_hu</c>).</summary>
    public OptionsDescription Add(string prefix, OptionsDescription inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        foreach (var (k, v) in inner.Values) _values.Add(new($"{prefix}.{k}", v));
        return this;
    }

    /// <summary>A value as provenance text: invariant numbers ("R" round-trip), lower-case booleans, empty for null.</summary>
    public static string Text(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

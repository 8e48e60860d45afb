using System.Reflection;
using CementQuant.Analysis.Cement;
using CementQuant.Analysis.Flags;
using CementQuant.Analysis.Pipeline;
using CementQuant.Analysis.Radiograph;
using CementQuant.Analysis.Vertebrae;

namespace CementQuant.Analysis.Tests.Pipeline;

/// <summary>
/// Provenance: every option value of the pipelines reaches their description (results.json and the database), from
/// the options actually used. Each option is changed in turn and must show up changed, under its own name only.
/// </summary>
public sealed class OptionsDescriptionTests
{
    public static TheoryData<string> InitRecords() => ["cement", "flags", "radiograph"];

    private static object Make(string which) => which switch
    {
        "cement" => new CementOptions(),
        "flags" => new FlagOptions(),
        _ => new RadiographAnalysisOptions(),
    };

    private static OptionsDescription Describe(object o) => o switch
    {
        CementOptions c => c.Describe(),
        FlagOptions f => f.Describe(),
        RadiographAnalysisOptions r => r.Describe(),
        VertebraLocatorOptions l => l.Describe(),
        SegmentationImportOptions s => s.Describe(),
        CementQuant.Analysis.Fracture.FractureOptions fr => fr.Describe(),
        _ => throw new ArgumentException(o.GetType().Name),
    };

    private static Dictionary<string, string> Text(object o) =>
        Describe(o).Values.ToDictionary(v => v.Key, v => OptionsDescription.Text(v.Value));

    /// <summary>A valid value other than <paramref name="current"/>: the first nearby candidate the setter accepts.</summary>
    private static IEnumerable<object?> Candidates(Type t, object? current)
    {
        if (t == typeof(double?) && current is null) return [900.0];
        if (t == typeof(double) || t == typeof(double?))
        {
            var v = (double)current!;
            return [v * 0.9, v * 1.1, v + 0.01, v - 0.01, v + 1, v - 1];
        }
        if (t == typeof(int)) { var v = (int)current!; return [v + 1, v - 1, v + 10, v - 10]; }
        return [];
    }

    [Theory]
    [MemberData(nameof(InitRecords))]
    public void Describe_EachInitOptionChanged_EchoesTheNewValue(string which)
    {
        var defaults = Text(Make(which));
        var properties = Make(which).GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();
        Assert.Equal(properties.Count, defaults.Count);
        foreach (var p in properties)
        {
            var changed = false;
            foreach (var candidate in Candidates(p.PropertyType, p.GetValue(Make(which))))
            {
                var o = Make(which);
                try { p.SetValue(o, candidate); }
                catch (TargetInvocationException ex) when (ex.InnerException is ArgumentOutOfRangeException) { continue; }
                var text = Text(o);
                var differing = text.Where(kv => defaults[kv.Key] != kv.Value).Select(kv => kv.Key).ToList();
                Assert.True(differing.Count == 1, $"{which}.{p.Name} = {candidate}: {differing.Count} described values changed ({string.Join(", ", differing)})");
                Assert.Equal(OptionsDescription.Text(candidate), text[differing[0]]);
                changed = true;
                break;
            }
            Assert.True(changed, $"{which}.{p.Name}: no valid other value found to try");
        }
    }

    [Theory]
    [InlineData(typeof(VertebraLocatorOptions))]
    [InlineData(typeof(SegmentationImportOptions))]
    public void Describe_EachConstructorOptionChanged_EchoesTheNewValue(Type type)
    {
        var ctor = type.GetConstructors().Single(c => c.GetParameters().Length > 0);
        var parameters = ctor.GetParameters();
        var defaults = Text(ctor.Invoke([.. parameters.Select(p => p.DefaultValue)]));
        Assert.Equal(parameters.Length, defaults.Count);
        foreach (var p in parameters)
        {
            IEnumerable<object?> candidates = p.ParameterType == typeof(IReadOnlyDictionary<int, string>)
                ? [new Dictionary<int, string> { [7] = "L2" }]
                : Candidates(p.ParameterType, p.DefaultValue);
            var changed = false;
            foreach (var candidate in candidates)
            {
                object options;
                try { options = ctor.Invoke([.. parameters.Select(q => q == p ? candidate : q.DefaultValue)]); }
                catch (TargetInvocationException ex) when (ex.InnerException is ArgumentException) { continue; }
                var text = Text(options);
                var differing = text.Where(kv => defaults[kv.Key] != kv.Value).Select(kv => kv.Key).ToList();
                Assert.True(differing.Count == 1, $"{type.Name}({p.Name}: {candidate}): {differing.Count} described values changed ({string.Join(", ", differing)})");
                changed = true;
                break;
            }
            Assert.True(changed, $"{type.Name}.{p.Name}: no valid other value found to try");
        }
    }

    [Fact]
    public void CtPipelineOptions_Describe_CarriesEveryPartUnderItsPrefix()
    {
        var o = new CtPipelineOptions(cement: new CementOptions { ThresholdHu = 950, ContactToleranceMm = 1.5 }, flags: new FlagOptions { LowFillPct = 20 });
        var d = o.Describe().Values.ToDictionary(v => v.Key, v => OptionsDescription.Text(v.Value));
        Assert.Equal("950", d["cement.threshold_hu"]);
        Assert.Equal("1.5", d["cement.contact_tolerance_mm"]);
        Assert.Equal("20", d["flags.low_fill_pct"]);
        Assert.Equal("110", d["locator.bone_hu"]);
        Assert.Equal("1", d["segmentation_import.body_class"]);
        Assert.Equal(Describe(o.Cement).Values.Count + Describe(o.Flags).Values.Count + Describe(o.Locator).Values.Count + Describe(o.Import).Values.Count
            + Describe(o.Fracture).Values.Count, d.Count);
    }

    [Fact]
    public void CementOptions_OutOfRangeValue_ThrowsWhenBuilt()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CementOptions { SaturatedFraction = 1.5 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlagOptions { LeakageMl = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new SegmentationImportOptions(cementHu: 50));
    }
}

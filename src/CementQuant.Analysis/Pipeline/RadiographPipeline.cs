using CementQuant.Analysis.Radiograph;

namespace CementQuant.Analysis.Pipeline;

/// <summary>
/// The radiograph pipeline of ../shared/DESIGN.md: a study's radiographs (DX, CR, CT scouts) → frontal and lateral views
/// paired (<see cref="Pair"/>) → each pair analysed together by <see cref="RadiographAnalyzer.AnalyzePair"/> (levels counted
/// on the lateral view label the frontal one), an image without a partner alone. The one place these stages are wired.
/// </summary>
public sealed class RadiographPipeline(RadiographPipelineOptions options)
{
    public RadiographPipelineOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>One outcome per input, in input order.</summary>
    public IReadOnlyList<RadiographOutcome> Run(IReadOnlyList<RadiographInput> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var analyzer = new RadiographAnalyzer(Options.Analysis);
        var outcomes = new RadiographOutcome?[images.Count];
        foreach (var (frontal, lateral) in Pair(images))
        {
            try
            {
                var f = frontal is { } fi ? images[fi].Image : null;
                var l = lateral is { } li ? images[li].Image : null;
                var pair = f is not null && l is not null ? analyzer.AnalyzePair(f, l)
                    : new RadiographPairResult(f is null ? null : analyzer.Analyze(f), l is null ? null : analyzer.Analyze(l));
                if (frontal is { } a) outcomes[a] = new RadiographOutcome(a, pair.Frontal, lateral, null);
                if (lateral is { } b) outcomes[b] = new RadiographOutcome(b, pair.Lateral, frontal, null);
            }
            catch (Exception ex)
            {
                // A bug, not bad input: reported with the images it concerns, the rest of the study kept.
                if (frontal is { } a) outcomes[a] = new RadiographOutcome(a, null, lateral, ex);
                if (lateral is { } b) outcomes[b] = new RadiographOutcome(b, null, frontal, ex);
            }
        }
        return [.. outcomes.Select((o, i) => o ?? new RadiographOutcome(i, null, null, null))];
    }

    /// <summary>
    /// Frontal–lateral pairs of input indices, greedily by closeness: acquisition time when both images have one, then
    /// series number, then instance number; images of unknown view, and views left over, alone (the other side null).
    /// </summary>
    public static List<(int? Frontal, int? Lateral)> Pair(IReadOnlyList<RadiographInput> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var all = Enumerable.Range(0, images.Count).ToList();
        var frontal = all.Where(i => images[i].Image.IsFrontal).ToList();
        var lateral = all.Where(i => images[i].Image.View == RadiographView.Lateral).ToList();
        var candidates = frontal.SelectMany((f, i) => lateral.Select((l, j) => (Distance: Distance(images[f], images[l]), I: i, J: j)))
            .OrderBy(c => c.Distance).ThenBy(c => c.I).ThenBy(c => c.J);
        var pairs = new List<(int?, int?)>();
        var usedF = new HashSet<int>(); var usedL = new HashSet<int>();
        foreach (var c in candidates)
        {
            if (usedF.Contains(c.I) || usedL.Contains(c.J)) continue;
            usedF.Add(c.I); usedL.Add(c.J);
            pairs.Add((frontal[c.I], lateral[c.J]));
        }
        pairs.AddRange(frontal.Where((_, i) => !usedF.Contains(i)).Select(f => ((int?)f, (int?)null)));
        pairs.AddRange(lateral.Where((_, j) => !usedL.Contains(j)).Select(l => ((int?)null, (int?)l)));
        pairs.AddRange(all.Where(i => !images[i].Image.IsFrontal && images[i].Image.View != RadiographView.Lateral).Select(i => ((int?)i, (int?)null)));
        return pairs;
    }

    private static (double Seconds, int Series, int Instance) Distance(RadiographInput a, RadiographInput b) =>
        (a.AcquiredAt is { } ta && b.AcquiredAt is { } tb ? Math.Abs((ta - tb).TotalSeconds) : double.MaxValue,
         a.SeriesNumber is { } sa && b.SeriesNumber is { } sb ? Math.Abs(sa - sb) : int.MaxValue,
         a.InstanceNumber is { } ia && b.InstanceNumber is { } ib ? Math.Abs(ia - ib) : int.MaxValue);
}

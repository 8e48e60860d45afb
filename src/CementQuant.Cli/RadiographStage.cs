using System.Diagnostics;
using CementQuant.Analysis.Radiograph;
using CementQuant.Dicom.Series;
using CementQuant.Reporting;
using CementQuant.Reporting.Report;

namespace CementQuant.Cli;

/// <summary>
/// The radiographs (DX, CR, and CT localizers) of one study, analysed together: every image is loaded, frontal (AP or
/// PA) and lateral views are paired (nearest in acquisition time, else in series and instance number) and each pair
/// goes through <see cref="RadiographAnalyzer.AnalyzePair"/>, so that both views of a level are measured as one; an
/// image without a partner is analysed alone. A file that cannot be read becomes a problem row naming it and the
/// rest go on. One outcome per series.
/// </summary>
internal sealed class RadiographStage(SiteKey key, RadiographAnalysisOptions options, QaReport? report, Action<string> log)
{
    public sealed record Input(SeriesGroup Group, SeriesIdentity Id);

    /// <summary>A loaded image of series <see cref="Series"/> (an index into the inputs).</summary>
    public sealed record Loaded(int Series, InstanceHeader Header, RadiographImage Image, string ImageKey);

    public IReadOnlyList<SeriesOutcome> Analyze(IReadOnlyList<Input> series)
    {
        var sw = Stopwatch.StartNew();
        var problems = series.Select(_ => new List<Problem>()).ToList();
        var internalError = new bool[series.Count];
        var loaded = new List<Loaded>();
        for (var s = 0; s < series.Count; s++)
            foreach (var h in series[s].Group.Instances)
            {
                try
                {
                    loaded.Add(new Loaded(s, h, RadiographLoader.Load(h), ImageKey(h)));
                }
                catch (CementQuantException ex)
                {
                    problems[s].Add(new Problem(h.Path, "load", ex.Message));
                }
            }

        var analyzer = new RadiographAnalyzer(options);
        var results = new Dictionary<Loaded, (RadiographResult Result, Loaded? Partner)>(ReferenceEqualityComparer.Instance);
        foreach (var (frontal, lateral) in Pair(loaded))
        {
            try
            {
                var pair = frontal is not null && lateral is not null ? analyzer.AnalyzePair(frontal.Image, lateral.Image)
                    : new RadiographPairResult(frontal is null ? null : analyzer.Analyze(frontal.Image), lateral is null ? null : analyzer.Analyze(lateral.Image));
                if (frontal is not null) results[frontal] = (pair.Frontal!, lateral);
                if (lateral is not null) results[lateral] = (pair.Lateral!, frontal);
            }
            catch (Exception ex) when (ex is not CliException)
            {
                // A bug, not bad input: said loudly, the files listed, the other images of the study kept.
                log($"internal error analysing radiographs {string.Join(", ", new[] { frontal, lateral }.Where(x => x is not null).Select(x => x!.ImageKey))} (please report): {ex}");
                foreach (var x in new[] { frontal, lateral }.Where(x => x is not null))
                {
                    problems[x!.Series].Add(new Problem(x.Header.Path, "analyze", $"internal error: {ex.GetType().Name}: {ex.Message}"));
                    internalError[x.Series] = true;
                }
            }
        }

        var outcomes = new List<SeriesOutcome>();
        for (var s = 0; s < series.Count; s++)
        {
            var (g, id) = series[s];
            var mine = loaded.Where(l => l.Series == s && results.ContainsKey(l))
                .OrderBy(l => l.Header.InstanceNumber ?? int.MaxValue).ThenBy(l => l.ImageKey, StringComparer.Ordinal).ToList();
            var images = mine.Select(l =>
            {
                var (r, partner) = results[l];
                return new AnalysedRadiograph(l.ImageKey, ViewName(l.Image.View), r.Vertebrae, [.. l.Image.Notes, .. r.Notes], partner?.ImageKey);
            }).ToList();
            var views = string.Join(", ", images.Select(x => x.View));
            var description = images.Count > 0 ? $"{g.Describe()} ({views})" : g.Describe();
            if (report is not null && images.Count > 0)
                report.AddRadiographSeries(id, description, [.. mine.Select((l, i) => new ReportRadiograph(images[i], l.Image, results[l].Result.Overlays))]);
            var cemented = images.Sum(x => x.Rows.Count(m => m.CementAreaMm2 > 0));
            outcomes.Add(new SeriesOutcome
            {
                Identity = id, Kind = g.Kind.ToString(), Description = description,
                Status = images.Count > 0 ? "ok" : "failed",
                Reason = images.Count == 0 ? (problems[s].Count == 1 ? problems[s][0].Reason : $"none of its {g.Instances.Count} images could be analysed")
                    : cemented == 0 ? "no cemented vertebral body found" : "",
                Files = [.. g.Instances.Select(h => h.Path)],
                Radiographs = images,
                FileProblems = problems[s],
                Notes = [.. images.SelectMany(x => x.Notes.Select(n => $"{x.View}: {n}")).Distinct()],
                Seconds = sw.Elapsed.TotalSeconds,
                InternalError = internalError[s],
            });
        }
        return outcomes;
    }

    /// <summary>
    /// Frontal–lateral pairs, greedily by closeness: acquisition time when both images have one, then series number,
    /// then instance number; images of unknown view, and views left over, alone (the other side null).
    /// </summary>
    public static List<(Loaded? Frontal, Loaded? Lateral)> Pair(IReadOnlyList<Loaded> images)
    {
        var frontal = images.Where(x => x.Image.IsFrontal).ToList();
        var lateral = images.Where(x => x.Image.View == RadiographView.Lateral).ToList();
        var candidates = frontal.SelectMany((f, i) => lateral.Select((l, j) => (Distance: Distance(f.Header, l.Header), I: i, J: j)))
            .OrderBy(c => c.Distance).ThenBy(c => c.I).ThenBy(c => c.J);
        var pairs = new List<(Loaded?, Loaded?)>();
        var usedF = new HashSet<int>(); var usedL = new HashSet<int>();
        foreach (var c in candidates)
        {
            if (usedF.Contains(c.I) || usedL.Contains(c.J)) continue;
            usedF.Add(c.I); usedL.Add(c.J);
            pairs.Add((frontal[c.I], lateral[c.J]));
        }
        pairs.AddRange(frontal.Where((_, i) => !usedF.Contains(i)).Select(f => ((Loaded?)f, (Loaded?)null)));
        pairs.AddRange(lateral.Where((_, j) => !usedL.Contains(j)).Select(l => ((Loaded?)null, (Loaded?)l)));
        pairs.AddRange(images.Where(x => !x.Image.IsFrontal && x.Image.View != RadiographView.Lateral).Select(x => ((Loaded?)x, (Loaded?)null)));
        return pairs;
    }

    private static (double Seconds, int Series, int Instance) Distance(InstanceHeader a, InstanceHeader b) =>
        (a.AcquiredAt is { } ta && b.AcquiredAt is { } tb ? Math.Abs((ta - tb).TotalSeconds) : double.MaxValue,
         a.SeriesNumber is { } sa && b.SeriesNumber is { } sb ? Math.Abs(sa - sb) : int.MaxValue,
         a.InstanceNumber is { } ia && b.InstanceNumber is { } ib ? Math.Abs(ia - ib) : int.MaxValue);

    /// <summary>The image's pseudonymous key: a keyed hash of its SOPInstanceUID (of its path when it has none).</summary>
    private string ImageKey(InstanceHeader h) => key.Hash(h.SopInstanceUid.Length > 0 ? h.SopInstanceUid : "no-sop-uid:" + Path.GetFullPath(h.Path));

    private static string ViewName(RadiographView v) => v switch
    {
        RadiographView.AP => "AP",
        RadiographView.PA => "PA",
        RadiographView.Lateral => "LAT",
        _ => "unknown",
    };

    /// <summary>Working memory of a study's radiographs: float pixels and the analysis' copies, about 24 bytes a pixel, plus 64 MB.</summary>
    public static long EstimateBytes(IEnumerable<SeriesGroup> groups) =>
        groups.SelectMany(g => g.Instances).Sum(h => (long)h.Rows * h.Columns * 24) + (64L << 20);
}

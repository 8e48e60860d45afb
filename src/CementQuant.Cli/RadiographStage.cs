using System.Diagnostics;
using CementQuant.Analysis.Pipeline;
using CementQuant.Analysis.Radiograph;
using CementQuant.Dicom.Series;
using CementQuant.Reporting;
using CementQuant.Reporting.Report;

namespace CementQuant.Cli;

/// <summary>
/// The radiographs (DX, CR, and CT localizers) of one study, analysed together: every image is loaded, frontal (AP or
/// PA) and lateral views are paired and analysed by <see cref="RadiographPipeline"/>. A file that cannot be read
/// becomes a problem row naming it and the rest go on. One outcome per series.
/// </summary>
internal sealed class RadiographStage(SiteKey key, RadiographPipeline pipeline, QaReport? report, Action<string> log)
{
    public sealed record Input(SeriesGroup Group, SeriesIdentity Id);

    /// <summary>A loaded image of series <see cref="Series"/> (an index into the inputs).</summary>
    public sealed record Loaded(int Series, InstanceHeader Header, RadiographImage Image, string ImageKey);

    /// <param name="cancel">The study's time limit: checked after each image is loaded and before the pictures are drawn.</param>
    public IReadOnlyList<SeriesOutcome> Analyze(IReadOnlyList<Input> series, CancellationToken cancel)
    {
        var sw = Stopwatch.StartNew();
        var problems = series.Select(_ => new List<Problem>()).ToList();
        var internalError = new bool[series.Count];
        var loaded = Load(series, problems, cancel);

        var results = new Dictionary<Loaded, (RadiographResult Result, Loaded? Partner)>(ReferenceEqualityComparer.Instance);
        foreach (var o in pipeline.Run([.. loaded.Select(l => new RadiographInput(l.Image, l.Header.AcquiredAt, l.Header.SeriesNumber, l.Header.InstanceNumber))]))
        {
            var me = loaded[o.Index];
            var partner = o.Partner is { } p ? loaded[p] : null;
            if (o.Result is not null) results[me] = (o.Result, partner);
            else if (o.Error is { } ex)
            {
                // A bug, not bad input: said loudly (once per pair), the file listed, the other images of the study kept.
                if (o.Partner is not { } q || o.Index < q) log($"internal error analysing radiographs {string.Join(", ", new[] { me, partner }.Where(x => x is not null).Select(x => x!.ImageKey))} (please report): {ex}");
                problems[me.Series].Add(new Problem(me.Header.Path, "analyze", $"internal error: {ex.GetType().Name}: {ex.Message}"));
                internalError[me.Series] = true;
            }
        }

        cancel.ThrowIfCancellationRequested();
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

    /// <summary>Every image of the series loaded; one that cannot be is a problem of its series.</summary>
    private List<Loaded> Load(IReadOnlyList<Input> series, List<List<Problem>> problems, CancellationToken cancel)
    {
        var loaded = new List<Loaded>();
        for (var s = 0; s < series.Count; s++)
            foreach (var h in series[s].Group.Instances)
            {
                cancel.ThrowIfCancellationRequested();
                try
                {
                    loaded.Add(new Loaded(s, h, RadiographLoader.Load(h), ImageKey(h)));
                }
                catch (CementQuantException ex)
                {
                    problems[s].Add(new Problem(h.Path, "load", ex.Message));
                }
            }
        return loaded;
    }

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

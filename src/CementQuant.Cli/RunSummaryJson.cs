using System.Text.Json;

namespace CementQuant.Cli;

/// <summary>
/// <c>analyze --json</c>: the run's summary as one JSON document on standard output, for scripts and schedulers: the
/// exit code, the output folder, counts, and per series its keys, status, reason and flagged vertebrae (keys only, like
/// the research outputs; the operator's console shows paths).
/// </summary>
internal static class RunSummaryJson
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static void Write(TextWriter w, AnalyzeRunner.RunResult result)
    {
        var series = result.Series;
        var summary = new
        {
            exit_code = result.ExitCode,
            output = result.OutputFolder,
            series_analysed = series.Count(s => s.Status == "ok"),
            series_skipped = series.Count(s => s.Status == "skipped"),
            series_failed = series.Count(s => s.Status == "failed"),
            vertebrae = series.Sum(s => s.Vertebrae.Count),
            flagged_vertebrae = series.Sum(s => s.Vertebrae.Count(v => v.Flags.Count > 0)),
            radiograph_rows = series.Sum(s => s.Radiographs.Sum(x => x.Rows.Count)),
            problems = result.Problems.Count,
            series = series.Select(s => new
            {
                study_key = s.Identity.StudyKey,
                series_key = s.Identity.SeriesKey,
                kind = s.Kind,
                status = s.Status,
                reason = s.Reason,
                vertebrae = s.Vertebrae.Count,
                flagged = s.Vertebrae.Where(v => v.Flags.Count > 0).Select(v => new { vertebra = v.Vertebra, flags = v.Flags })
                    .Concat(s.Radiographs.SelectMany(x => x.Rows.Where(m => m.Flags.Count > 0).Select(m => new { vertebra = $"{m.Vertebra} ({x.View})", flags = m.Flags }))),
            }),
        };
        w.WriteLine(JsonSerializer.Serialize(summary, Options));
    }
}

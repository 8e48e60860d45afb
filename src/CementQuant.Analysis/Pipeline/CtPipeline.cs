using System.Diagnostics;
using CementQuant.Analysis.Cement;
using CementQuant.Analysis.Flags;
using CementQuant.Analysis.Fracture;
using CementQuant.Analysis.Vertebrae;

namespace CementQuant.Analysis.Pipeline;

/// <summary>
/// The CT pipeline of ../shared/DESIGN.md: a volume in HU (and optionally a vertebra label map with its body/disc map)
/// → vertebral bodies (detected by <see cref="VertebraLocator"/>, or imported by <see cref="SegmentationImport"/> when
/// labels are given) → the sacrum dropped → cement and metrics per body (<see cref="CementAnalyzer"/>) → fracture geometry
/// (<see cref="FractureMeasurer"/>) → flags (<see cref="VertebraFlags"/>).
/// The one place these stages are wired; the CLI, the tests and the benchmarks call it.
/// </summary>
public sealed class CtPipeline(CtPipelineOptions options)
{
    public CtPipelineOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Runs every stage on <paramref name="hu"/>.</summary>
    /// <param name="labels">Vertebra labels (TotalSegmentator <c>total</c> ids by default) to import instead of detecting; null to detect.</param>
    /// <param name="bodyMap">With <paramref name="labels"/>, an optional body/disc map that keeps the posterior elements out.</param>
    public CtResult Run(Volume<short> hu, Volume<short>? labels = null, Volume<short>? bodyMap = null)
    {
        ArgumentNullException.ThrowIfNull(hu);
        if (bodyMap is not null && labels is null) throw new ArgumentException("a body/disc map needs a vertebra label map beside it", nameof(bodyMap));
        var sw = Stopwatch.StartNew();
        var located = Locate(hu, labels, bodyMap);
        var measured = located.Vertebrae.Where(v => !v.IsSacrum).ToList();
        var vertebraeSeconds = sw.Elapsed.TotalSeconds;
        var cement = Measure(hu, measured);
        return new CtResult(measured, cement, located.Notes, vertebraeSeconds, sw.Elapsed.TotalSeconds - vertebraeSeconds);
    }

    /// <summary>
    /// Cement, metrics, fracture geometry (<see cref="FractureMeasurer"/>: it needs every body, for neighbours) and flags
    /// of the given bodies (e.g. a phantom's true ones), superior to inferior, without locating them.
    /// </summary>
    public IReadOnlyList<VertebraCement> Measure(Volume<short> hu, IReadOnlyList<VertebraRoi> vertebrae)
    {
        var cement = new CementAnalyzer(Options.Cement, Options.Flags).Analyze(hu, vertebrae);
        var geometry = FractureMeasurer.Measure(hu, vertebrae, cement, Options.Fracture);
        return [.. cement.Select((c, i) => c with { Metrics = VertebraFlags.Raise(geometry[i].ApplyTo(c.Metrics), Options.Flags) })];
    }

    /// <summary>The bodies of a volume (sacrum included) and the vertebra stage's notes, without the cement stages.</summary>
    public (IReadOnlyList<VertebraRoi> Vertebrae, IReadOnlyList<string> Notes) Locate(Volume<short> hu, Volume<short>? labels = null, Volume<short>? bodyMap = null)
    {
        ArgumentNullException.ThrowIfNull(hu);
        if (labels is null)
        {
            var found = VertebraLocator.Locate(hu, Options.Locator);
            return (found.Vertebrae, found.Qc);
        }
        var imported = SegmentationImport.Import(hu, labels, bodyMap, Options.Import);
        return (imported.Vertebrae, [.. imported.Qc, "labels from segmentation"]);
    }
}

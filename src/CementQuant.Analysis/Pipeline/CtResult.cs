using CementQuant.Analysis.Cement;

namespace CementQuant.Analysis.Pipeline;

/// <summary>What the CT pipeline made of one volume.</summary>
/// <param name="Vertebrae">The measured bodies, superior to inferior (the sacrum, found only to count levels, left out).</param>
/// <param name="Cement">Per measured body: its metrics, flags and the voxels called cement.</param>
/// <param name="Notes">Volume-level notes of the vertebra stage (e.g. <c>NO_SPINE_FOUND</c>, "labels from segmentation").</param>
/// <param name="VertebraeSeconds">Time spent locating (or importing) the bodies.</param>
/// <param name="CementSeconds">Time spent on cement, metrics and flags.</param>
public sealed record CtResult(IReadOnlyList<VertebraRoi> Vertebrae, IReadOnlyList<VertebraCement> Cement, IReadOnlyList<string> Notes, double VertebraeSeconds, double CementSeconds);

using CementQuant.Analysis.Radiograph;

namespace CementQuant.Analysis.Pipeline;

/// <summary>
/// What became of input <see cref="Index"/>: its analysis and the index of the view it was paired with, or, when the
/// analysis hit a bug, <see cref="Error"/> (the other images of the study are still analysed).
/// </summary>
public sealed record RadiographOutcome(int Index, RadiographResult? Result, int? Partner, Exception? Error);

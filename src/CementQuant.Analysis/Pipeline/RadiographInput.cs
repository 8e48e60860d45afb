namespace CementQuant.Analysis.Pipeline;

/// <summary>One loaded radiograph of a study and what pairs it with the other view (acquisition time, series and instance number).</summary>
public sealed record RadiographInput(RadiographImage Image, DateTime? AcquiredAt = null, int? SeriesNumber = null, int? InstanceNumber = null);

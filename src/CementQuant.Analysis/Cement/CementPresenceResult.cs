namespace CementQuant.Analysis.Cement;

/// <summary>
/// The decision of <see cref="CementPresence"/> with the figures it rests on (echoed in the QC text):
/// <paramref name="PresenceHu"/> the scan-derived level the cement core must reach (the body's own bone, median plus
/// <see cref="CementPresence.BoneSigmas"/> robust standard deviations, never below the seed level);
/// <paramref name="CoreMl"/> the candidate volume at or above it lying at least <see cref="CementPresence.CoreDepthMm"/>
/// inside the body; <paramref name="Confidence"/> 0..1.
/// </summary>
public sealed record CementPresenceResult(CementVerdict Verdict, double PresenceHu, double CoreMl, double Confidence, string Reason);

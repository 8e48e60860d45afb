namespace CementQuant;

/// <summary>A file or series that could not be used, and why. Paths are as given or found.</summary>
public sealed record Problem(string Path, string Stage, string Reason);

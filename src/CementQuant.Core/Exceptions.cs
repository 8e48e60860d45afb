namespace CementQuant;

/// <summary>Root of every exception CementQuant throws on purpose. Anything else is a bug.</summary>
public class CementQuantException : Exception
{
    public CementQuantException(string message) : base(message) { }
    public CementQuantException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A file could not be read as DICOM (or NIfTI). <see cref="Path"/> names the file.</summary>
public class DicomReadException : CementQuantException
{
    public DicomReadException(string path, string problem)
        : base($"{problem} in '{path}'") { Path = path; Problem = problem; }

    public DicomReadException(string path, string problem, Exception inner)
        : base($"{problem} in '{path}'", inner) { Path = path; Problem = problem; }

    public string Path { get; }
    /// <summary>The reason without the file name, for tables that have a path column already.</summary>
    public string Problem { get; }
}

/// <summary>The file is valid DICOM but its pixel encoding is one we do not decode.</summary>
public sealed class UnsupportedTransferSyntaxException : DicomReadException
{
    public UnsupportedTransferSyntaxException(string path, string uid, string name)
        : base(path, $"unsupported transfer syntax {uid} ({name})") { Uid = uid; }

    public string Uid { get; }
}

/// <summary>A series could not be assembled into a volume (gaps, mixed geometry, no slices).</summary>
public sealed class SeriesAssemblyException : CementQuantException
{
    public SeriesAssemblyException(string series, string problem)
        : base($"{problem} in series {series}") { Series = series; Problem = problem; }

    public string Series { get; }
    public string Problem { get; }
}

using System.Collections.Concurrent;

namespace CementQuant.Dicom.Series;

public sealed record ScanResult(IReadOnlyList<InstanceHeader> Instances, IReadOnlyList<Problem> Problems, int FilesSeen);

/// <summary>Finds files under the inputs and reads their headers (never their pixels), in parallel.</summary>
public static class DicomScanner
{
    /// <summary>Every regular file under the inputs (folders recursively), in a stable order.</summary>
    public static List<string> EnumerateFiles(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (File.Exists(input)) { files.Add(input); continue; }
            if (!Directory.Exists(input)) continue;
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
            files.AddRange(Directory.EnumerateFiles(input, "*", options).Order(StringComparer.Ordinal));
        }
        return files;
    }

    public static bool IsNifti(string path) =>
        path.EndsWith(".nii", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads the header of every file; unreadable files become problems, never exceptions.</summary>
    public static ScanResult Scan(IReadOnlyList<string> files, int jobs = 0, Action<int>? progress = null)
    {
        var headers = new InstanceHeader?[files.Count];
        var problems = new ConcurrentBag<(int, Problem)>();
        var done = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = jobs > 0 ? jobs : Environment.ProcessorCount };
        Parallel.For(0, files.Count, options, i =>
        {
            try
            {
                headers[i] = HeaderReader.Read(files[i]);
            }
            catch (DicomReadException ex)
            {
                problems.Add((i, new Problem(files[i], "read", ex.Problem)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems.Add((i, new Problem(files[i], "read", ex.Message)));
            }
            progress?.Invoke(Interlocked.Increment(ref done));
        });
        return new ScanResult(
            headers.Where(h => h is not null).Select(h => h!).ToList(),
            problems.OrderBy(p => p.Item1).Select(p => p.Item2).ToList(),
            files.Count);
    }
}

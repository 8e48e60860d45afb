using System.Collections.Concurrent;

namespace CementQuant.Dicom.Series;

public sealed record ScanResult(IReadOnlyList<InstanceHeader> Instances, IReadOnlyList<Problem> Problems, int FilesSeen);

/// <summary>Finds files under the inputs and reads their headers (never their pixels), in parallel.</summary>
public static class DicomScanner
{
    /// <summary>
    /// Every file under the inputs (folders recursively), in a stable order. Symbolic links to files and folders are
    /// followed (exports and PACS caches link into shared stores); a folder reached again through a link (a loop, or
    /// two links to one place) is walked once.
    /// </summary>
    public static List<string> EnumerateFiles(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (File.Exists(input)) { files.Add(input); continue; }
            if (Directory.Exists(input)) Walk(input, files, visited);
        }
        return files;
    }

    private static void Walk(string folder, List<string> files, HashSet<string> visited)
    {
        if (!visited.Add(RealPath(folder))) return;
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0 };
        var here = new List<string>();
        var folders = new List<string>();
        try
        {
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", options))
            {
                // A link to a folder is a folder here; a dangling link is a file, named as unreadable later.
                if (entry is DirectoryInfo) folders.Add(Path.Combine(folder, entry.Name));
                else here.Add(Path.Combine(folder, entry.Name));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return; // an unreadable folder under an input is skipped, as IgnoreInaccessible did before
        }
        files.AddRange(here.Order(StringComparer.Ordinal));
        foreach (var sub in folders.Order(StringComparer.Ordinal)) Walk(sub, files, visited);
    }

    /// <summary>The folder's path with every symbolic link on it resolved (the loop guard's key).</summary>
    private static string RealPath(string folder)
    {
        var full = Path.GetFullPath(folder);
        var parts = full.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = Path.GetPathRoot(full) ?? "/";
        for (var i = 0; i < parts.Length; i++)
        {
            current = Path.Combine(current, parts[i]);
            for (var hops = 0; hops < 40; hops++)
            {
                FileSystemInfo? target;
                try { target = new DirectoryInfo(current).LinkTarget is null ? null : new DirectoryInfo(current).ResolveLinkTarget(returnFinalTarget: true); }
                catch (IOException) { return full; }
                if (target is null) break;
                current = Path.GetFullPath(target.FullName);
            }
        }
        return current;
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
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A reader bug must not stop the batch (every file is named, the others go on); the text says it is one.
                problems.Add((i, new Problem(files[i], "read", $"internal error reading the header (please report): {ex.GetType().Name}: {ex.Message}")));
            }
            progress?.Invoke(Interlocked.Increment(ref done));
        });
        return new ScanResult(
            headers.Where(h => h is not null).Select(h => h!).ToList(),
            problems.OrderBy(p => p.Item1).Select(p => p.Item2).ToList(),
            files.Count);
    }
}

using System.Globalization;
using CementQuant.Dicom.Web;

namespace CementQuant.Cli;

/// <summary>
/// The DICOMweb side of `analyze` (shared/spec/CLI.md): inputs that are DICOMweb URLs are searched (QIDO-RS) and
/// retrieved (WADO-RS) into a folder of the run, <c>&lt;out&gt;/.dicomweb-&lt;pid&gt;/study-N/</c>, analysed like files and
/// deleted afterwards; <c>--push</c> sends <c>&lt;out&gt;/dicom/**.dcm</c> with STOW-RS after the run.
/// Study folders are numbered, never named by UID, so no UID reaches paths or problems.csv without --include-phi.
/// </summary>
internal sealed class DicomWebSession : IDisposable
{
    /// <summary>Where the credentials come from: this variable ("user:password", "Bearer &lt;token&gt;" or a token) or --dicomweb-auth-file.</summary>
    public const string AuthVariable = "CQ_DICOMWEB_AUTH";

    private readonly AnalyzeSettings _s;
    private readonly TextWriter _log;
    private readonly DicomWebOptions _options;
    private string? _folder;

    private DicomWebSession(AnalyzeSettings s, TextWriter log, DicomWebOptions options)
    {
        _s = s;
        _log = log;
        _options = options;
    }

    /// <summary>Whether the run touches DICOMweb at all (a URL input or --push).</summary>
    public static bool Needed(AnalyzeSettings s) => s.Push is not null || s.Inputs.Any(DicomWebUrl.IsDicomWeb);

    /// <summary>Checks the DICOMweb options once (exit 64 for wrong usage, 3 for an unreadable credentials file).</summary>
    public static DicomWebSession Open(AnalyzeSettings s, TextWriter log)
    {
        var urls = s.Inputs.Where(DicomWebUrl.IsDicomWeb).Select(Parse).ToList();
        if ((s.Study is not null || s.Patient is not null) && !urls.Any(u => u.StudyUid is null))
            throw new CliException(ExitCodes.Usage, "--study/--patient filter a DICOMweb root input (http://host/dicom-web), and there is none");
        if (urls.Any(u => u.StudyUid is null) && s.Study is null && s.Patient is null)
            throw new CliException(ExitCodes.Usage, "a DICOMweb root input needs --study <StudyInstanceUID> or --patient <PatientID> (the whole PACS is never retrieved)");
        if (s.Study is not null && !DicomWebUrl.IsUid(s.Study)) throw new CliException(ExitCodes.Usage, "--study expects a StudyInstanceUID (digits and dots)");
        if (s.Push is not null) Parse(s.Push);
        var timeout = TimeSpan.FromSeconds(s.DicomWebTimeoutSeconds);
        var options = new DicomWebOptions
        {
            ConnectTimeout = timeout < TimeSpan.FromSeconds(10) ? timeout : TimeSpan.FromSeconds(10),
            RequestTimeout = timeout,
            IdleTimeout = timeout,
            Attempts = s.DicomWebRetries + 1,
            Authorization = DicomWebOptions.ParseCredentials(Credentials(s)),
        };
        return new DicomWebSession(s, log, options);
    }

    /// <summary>Where the credentials come from, for provenance (never the credentials themselves).</summary>
    public static string CredentialSource(AnalyzeSettings s) =>
        s.DicomWebAuthFile is not null ? "file" : Environment.GetEnvironmentVariable(AuthVariable) is { Length: > 0 } ? "environment"
        : s.Inputs.Where(DicomWebUrl.IsDicomWeb).Append(s.Push ?? "").Any(u => u.Contains('@', StringComparison.Ordinal)) ? "url" : "none";

    private static string? Credentials(AnalyzeSettings s)
    {
        if (s.DicomWebAuthFile is null) return Environment.GetEnvironmentVariable(AuthVariable);
        try
        {
            return File.ReadLines(s.DicomWebAuthFile).FirstOrDefault();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.InputUnreadable, $"cannot read --dicomweb-auth-file '{s.DicomWebAuthFile}': {ex.Message}");
        }
    }

    private static DicomWebUrl Parse(string text)
    {
        try
        {
            return DicomWebUrl.Parse(text);
        }
        catch (CementQuantException ex)
        {
            throw new CliException(ExitCodes.Usage, ex.Message);
        }
    }

    /// <summary>
    /// Retrieves every DICOMweb input into <c>&lt;outDir&gt;/.dicomweb-&lt;pid&gt;/</c>; returns the inputs with each URL replaced
    /// by its local folder, and one problems.csv row per study that did not arrive whole. An unreachable server: exit 3.
    /// </summary>
    public (IReadOnlyList<string> Inputs, IReadOnlyList<Problem> Problems) Retrieve(string outDir)
    {
        var inputs = new List<string>();
        var problems = new List<Problem>();
        var n = 0;
        foreach (var input in _s.Inputs)
        {
            if (!DicomWebUrl.IsDicomWeb(input)) { inputs.Add(input); continue; }
            var url = Parse(input);
            using var client = new DicomWebClient(url, _options);
            var studies = Run(() => url.StudyUid is { } uid ? Task.FromResult<IReadOnlyList<string>>([uid]) : client.SearchStudiesAsync(_s.Study, _s.Patient));
            _log.WriteLine($"{url.Redacted}: {studies.Count} stud{(studies.Count == 1 ? "y" : "ies")} to retrieve");
            foreach (var uid in studies)
            {
                n++;
                var name = "study-" + n.ToString(CultureInfo.InvariantCulture);
                _folder ??= Path.Combine(outDir, $".dicomweb-{Environment.ProcessId}");
                var folder = Path.Combine(_folder, name);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var got = Run(() => client.RetrieveStudyAsync(uid, folder));
                _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{url.Redacted}: {name}: {got.Files.Count} instance(s), {got.Bytes / 1e6:0.0} MB in {clock.Elapsed.TotalSeconds:0.0} s"));
                // Named by number; by UID only with --include-phi.
                var label = "dicomweb:" + (_s.IncludePhi ? uid : name);
                if (got.Problem is not null) problems.Add(new Problem(label, "retrieve", got.Problem));
                if (got.Files.Count > 0) inputs.Add(folder);
            }
            if (studies.Count == 0) problems.Add(new Problem("dicomweb:" + url.Redacted, "search", "no study matches"));
        }
        if (inputs.Count == 0)
            throw new CliException(ExitCodes.InputUnreadable, "no instance could be retrieved: " + (problems.Count == 0 ? "no input" : string.Join("; ", problems.Select(p => $"{p.Path}: {p.Reason}"))));
        return (inputs, problems);
    }

    /// <summary>STOW-RS of every .dcm file under &lt;outDir&gt;/dicom to --push; a failure is an output that could not be written (exit 4).</summary>
    public int Push(string outDir)
    {
        var url = Parse(_s.Push!);
        var dir = Path.Combine(outDir, "dicom");
        var files = Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0)
        {
            _log.WriteLine($"--push: no DICOM outputs in {dir}, nothing sent to {url.Redacted}");
            return 0;
        }
        using var client = new DicomWebClient(url, _options);
        try
        {
            var stored = client.StoreAsync(files).GetAwaiter().GetResult();
            _log.WriteLine($"--push: {stored} instance(s) stored on {url.Redacted}");
            return stored;
        }
        catch (CementQuantException ex) when (ex is DicomWebUnreachableException or DicomWebStatusException)
        {
            throw new CliException(ExitCodes.OutputUnwritable, "--push failed: " + ex.Message);
        }
    }

    /// <summary>Runs one client call; an unreachable server or a refusal of the search ends the run with exit 3.</summary>
    private static T Run<T>(Func<Task<T>> call)
    {
        try
        {
            return call().GetAwaiter().GetResult();
        }
        catch (CementQuantException ex) when (ex is DicomWebUnreachableException or DicomWebStatusException)
        {
            throw new CliException(ExitCodes.InputUnreadable, ex.Message);
        }
    }

    /// <summary>Deletes the retrieved studies (they are copies of what the PACS holds).</summary>
    public void Dispose()
    {
        if (_folder is null || !Directory.Exists(_folder)) return;
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException ex) { _log.WriteLine($"could not delete the retrieved studies in {_folder}: {ex.Message}"); }
    }
}

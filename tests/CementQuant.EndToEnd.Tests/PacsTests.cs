using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using CementQuant.Dicom;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// Studies pulled from a real PACS (Orthanc with DICOMweb), analysed, and DICOM outputs pushed back; and the failures a
/// PACS can cause (unreachable, 5xx, a stream cut or stalled mid-instance), each a clear exit code or problems.csv row
/// within seconds.
/// </summary>
[Collection(OrthancCollection.Name)]
public sealed class PacsTests(OrthancFixture orthanc) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cq-pacs-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, true);
    }

    private string Phantom()
    {
        var dir = Path.Combine(_root, "phantom");
        var r = Cli.Run("phantom", "--out", dir, "--case", "worked-example", "--size", "small");
        Assert.True(r.ExitCode == 0, r.Stderr);
        return Path.Combine(dir, "worked-example");
    }

    private static string StudyUid(string file) => DicomFile.Open(file).Dataset.GetString(DicomTag.StudyInstanceUID) ?? throw new InvalidOperationException("no study UID");

    [OrthancFact]
    public void Orthanc_PullAnalysePush_OutputsEqualFilesAndPushedSeriesListed()
    {
        var study = Phantom();
        var dcm = Directory.GetFiles(study, "*.dcm", SearchOption.AllDirectories);
        orthanc.Upload(dcm);
        var uid = StudyUid(dcm[0]);
        var key = Path.Combine(_root, "site.key");

        var fromFiles = Path.Combine(_root, "files");
        var f = Cli.Run("analyze", study, "--out", fromFiles, "--site-key", key, "--no-report");
        Assert.True(f.ExitCode == 0, f.Stderr);

        // A DICOM output to push before the SEG/SR writer exists: a CT slice as a new instance of a new series in the same study.
        var fromPacs = Path.Combine(_root, "pacs");
        var (pushed, newSeries) = NewInstance(dcm.First(p => p.Contains("/ct/", StringComparison.Ordinal)), Path.Combine(fromPacs, "dicom", "seg.dcm"));
        var withCredentials = orthanc.DicomWeb.Replace("http://", "http://cq:not-a-real-secret@", StringComparison.Ordinal);
        var clock = Stopwatch.StartNew();
        var p = Cli.Run("analyze", $"{withCredentials}/studies/{uid}", "--out", fromPacs, "--site-key", key, "--no-report", "--push", orthanc.DicomWeb);
        Assert.True(p.ExitCode == 0, p.Stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"pull, analyse, push took {clock.Elapsed}");
        Assert.Contains("1 instance(s) stored", p.Stderr);

        foreach (var csv in new[] { "vertebrae.csv", "radiographs.csv", "series.csv" })
            Assert.Equal(File.ReadAllText(Path.Combine(fromFiles, csv)), File.ReadAllText(Path.Combine(fromPacs, csv)));
        Assert.Empty(Outputs.ReadCsv(Path.Combine(fromPacs, "problems.csv")));
        // The retrieved copy is gone; no output but the pushed DICOM names the study UID or the credentials.
        Assert.Empty(Directory.GetDirectories(fromPacs, ".dicomweb-*"));
        foreach (var file in Directory.GetFiles(fromPacs, "*", SearchOption.AllDirectories).Where(x => x != pushed))
        {
            var text = Encoding.Latin1.GetString(File.ReadAllBytes(file));
            Assert.DoesNotContain(uid, text);
            Assert.DoesNotContain("not-a-real-secret", text);
        }
        Assert.DoesNotContain("not-a-real-secret", p.Stderr + p.Stdout);
        var provenance = File.ReadAllText(Path.Combine(fromPacs, "results.json"));
        Assert.Contains("\"credentials\": \"url\"", provenance);

        // Orthanc lists the pushed series in the same study.
        using var series = orthanc.Http.GetAsync($"{orthanc.DicomWeb}/studies/{uid}/series").GetAwaiter().GetResult();
        var list = JsonDocument.Parse(series.Content.ReadAsStringAsync().GetAwaiter().GetResult()).RootElement.EnumerateArray()
            .Select(s => s.GetProperty("0020000E").GetProperty("Value")[0].GetString()).ToList();
        Assert.Contains(newSeries, list);
    }

    [OrthancFact]
    public void Orthanc_RootWithStudyFilter_Analysed_UnknownStudyIsExit3()
    {
        var study = Phantom();
        var dcm = Directory.GetFiles(study, "*.dcm", SearchOption.AllDirectories);
        orthanc.Upload(dcm);
        var uid = StudyUid(dcm[0]);
        var r = Cli.Run("analyze", orthanc.DicomWeb, "--study", uid, "--out", Path.Combine(_root, "out"), "--site-key", Path.Combine(_root, "k"), "--no-report");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("1 study to retrieve", r.Stderr);
        var none = Cli.Run("analyze", orthanc.DicomWeb, "--study", "1.2.3.4.5.6.7.8.9", "--out", Path.Combine(_root, "none"), "--site-key", Path.Combine(_root, "k"));
        Assert.True(none.ExitCode == 3, none.Stderr);
        var noFilter = Cli.Run("analyze", orthanc.DicomWeb, "--out", Path.Combine(_root, "nofilter"));
        Assert.True(noFilter.ExitCode == 64, noFilter.Stderr);
    }

    [Fact]
    public void Unreachable_Exit3Fast_UrlWithoutCredentials()
    {
        var port = OrthancFixture.FreePort();
        var clock = Stopwatch.StartNew();
        var r = Cli.Run("analyze", $"http://user:hunter2@127.0.0.1:{port}/dicom-web/studies/1.2.3", "--out", Path.Combine(_root, "out"), "--dicomweb-retries", "2");
        Assert.True(r.ExitCode == 3, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.Contains($"http://127.0.0.1:{port}/dicom-web", r.Stderr);
        Assert.DoesNotContain("hunter2", r.Stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Server500ThenSuccess_Retried()
    {
        var study = Phantom();
        var files = Directory.GetFiles(Path.Combine(study, "ct"), "*.dcm").Order(StringComparer.Ordinal).ToArray();
        var requests = 0;
        using var server = FakeServer.Start((ctx, n) =>
        {
            requests = n;
            if (n == 1) { ctx.Response.StatusCode = 500; ctx.Response.Close(); return; }
            Multipart(ctx, files, cutAfter: null, stall: false);
        });
        var outDir = Path.Combine(_root, "out");
        var r = Cli.Run("analyze", $"{server.Root}/studies/{StudyUid(files[0])}", "--out", outDir, "--site-key", Path.Combine(_root, "k"), "--no-report");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(2, requests);
        Assert.Single(Outputs.ReadCsv(Path.Combine(outDir, "series.csv")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StreamCutOrStalledMidInstance_ProblemRowNoHang(bool stall)
    {
        var study = Phantom();
        var files = Directory.GetFiles(Path.Combine(study, "ct"), "*.dcm").Order(StringComparer.Ordinal).ToArray();
        using var server = FakeServer.Start((ctx, _) => Multipart(ctx, files, cutAfter: files.Length - 3, stall));
        var outDir = Path.Combine(_root, "out");
        var clock = Stopwatch.StartNew();
        var r = Cli.Run("analyze", $"{server.Root}/studies/{StudyUid(files[0])}", "--out", outDir, "--site-key", Path.Combine(_root, "k"), "--no-report", "--dicomweb-timeout", "2");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        Assert.True(r.ExitCode == 5, $"exit {r.ExitCode}: {r.Stderr}");
        var problem = Assert.Single(Outputs.ReadCsv(Path.Combine(outDir, "problems.csv")), x => x["stage"] == "retrieve");
        // Named by file_key like every problem row (its path, "dicomweb:study-1", only with --include-phi).
        Assert.False(problem.ContainsKey("path"));
        Assert.Matches("^[0-9a-f]{16}$", problem["file_key"]);
        Assert.Contains($"instance {files.Length - 2} did not arrive whole", problem["reason"]);
        Assert.Contains(stall ? "no data received" : "", problem["reason"]);
    }

    /// <summary>A WADO-RS answer of the files; with cutAfter, half of the next instance follows and the connection drops (or stalls).</summary>
    private static void Multipart(HttpListenerContext ctx, string[] files, int? cutAfter, bool stall)
    {
        const string boundary = "cq-fake-boundary";
        ctx.Response.ContentType = $"multipart/related; type=\"application/dicom\"; boundary={boundary}";
        ctx.Response.SendChunked = true;
        var o = ctx.Response.OutputStream;
        for (var i = 0; i < files.Length; i++)
        {
            var bytes = File.ReadAllBytes(files[i]);
            o.Write(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n"));
            if (i == cutAfter)
            {
                o.Write(bytes, 0, bytes.Length / 2);
                o.Flush();
                if (stall) Thread.Sleep(TimeSpan.FromSeconds(8));
                ctx.Response.Abort();
                return;
            }
            o.Write(bytes);
            o.Write("\r\n"u8);
        }
        o.Write(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"));
        ctx.Response.Close();
    }

    /// <summary>A copy of a DICOM file as a new instance of a new series: its two UIDs replaced by others of the same length.</summary>
    private static (string Path, string SeriesUid) NewInstance(string source, string destination)
    {
        var ds = DicomFile.Open(source).Dataset;
        var bytes = File.ReadAllBytes(source);
        var series = ds.GetString(DicomTag.SeriesInstanceUID)!;
        var newSeries = Replace(ref bytes, series);
        Replace(ref bytes, ds.GetString(DicomTag.SOPInstanceUID)!);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        File.WriteAllBytes(destination, bytes);
        return (destination, newSeries);
    }

    private static string Replace(ref byte[] bytes, string uid)
    {
        var tail = Random.Shared.NextInt64(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var fresh = uid[..^6] + tail;
        var from = Encoding.ASCII.GetBytes(uid);
        var to = Encoding.ASCII.GetBytes(fresh);
        for (var at = bytes.AsSpan().IndexOf(from); at >= 0;)
        {
            to.CopyTo(bytes, at);
            var next = bytes.AsSpan(at + 1).IndexOf(from);
            at = next < 0 ? -1 : at + 1 + next;
        }
        return fresh;
    }

    /// <summary>A tiny DICOMweb stand-in on loopback: every request goes to the handler with its 1-based number.</summary>
    private sealed class FakeServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private int _count;

        public string Root { get; }

        private FakeServer(int port)
        {
            Root = $"http://127.0.0.1:{port}/dicom-web";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        }

        public static FakeServer Start(Action<HttpListenerContext, int> handle)
        {
            var s = new FakeServer(OrthancFixture.FreePort());
            s._listener.Start();
            _ = Task.Run(async () =>
            {
                while (s._listener.IsListening)
                {
                    HttpListenerContext ctx;
                    try { ctx = await s._listener.GetContextAsync(); }
                    catch (Exception) { return; }
                    var n = Interlocked.Increment(ref s._count);
                    _ = Task.Run(() => { try { handle(ctx, n); } catch (Exception) { ctx.Response.Abort(); } });
                }
            });
            return s;
        }

        public void Dispose() => _listener.Close();
    }
}

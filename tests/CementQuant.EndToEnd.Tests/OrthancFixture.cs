using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// A test that needs Orthanc with its DICOMweb plugin: the server named by CQ_TEST_ORTHANC_URL (.ci/run starts one),
/// else one the fixture starts from /usr/sbin/Orthanc. Skipped with a message when neither is possible, failing
/// instead under CI=true.
/// </summary>
public sealed class OrthancFactAttribute : FactAttribute
{
    public OrthancFactAttribute()
    {
        if (OrthancFixture.ConfiguredUrl is null && !OrthancFixture.CanStart && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = $"no Orthanc: CQ_TEST_ORTHANC_URL is not set and {OrthancFixture.Binary} or its DICOMweb plugin {OrthancFixture.Plugin} is missing (apt-get install orthanc orthanc-dicomweb; .ci/run starts one)";
    }
}

[CollectionDefinition(Name)]
public sealed class OrthancCollection : ICollectionFixture<OrthancFixture>
{
    public const string Name = "Orthanc";
}

/// <summary>
/// Orthanc on a free loopback port with a throwaway storage folder and configuration (DICOMweb plugin on, no DICOM
/// port, no authentication), ready when its QIDO-RS answers; stopped and its folder removed afterwards.
/// </summary>
public sealed class OrthancFixture : IDisposable
{
    public static string Binary => Environment.GetEnvironmentVariable("CQ_ORTHANC_BIN") ?? "/usr/sbin/Orthanc";
    public static string Plugin => Environment.GetEnvironmentVariable("CQ_ORTHANC_PLUGIN") ?? "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";
    public static string? ConfiguredUrl => Environment.GetEnvironmentVariable("CQ_TEST_ORTHANC_URL") is { Length: > 0 } u ? u.TrimEnd('/') : null;
    public static bool CanStart => File.Exists(Binary) && File.Exists(Plugin);

    private readonly Process? _server;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cq-orthanc-test-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The DICOMweb root, e.g. http://127.0.0.1:8043/dicom-web.</summary>
    public string DicomWeb { get; }

    /// <summary>Orthanc's own REST root (uploads by POST /instances).</summary>
    public string Rest => DicomWeb[..DicomWeb.LastIndexOf("/dicom-web", StringComparison.Ordinal)];

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public OrthancFixture()
    {
        if (ConfiguredUrl is { } url) { DicomWeb = url; return; }
        Assert.True(CanStart, $"no Orthanc to test with: CQ_TEST_ORTHANC_URL is unset and {Binary} or {Plugin} is missing");
        Directory.CreateDirectory(_folder);
        var port = FreePort();
        var config = Path.Combine(_folder, "orthanc.json");
        File.WriteAllText(config, $$"""
            { "Name": "cq-test", "StorageDirectory": "{{_folder}}/db", "IndexDirectory": "{{_folder}}/db",
              "HttpPort": {{port}}, "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
              "DicomServerEnabled": false, "Plugins": ["{{Plugin}}"], "DicomWeb": { "Enable": true, "Root": "/dicom-web/" } }
            """);
        var psi = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(config);
        _server = Process.Start(psi)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        DicomWeb = $"http://127.0.0.1:{port}/dicom-web";
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Assert.False(_server.HasExited, $"Orthanc exited at start with code {(_server.HasExited ? _server.ExitCode : 0)}");
            try
            {
                using var r = Http.GetAsync(DicomWeb + "/studies").GetAwaiter().GetResult();
                if (r.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            Thread.Sleep(200);
        }
        Dispose();
        Assert.Fail("Orthanc did not answer within 30 s");
    }

    /// <summary>Stores files through Orthanc's REST API (POST /instances).</summary>
    public void Upload(IEnumerable<string> files)
    {
        foreach (var f in files)
        {
            using var content = new ByteArrayContent(File.ReadAllBytes(f));
            using var r = Http.PostAsync(Rest + "/instances", content).GetAwaiter().GetResult();
            Assert.True(r.IsSuccessStatusCode, $"upload of {f}: HTTP {(int)r.StatusCode}");
        }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(true);
            _server.WaitForExit(10_000);
        }
        _server?.Dispose();
        Http.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, true);
    }
}

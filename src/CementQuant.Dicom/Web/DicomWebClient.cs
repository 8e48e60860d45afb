using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace CementQuant.Dicom.Web;

/// <summary>The server could not be reached or kept failing (connection refused, timeouts, 5xx after every retry).</summary>
public sealed class DicomWebUnreachableException(string message) : CementQuantException(message);

/// <summary>The server answered with a status that retrying will not change (4xx).</summary>
public sealed class DicomWebStatusException(HttpStatusCode status, string message) : CementQuantException(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>What a study's retrieval left on disk: whole instances, and the instances that did not arrive whole.</summary>
public sealed record StudyDownload(IReadOnlyList<string> Files, long Bytes, string? Problem);

/// <summary>
/// A DICOMweb client (PS3.18) on HttpClient alone: QIDO-RS study search, WADO-RS whole-study retrieval streamed to
/// disk part by part, STOW-RS upload. Connection errors and 5xx answers are retried with exponential back-off within
/// <see cref="DicomWebOptions.TotalTimeout"/>; messages name the server by its redacted root, never with credentials.
/// </summary>
public sealed class DicomWebClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly DicomWebOptions _o;
    private readonly Uri _root;
    private readonly string _name;

    public DicomWebClient(DicomWebUrl url, DicomWebOptions options)
    {
        _o = options;
        _root = url.Root;
        _name = url.Redacted;
        var handler = new SocketsHttpHandler { ConnectTimeout = options.ConnectTimeout, AutomaticDecompression = DecompressionMethods.None, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        _http = new HttpClient(handler) { Timeout = options.RequestTimeout };
        var auth = options.Authorization ?? (url.UserInfo is { } ui ? DicomWebOptions.ParseCredentials(ui) : null);
        if (auth is not null) _http.DefaultRequestHeaders.Authorization = auth;
    }

    /// <summary>QIDO-RS: the StudyInstanceUIDs of the studies that match a StudyInstanceUID and/or a PatientID.</summary>
    public async Task<IReadOnlyList<string>> SearchStudiesAsync(string? studyUid, string? patientId, CancellationToken ct = default)
    {
        var query = new List<string> { "includefield=0020000D" };
        if (studyUid is not null) query.Add("StudyInstanceUID=" + Uri.EscapeDataString(studyUid));
        if (patientId is not null) query.Add("PatientID=" + Uri.EscapeDataString(patientId));
        using var total = Deadline(ct);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(_root, "studies?" + string.Join('&', query)))
        {
            Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/dicom+json") } },
        }, "search studies", total.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent) return [];
        await using var body = await response.Content.ReadAsStreamAsync(total.Token).ConfigureAwait(false);
        using var doc = await JsonDocument.ParseAsync(body, cancellationToken: total.Token).ConfigureAwait(false);
        var uids = new List<string>();
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new CementQuantException($"{_name}: the study search did not answer a JSON array");
        foreach (var study in doc.RootElement.EnumerateArray())
            if (study.TryGetProperty("0020000D", out var attr) && attr.TryGetProperty("Value", out var v) && v.ValueKind == JsonValueKind.Array && v.GetArrayLength() > 0
                && v[0].GetString() is { } uid && DicomWebUrl.IsUid(uid))
                uids.Add(uid);
        return [.. uids.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// WADO-RS: every instance of a study, each part written to its own file in <paramref name="folder"/> as it arrives
    /// (a part is renamed from .partial only when complete). A stream that ends or stalls inside an instance, or a study
    /// that is gone, is reported in <see cref="StudyDownload.Problem"/> with the instances that did arrive whole.
    /// </summary>
    public async Task<StudyDownload> RetrieveStudyAsync(string studyUid, string folder, CancellationToken ct = default)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        long bytes = 0;
        using var total = Deadline(ct);
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(_root, "studies/" + studyUid))
            {
                Headers = { Accept = { MediaTypeWithQualityHeaderValue.Parse("multipart/related; type=\"application/dicom\"") } },
            }, "retrieve study", total.Token).ConfigureAwait(false);
        }
        catch (DicomWebStatusException ex) when (ex.Status is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return new StudyDownload([], 0, "the study is not on the server (HTTP " + (int)ex.Status + ")");
        }
        using (response)
        {
            var boundary = MultipartReader.Boundary(response.Content.Headers.ContentType?.ToString());
            if (boundary is null) return new StudyDownload([], 0, $"the server answered {response.Content.Headers.ContentType?.MediaType ?? "no content type"}, not multipart/related");
            await using var body = await response.Content.ReadAsStreamAsync(total.Token).ConfigureAwait(false);
            var reader = new MultipartReader(body, boundary, _o.IdleTimeout);
            var index = 0;
            while (true)
            {
                var path = Path.Combine(folder, (index + 1).ToString("D6", CultureInfo.InvariantCulture) + ".dcm");
                var partial = path + ".partial";
                FileStream? file = null;
                try
                {
                    var more = await reader.NextPartAsync(_ => file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true), total.Token).ConfigureAwait(false);
                    if (file is not null)
                    {
                        bytes += file.Length;
                        await file.DisposeAsync().ConfigureAwait(false);
                        file = null;
                        File.Move(partial, path, overwrite: true);
                        files.Add(path);
                        index++;
                    }
                    if (!more || reader.Finished) break;
                }
                catch (Exception ex) when (ex is MultipartTruncatedException or TimeoutException or IOException or HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                    if (file is not null) await file.DisposeAsync().ConfigureAwait(false);
                    File.Delete(partial);
                    var what = ex is OperationCanceledException ? $"the retrieval ran over {_o.TotalTimeout.TotalSeconds:0} s" : ex.Message;
                    return new StudyDownload(files, bytes, $"instance {index + 1} did not arrive whole ({what}); {files.Count} complete instance(s) kept");
                }
            }
        }
        return new StudyDownload(files, bytes, null);
    }

    /// <summary>STOW-RS: uploads the files in one multipart/related request to <c>{root}/studies</c>, streamed from disk.</summary>
    /// <returns>The number of instances the server stored; a refusal of any instance is an exception naming how many failed.</returns>
    public async Task<int> StoreAsync(IReadOnlyList<string> files, CancellationToken ct = default)
    {
        if (files.Count == 0) return 0;
        using var total = Deadline(ct);
        using var response = await SendAsync(() =>
        {
            var content = new MultipartContent("related", "cementquant-" + Guid.NewGuid().ToString("N"));
            content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
            foreach (var f in files)
            {
                var part = new StreamContent(new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
                part.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
                content.Add(part);
            }
            return new HttpRequestMessage(HttpMethod.Post, new Uri(_root, "studies"))
            {
                Content = content,
                Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/dicom+json") } },
            };
        }, "store instances", total.Token).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(total.Token).ConfigureAwait(false);
        var (stored, failed) = CountStowResult(text);
        if (failed > 0) throw new DicomWebStatusException(HttpStatusCode.Conflict, $"{_name}: the server refused {failed} of {files.Count} instance(s)");
        return stored < 0 ? files.Count : stored;
    }

    /// <summary>Stored (ReferencedSOPSequence 0008,1199) and failed (FailedSOPSequence 0008,1198) items of a STOW-RS answer; -1 stored when unparsable.</summary>
    private static (int Stored, int Failed) CountStowResult(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement.ValueKind == JsonValueKind.Array && doc.RootElement.GetArrayLength() > 0 ? doc.RootElement[0] : doc.RootElement;
            int Count(string tag) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(tag, out var a) && a.TryGetProperty("Value", out var v) && v.ValueKind == JsonValueKind.Array ? v.GetArrayLength() : 0;
            return (Count("00081199"), Count("00081198"));
        }
        catch (JsonException)
        {
            return (-1, 0);
        }
    }

    private CancellationTokenSource Deadline(CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_o.TotalTimeout);
        return cts;
    }

    /// <summary>Sends a request (made anew per attempt) until its response headers: retried on connection errors, timeouts and 5xx.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, string what, CancellationToken ct)
    {
        var backoff = _o.FirstBackoff;
        string last = "";
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var request = make();
                var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return response;
                var status = (int)response.StatusCode;
                response.Dispose();
                if (status < 500) throw new DicomWebStatusException(response.StatusCode, $"{_name}: {what} answered HTTP {status} {response.ReasonPhrase}");
                last = $"HTTP {status} {response.ReasonPhrase}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.InnerException?.Message ?? ex.Message;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                last = $"no answer within {_o.RequestTimeout.TotalSeconds:0.#} s";
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw new DicomWebUnreachableException($"{_name}: {what} ran over {_o.TotalTimeout.TotalSeconds:0.#} s ({last})");
            }
            if (attempt >= _o.Attempts) throw new DicomWebUnreachableException($"{_name}: {what} failed after {attempt} attempt(s): {last}");
            try
            {
                await Task.Delay(backoff, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new DicomWebUnreachableException($"{_name}: {what} ran over {_o.TotalTimeout.TotalSeconds:0.#} s ({last})");
            }
            backoff *= 2;
        }
    }

    public void Dispose() => _http.Dispose();
}

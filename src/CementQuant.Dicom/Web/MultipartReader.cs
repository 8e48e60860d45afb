using System.Text;

namespace CementQuant.Dicom.Web;

/// <summary>A multipart body that ended before the closing delimiter of its current part (a cut stream, a half-received instance).</summary>
public sealed class MultipartTruncatedException(string message, long partBytes) : CementQuantException(message)
{
    /// <summary>Bytes of the unfinished part that had arrived.</summary>
    public long PartBytes { get; } = partBytes;
}

/// <summary>
/// A streaming reader of a multipart/related body (RFC 2046): each part's content is copied to a destination as it
/// arrives, through one fixed buffer, so a study of any size passes with bounded memory. Every read waits at most
/// the idle timeout (a server that stops sending is an error, never a hang).
/// </summary>
public sealed class MultipartReader
{
    private const int BufferSize = 1 << 16;
    private readonly Stream _body;
    private readonly TimeSpan _idle;
    private readonly byte[] _delimiter; // CRLF--boundary
    private readonly byte[] _buf;
    private int _start, _end;
    private bool _eof, _started, _finished;

    /// <summary>The closing delimiter has been read.</summary>
    public bool Finished => _finished;

    public MultipartReader(Stream body, string boundary, TimeSpan idleTimeout)
    {
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 70) throw new CementQuantException($"invalid multipart boundary '{boundary}'");
        _body = body;
        _idle = idleTimeout;
        _delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        _buf = new byte[BufferSize + _delimiter.Length + 4];
    }

    /// <summary>The boundary parameter of a multipart Content-Type header value (quoted or not), or null.</summary>
    public static string? Boundary(string? contentType)
    {
        if (contentType is null) return null;
        foreach (var p in contentType.Split(';'))
        {
            var kv = p.Trim();
            if (!kv.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase)) continue;
            return kv["boundary=".Length..].Trim('"');
        }
        return null;
    }

    /// <summary>
    /// Reads the next part: its headers, then its content copied into the stream <paramref name="open"/> returns.
    /// False when the closing delimiter has been read. Throws <see cref="MultipartTruncatedException"/> when the body
    /// ends inside a part, <see cref="TimeoutException"/> when no byte arrives within the idle timeout.
    /// </summary>
    public async Task<bool> NextPartAsync(Func<IReadOnlyDictionary<string, string>, Stream> open, CancellationToken ct)
    {
        if (_finished) return false;
        if (!_started)
        {
            // The preamble: everything up to the first "--boundary" (which may start the body, without a CRLF before it).
            await SkipPreambleAsync(ct).ConfigureAwait(false);
            _started = true;
            if (await AfterDelimiterIsEndAsync(ct).ConfigureAwait(false)) { _finished = true; return false; }
        }
        var headers = await ReadHeadersAsync(ct).ConfigureAwait(false);
        var dest = open(headers);
        long written = 0;
        while (true)
        {
            var span = _buf.AsSpan(_start, _end - _start);
            var at = span.IndexOf(_delimiter);
            if (at >= 0)
            {
                await dest.WriteAsync(_buf.AsMemory(_start, at), ct).ConfigureAwait(false);
                _start += at + _delimiter.Length;
                break;
            }
            // Keep the last delimiter-1 bytes: they may be the start of a delimiter split across reads.
            var safe = Math.Max(0, span.Length - (_delimiter.Length - 1));
            if (safe > 0)
            {
                await dest.WriteAsync(_buf.AsMemory(_start, safe), ct).ConfigureAwait(false);
                written += safe;
                _start += safe;
            }
            if (!await FillAsync(ct).ConfigureAwait(false))
                throw new MultipartTruncatedException($"the stream ended inside a part after {written + (_end - _start)} bytes", written + (_end - _start));
        }
        if (await AfterDelimiterIsEndAsync(ct).ConfigureAwait(false)) _finished = true;
        return true;
    }

    private async Task SkipPreambleAsync(CancellationToken ct)
    {
        var first = _delimiter.AsMemory(2); // "--boundary" at the very start
        while (true)
        {
            if (_end - _start >= first.Length && _buf.AsSpan(_start, first.Length).SequenceEqual(first.Span)) { _start += first.Length; return; }
            var at = _buf.AsSpan(_start, _end - _start).IndexOf(_delimiter);
            if (at >= 0) { _start += at + _delimiter.Length; return; }
            _start = Math.Max(_start, _end - _delimiter.Length);
            if (!await FillAsync(ct).ConfigureAwait(false)) throw new MultipartTruncatedException("the multipart body has no boundary", 0);
        }
    }

    /// <summary>After a delimiter: "--" ends the body; otherwise skip transport padding to the CRLF that starts the next part.</summary>
    private async Task<bool> AfterDelimiterIsEndAsync(CancellationToken ct)
    {
        while (_end - _start < 2)
            if (!await FillAsync(ct).ConfigureAwait(false))
                return true; // a body that ends right after a delimiter has no further part
        if (_buf[_start] == '-' && _buf[_start + 1] == '-') { _start += 2; return true; }
        while (true)
        {
            var at = _buf.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at >= 0) { _start += at + 2; return false; }
            _start = Math.Max(_start, _end - 1);
            if (!await FillAsync(ct).ConfigureAwait(false)) throw new MultipartTruncatedException("the stream ended after a boundary", 0);
        }
    }

    private async Task<Dictionary<string, string>> ReadHeadersAsync(CancellationToken ct)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            var at = _buf.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at < 0)
            {
                if (_end - _start >= BufferSize) throw new CementQuantException("a multipart header line is longer than 64 KiB");
                if (!await FillAsync(ct).ConfigureAwait(false)) throw new MultipartTruncatedException("the stream ended inside the headers of a part", 0);
                continue;
            }
            var line = Encoding.Latin1.GetString(_buf, _start, at);
            _start += at + 2;
            if (line.Length == 0) return headers;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
    }

    /// <summary>Moves the unread bytes to the front and reads more; false at the end of the body.</summary>
    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_eof) return false;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(_idle);
        int n;
        try
        {
            n = await _body.ReadAsync(_buf.AsMemory(_end, _buf.Length - _end), idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no data received for {_idle.TotalSeconds:0.#} s");
        }
        if (n == 0) { _eof = true; return false; }
        _end += n;
        return true;
    }
}

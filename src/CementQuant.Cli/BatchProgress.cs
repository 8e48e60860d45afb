using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace CementQuant.Cli;

/// <summary>
/// What a long analyze run shows while it works: on a terminal a live progress bar (counts and ETA, Spectre.Console)
/// with log lines scrolling above it; when standard error is redirected (a scheduler's log file) plain lines only.
/// The ETA weighs the expected work (<see cref="WorkCost"/>: CT voxels, radiograph pixels), not series or files: a
/// skipped series costs nothing, a 600-slice CT or a clinical-size radiograph a few seconds.
/// Thread-safe: workers report from their own threads.
/// </summary>
internal abstract class BatchProgress
{
    private readonly Lock _lock = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _total, _done, _ok, _skipped, _failed, _reused;
    private long _totalWeight, _doneWeight, _reusedWeight;

    protected Lock Sync => _lock;

    /// <summary>Runs <paramref name="body"/> with a terminal display when <paramref name="terminal"/>, plain lines to <paramref name="log"/> otherwise.</summary>
    /// <remarks>Shaped by <paramref name="style"/>: quiet shows warnings only, JSON logs are plain lines.</remarks>
    public static T Run<T>(bool terminal, TextWriter log, ConsoleStyle style, Func<BatchProgress, T> body) =>
        // Native libraries' own stderr lines (OpenCV's codec errors, each with a blank line) become detail lines of ours:
        // shown with --verbose (as JSON with --log-format json); the file's problem row says the rest.
        WithProgress(terminal, log, style, p =>
        {
            using var native = NativeStderr.Capture(line => p.Detail("native: " + line));
            return body(p);
        });

    private static T WithProgress<T>(bool terminal, TextWriter log, ConsoleStyle style, Func<BatchProgress, T> body)
    {
        if (style.Verbosity == Verbosity.Quiet) return body(new QuietProgress(log, style.JsonLog));
        if (!terminal || style.JsonLog) return body(new PlainProgress(log, style.JsonLog));
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        console.Progress()
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx => result = body(new TerminalProgress(console, ctx, style.Verbosity == Verbosity.Verbose)));
        return result;
    }

    /// <summary>A line of log text (above the bar on a terminal).</summary>
    public abstract void Log(string line);

    /// <summary>A detail line (stage timings): in the plain log, not over a terminal's bar.</summary>
    public abstract void Detail(string line);

    /// <summary>A warning (an internal error in one series, say): shown whatever the verbosity.</summary>
    public virtual void Warn(string line) => Log(line);

    /// <summary>Header reading: called with the number of files read so far.</summary>
    public abstract void Scanning(int done, int total);

    /// <summary>Analysis begins: <paramref name="series"/> work items weighing <paramref name="weight"/> files in all.</summary>
    public void Start(int series, long weight)
    {
        lock (_lock)
        {
            _total = series;
            _totalWeight = Math.Max(1, weight);
            _clock.Restart();
        }
        Started();
    }

    /// <summary>One series finished (or was taken from an earlier run when <paramref name="reused"/>).</summary>
    public void Done(SeriesOutcome o, long weight, bool reused)
    {
        string line;
        lock (_lock)
        {
            _done++;
            _doneWeight += weight;
            if (reused) { _reused++; _reusedWeight += weight; }
            switch (o.Status)
            {
                case "ok": _ok++; break;
                case "skipped": _skipped++; break;
                default: _failed++; break;
            }
            var what = o.Status != "ok" ? $"{o.Status} ({o.Reason})"
                : o.Radiographs.Count > 0 ? $"ok, {o.Radiographs.Count} image{(o.Radiographs.Count == 1 ? "" : "s")}, {o.Radiographs.Sum(x => x.Rows.Count)} radiograph rows"
                : $"ok, {o.Vertebrae.Count} vertebrae";
            line = string.Create(CultureInfo.InvariantCulture,
                $"[{_done}/{_total}] series {o.Identity.SeriesKey} {o.Description}: {what}{(reused ? ", from an earlier run" : $", {o.Seconds:0.0} s")}; {Counts}; ETA {Format(Eta())}");
        }
        Finished(o, line, reused);
    }

    protected string Counts => $"{_ok} ok, {_skipped} skipped, {_failed} failed";

    protected int Total => _total;

    protected int Completed => _done;

    protected long TotalWeight => _totalWeight;

    protected long DoneWeight => _doneWeight;

    /// <summary>Remaining time from the files analysed in this run (results reused from an earlier run cost nothing).</summary>
    protected TimeSpan? Eta()
    {
        var worked = _doneWeight - _reusedWeight;
        if (worked <= 0 || _done == 0) return null;
        var remaining = _totalWeight - _doneWeight;
        return TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / worked * remaining);
    }

    protected static string Format(TimeSpan? t) => t is not { } v ? "unknown" : v.TotalHours >= 1 ? $"{(int)v.TotalHours}h{v.Minutes:00}m" : v.TotalMinutes >= 1 ? $"{(int)v.TotalMinutes}m{v.Seconds:00}s" : $"{v.Seconds}s";

    protected abstract void Started();

    protected abstract void Finished(SeriesOutcome o, string line, bool reused);

    private static string Line(string level, string message, bool json) => new ConsoleStyle(Verbosity.Normal, json).Line(level, message);

    private sealed class QuietProgress(TextWriter log, bool json) : BatchProgress
    {
        public override void Log(string line) { }

        public override void Detail(string line) { }

        public override void Warn(string line)
        {
            lock (Sync) log.WriteLine(Line("warning", line, json));
        }

        public override void Scanning(int done, int total) { }

        protected override void Started() { }

        protected override void Finished(SeriesOutcome o, string line, bool reused) { }
    }

    private sealed class PlainProgress(TextWriter log, bool json) : BatchProgress
    {
        private long _lastScanReport = Environment.TickCount64;

        public override void Log(string line)
        {
            lock (Sync) log.WriteLine(Line("info", line, json));
        }

        public override void Detail(string line)
        {
            lock (Sync) log.WriteLine(Line("detail", line, json));
        }

        public override void Warn(string line)
        {
            lock (Sync) log.WriteLine(Line("warning", line, json));
        }

        public override void Scanning(int done, int total)
        {
            // A line every 10 s at most while reading headers (a hospital folder can hold a million files).
            var now = Environment.TickCount64;
            if (done == total || now - Interlocked.Read(ref _lastScanReport) < 10_000) return;
            Interlocked.Exchange(ref _lastScanReport, now);
            Log(string.Create(CultureInfo.InvariantCulture, $"reading headers: {done}/{total} files"));
        }

        protected override void Started() => Log(string.Create(CultureInfo.InvariantCulture, $"analysing {Total} series"));

        protected override void Finished(SeriesOutcome o, string line, bool reused) => Log(line);
    }

    private sealed class TerminalProgress : BatchProgress
    {
        private readonly IAnsiConsole _console;
        private readonly ProgressContext _ctx;
        private readonly ProgressTask _scan;
        private ProgressTask? _work;

        private readonly bool _details;

        public TerminalProgress(IAnsiConsole console, ProgressContext ctx, bool details)
        {
            _details = details;
            _console = console;
            _ctx = ctx;
            _scan = ctx.AddTask("reading headers");
        }

        public override void Log(string line)
        {
            lock (Sync) _console.MarkupLine(Markup.Escape(line));
        }

        public override void Detail(string line)
        {
            if (_details) Log(line);
        }

        public override void Scanning(int done, int total)
        {
            lock (Sync)
            {
                _scan.MaxValue = Math.Max(1, total);
                _scan.Value = done;
                _scan.Description = $"reading headers {done}/{total}";
            }
        }

        protected override void Started()
        {
            lock (Sync)
            {
                _scan.Value = _scan.MaxValue;
                _scan.StopTask();
                _work = _ctx.AddTask($"series 0/{Total}", maxValue: TotalWeight);
            }
        }

        protected override void Finished(SeriesOutcome o, string line, bool reused)
        {
            lock (Sync)
            {
                // Failures scroll above the bar; successes only move it.
                if (o.Status == "failed") _console.MarkupLine(Markup.Escape(line));
                if (_work is null) return;
                _work.Value = DoneWeight;
                _work.Description = Markup.Escape($"series {Completed}/{Total}: {Counts}");
                if (Completed == Total) _work.StopTask();
            }
        }
    }
}

using System.Data.Common;
using System.Globalization;
using CementQuant.Reporting;

namespace CementQuant.Review;

/// <summary>
/// The reviewers' decisions on one run: appended to the <c>reviews</c> table of the run's database (SQLite, or PostgreSQL
/// as with analyze's --db, through <see cref="ResultsDatabase"/>), and after every decision written out again as
/// <c>reviews.csv</c> (every decision on the run's rows, in order) and as the <c>review_state</c> and <c>reviewed_flags</c>
/// columns of vertebrae.csv and radiographs.csv (everyone's latest decision per flag, <see cref="RowReview"/>).
/// Thread-safe: the web server's requests go through one lock.
/// </summary>
public sealed class ReviewStore
{
    private readonly object _lock = new();
    private readonly string _database;
    private readonly HashSet<string> _rowKeys;
    private readonly Dictionary<string, ReviewRow> _rows;
    private List<ReviewDecision> _decisions;

    public ReviewStore(RunFolder run, string database)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(database);
        Run = run;
        _database = database;
        _rows = run.Rows.ToDictionary(r => r.Key, StringComparer.Ordinal);
        _rowKeys = [.. _rows.Keys];
        _decisions = Load();
    }

    public RunFolder Run { get; }

    /// <summary>The tool version a decision records.</summary>
    public static string ToolVersion => typeof(ReviewStore).Assembly.GetName().Version?.ToString() ?? "";

    /// <summary>Every decision on the run's rows, in order.</summary>
    public IReadOnlyList<ReviewDecision> All
    {
        get { lock (_lock) return [.. _decisions]; }
    }

    /// <summary>One reviewer's decisions only: what that reviewer sees while reviewing.</summary>
    public IReadOnlyList<ReviewDecision> Of(string reviewer)
    {
        lock (_lock) return [.. _decisions.Where(d => d.Reviewer == reviewer)];
    }

    /// <summary>
    /// Checks and appends a decision, then writes reviews.csv and the state columns. A decision that names no row of the
    /// run, an unknown decision word, a reason not on the decision's list or a flag where none belongs is refused
    /// (<see cref="ArgumentException"/>, with what was wrong).
    /// </summary>
    public ReviewDecision Append(string reviewer, string rowKey, string flag, string decision, string reason, string note)
    {
        Validate(reviewer, rowKey, flag, decision, reason, note);
        lock (_lock)
        {
            var time = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
            var row = _rows[rowKey];
            object?[] values = [rowKey, row.SeriesKey, flag, decision, reason, note, reviewer, time, ToolVersion, row.MetricsHash];
            long seq;
            try
            {
                using var db = ResultsDatabase.Open(_database);
                seq = db.AppendReview(values);
            }
            catch (DbException ex)
            {
                throw new CementQuantException($"cannot write the decision to the results database ({(ResultsDatabase.IsPostgres(_database) ? "PostgreSQL" : _database)}): {ex.Message}", ex);
            }
            // Read back: another reviewer's server on the same database may have appended in between.
            _decisions = Load();
            Export();
            return _decisions.Single(d => d.Seq == seq);
        }
    }

    private void Validate(string reviewer, string rowKey, string flag, string decision, string reason, string note)
    {
        if (string.IsNullOrWhiteSpace(reviewer) || reviewer.Length > 100) throw new ArgumentException("a reviewer name of 1 to 100 characters is needed");
        if (!_rows.TryGetValue(rowKey ?? "", out var row)) throw new ArgumentException($"no row '{rowKey}' in this run");
        if (!Decisions.All.Contains(decision)) throw new ArgumentException($"unknown decision '{decision}' (one of {string.Join(", ", Decisions.All)})");
        if (decision == Decisions.Unusable ? flag.Length > 0 : decision != Decisions.Confirm && flag.Length == 0)
            throw new ArgumentException($"'{decision}' {(decision == Decisions.Unusable ? "is about the whole row: no flag" : "needs a flag")}");
        if (decision == Decisions.Add ? !Decisions.KnownFlags.Contains(flag) : flag.Length > 0 && !row.Flags.Contains(flag) && !Decisions.KnownFlags.Contains(flag))
            throw new ArgumentException($"unknown flag '{flag}'");
        var reasons = Decisions.ReasonsFor(decision);
        if (reasons.Count > 0 ? !reasons.Contains(reason) : reason.Length > 0) throw new ArgumentException($"reason '{reason}' is not one of: {string.Join(", ", reasons)}");
        if (note.Length > 2000) throw new ArgumentException("a note of at most 2000 characters");
    }

    private List<ReviewDecision> Load()
    {
        try
        {
            using var db = ResultsDatabase.Open(_database);
            return [.. db.ReadAll("reviews", "seq").Where(r => _rowKeys.Contains(r["row_key"])).Select(r => new ReviewDecision(
                long.Parse(r["seq"], CultureInfo.InvariantCulture), r["row_key"], r["series_key"], r["flag"], r["decision"], r["reason"], r["note"],
                r["reviewer"], r["decided_at"], r["tool_version"], r["metrics_hash"]))];
        }
        catch (DbException ex)
        {
            throw new CementQuantException($"cannot read the reviews from the results database ({(ResultsDatabase.IsPostgres(_database) ? "PostgreSQL" : _database)}): {ex.Message}", ex);
        }
    }

    /// <summary>
    /// After analyze has written a run's tables again (a rerun or --resume): when the run's database holds decisions on
    /// its rows, writes reviews.csv and the review columns again, so decisions on rows whose metrics did not change stand
    /// and the others read <c>needs re-review</c>. A run nobody reviewed is left exactly as analyze wrote it. Returns
    /// whether it wrote.
    /// </summary>
    public static bool RefreshAfterAnalyze(string runFolder, string database)
    {
        var store = new ReviewStore(RunFolder.Load(runFolder), database);
        if (store._decisions.Count == 0) return false;
        store.Export();
        return true;
    }

    /// <summary>Writes reviews.csv and the review columns of vertebrae.csv and radiographs.csv from the decisions so far.</summary>
    public void Export()
    {
        lock (_lock)
        {
            Csv.Write(Run.ReviewsCsv, ReviewTable.Columns, _decisions.Select(d => (IReadOnlyList<object?>)
                [d.Seq, d.RowKey, d.SeriesKey, d.Flag, d.Decision, d.Reason, d.Note, d.Reviewer, d.DecidedAt, d.ToolVersion, d.MetricsHash]));
            var reviews = Run.Rows.ToDictionary(r => r.Key, r => new RowReview(r, _decisions), StringComparer.Ordinal);
            AddStateColumns(Run.VertebraeCsv, r => $"{r["series_key"]}/{r["vertebra"]}", reviews);
            if (File.Exists(Run.RadiographsCsv)) AddStateColumns(Run.RadiographsCsv, r => $"{r["series_key"]}/{r["image_key"]}/{r["vertebra"]}", reviews);
        }
    }

    /// <summary>Rewrites a table with review_state and reviewed_flags last (replacing them when there), every other cell as it was.</summary>
    private static void AddStateColumns(string path, Func<Dictionary<string, string>, string> key, Dictionary<string, RowReview> reviews)
    {
        var (header, rows) = Csv.Parse(File.ReadAllText(path));
        var kept = header.Select((h, i) => (h, i)).Where(p => !ReviewTable.StateColumns.Contains(p.h)).Select(p => p.i).ToList();
        IReadOnlyList<string> newHeader = [.. kept.Select(i => header[i]), .. ReviewTable.StateColumns];
        var newRows = rows.Select(r =>
        {
            var cells = header.Select((h, i) => (h, i)).ToDictionary(p => p.h, p => p.i < r.Count ? r[p.i] : "", StringComparer.Ordinal);
            var review = reviews.GetValueOrDefault(key(cells));
            var state = review?.State ?? ReviewStates.Unreviewed;
            IReadOnlyList<object?> row = [.. kept.Select(i => (object?)(i < r.Count ? r[i] : "")), state,
                state is ReviewStates.Unreviewed or ReviewStates.NeedsReReview ? "" : string.Join(';', review!.ReviewedFlags)];
            return row;
        });
        Csv.Write(path, newHeader, newRows);
    }
}

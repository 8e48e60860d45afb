using System.CommandLine;
using System.Runtime.InteropServices;
using CementQuant.Review;

namespace CementQuant.Cli;

/// <summary>
/// <c>cementquant review &lt;out-dir&gt; [--port N] [--reviewer NAME] [--db TARGET]</c>: serves the QA review of a finished run
/// on 127.0.0.1 (src/CementQuant.Review) until Ctrl+C; prints the address with its access token on standard output.
/// </summary>
internal static class ReviewCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("out-dir") { Description = "the output folder of a finished analyze run" };
        var port = new Option<int>("--port") { Description = "loopback TCP port [0: any free port]" };
        var reviewer = new Option<string?>("--reviewer") { Description = "who reviews: decisions are stored under this name [the login name]" };
        var db = new Option<string?>("--db") { Description = "the run's database, as given to analyze: SQLite path or PostgreSQL connection string [<out-dir>/cementquant.db]" };
        var cmd = new Command("review", "serve the QA review of a finished run on loopback: confirm or override each flag, decisions into the run's database and reviews.csv")
        {
            folder, port, reviewer, db,
        };
        cmd.SetAction(r => Program.Guard(() => Run(r.GetValue(folder)!, r.GetValue(port), r.GetValue(reviewer), r.GetValue(db))));
        return cmd;
    }

    private static int Run(string folder, int port, string? reviewer, string? db)
    {
        if (port is < 0 or > 65535) throw new CliException(ExitCodes.Usage, $"--port {port}: a TCP port 0..65535 is expected");
        var name = reviewer ?? Environment.UserName;
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100 || name.Any(char.IsControl))
            throw new CliException(ExitCodes.Usage, "--reviewer: a name of 1 to 100 printable characters is expected");
        if (!Directory.Exists(folder)) throw new CliException(ExitCodes.InputUnreadable, $"the run folder '{folder}' does not exist");
        if (!File.Exists(Path.Combine(folder, "vertebrae.csv")))
            throw new CliException(ExitCodes.NoInput, $"'{folder}' is not a finished run: no vertebrae.csv in it (run cementquant analyze first)");
        var options = new ReviewOptions(folder, db ?? Path.Combine(folder, "cementquant.db"), port, name);
        ReviewServer server;
        try
        {
            server = ReviewServer.StartAsync(options).GetAwaiter().GetResult();
        }
        catch (CementQuantException ex) when (ex is not CliException)
        {
            throw new CliException(ExitCodes.OutputUnwritable, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.OutputUnwritable, $"cannot write in '{folder}': {ex.Message}");
        }
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        Console.WriteLine($"CementQuant review of {server.Store.Run.Root}: {server.Store.Run.Rows.Count} rows, {server.Store.Run.Rows.Count(r => r.Flagged)} flagged; reviewer {options.Reviewer}");
        Console.WriteLine($"open {server.StartAddress}");
        Console.WriteLine("(loopback only; the address carries this session's access token. Ctrl+C stops.)");
        Console.Out.Flush();
        server.WaitAsync(stop.Token).GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Console.Error.WriteLine($"review stopped; decisions are in {Path.Combine(server.Store.Run.Root, "reviews.csv")} and the run's database");
        return ExitCodes.Success;
    }
}

using CementQuant.Reporting;
using Microsoft.Playwright;

namespace CementQuant.Review.Tests;

/// <summary>
/// The acceptance test of issue #18 in a real browser: a reviewer goes through every flagged row of the phantom run with
/// the keyboard only, overrides two flags (rejects one, adds a missed one), reloads, and the decisions are in the page,
/// in the database (SQLite, or PostgreSQL), in reviews.csv and in the review columns of vertebrae.csv and radiographs.csv.
/// With CQ_REVIEW_SCREENSHOTS=&lt;folder&gt; it also saves worklist.png and review.png there (docs/review/ is made so).
/// </summary>
[Collection(ReviewRunCollection.Name)]
public sealed class BrowserReviewTests(ReviewRunFixture fx)
{
    private const string Reviewer = "dr-keys";
    private const string RejectNote = "a streak, not a lump <script>alert(1)</script>";
    private const string AddNote = "small paravertebral leak & more";

    [BrowserFact]
    public Task KeyboardReview_Sqlite_DecisionsInPageDatabaseAndCsv() => ReviewEveryFlaggedRow(fx.Copy(), null);

    [BrowserPostgresFact]
    public async Task KeyboardReview_Postgres_DecisionsInPageDatabaseAndCsv()
    {
        using var pg = new Postgres();
        await ReviewEveryFlaggedRow(fx.Copy(), pg.Target);
    }

    private static async Task ReviewEveryFlaggedRow(string run, string? database)
    {
        await using var host = await ReviewHost.Start(run, Reviewer, database);
        var rows = host.Server.Store.Run.Rows;
        var flagged = rows.Where(r => r.Flagged).ToList();
        Assert.True(flagged.Count >= 2, "the phantom run should have flagged rows");
        var first = flagged[0];
        Assert.True(first.Flags.Count >= 2, "the first flagged row should have two flags or more");
        var rejected = first.Flags[1];
        var added = Decisions.KnownFlags.First(f => !first.Flags.Contains(f));
        await Drive(host, flagged, rejected, added);
        CheckStored(run, database, flagged, rejected, added);
    }

    /// <summary>The reviewer's part: keys only.</summary>
    private static async Task Drive(ReviewHost host, List<ReviewRow> flagged, string rejected, string added)
    {
        var rows = host.Server.Store.Run.Rows;
        var first = flagged[0];
        var (playwright, browser) = await Browser.Launch();
        try
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1500, Height = 1100 } });
            var alerts = new List<string>();
            page.Dialog += (_, d) => { alerts.Add(d.Message); _ = d.DismissAsync(); };
            var elsewhere = new List<string>();
            page.Request += (_, r) => { if (!r.Url.StartsWith(host.Server.Address.ToString(), StringComparison.Ordinal)) elsewhere.Add(r.Url); };

            await page.GotoAsync(host.Server.StartAddress.ToString());
            Assert.Equal(host.Server.Address.ToString(), page.Url);
            await page.Keyboard.PressAsync("Enter");
            for (var i = 0; i < flagged.Count; i++)
            {
                await At(page, i + 1);
                Assert.Contains(flagged[i].Vertebra, await page.Locator("#title").InnerTextAsync(), StringComparison.Ordinal);
                await page.Keyboard.PressAsync("Shift+C");
                await page.Locator("#position .state-confirmed").WaitForAsync();
                await page.WaitForLoadStateAsync(LoadState.Load);
                if (i + 1 < flagged.Count) await page.Keyboard.PressAsync("j");
            }

            // Back to the first row through the worklist, then override two of its flags.
            await page.Keyboard.PressAsync("w");
            await page.Locator("#worklist").WaitForAsync();
            await page.WaitForLoadStateAsync(LoadState.Load);
            await page.Keyboard.PressAsync("Enter");
            await At(page, 1);
            await page.Keyboard.PressAsync("ArrowDown");
            await page.Keyboard.PressAsync("r");
            await page.Keyboard.PressAsync("3");
            await page.Keyboard.TypeAsync(RejectNote);
            await page.Keyboard.PressAsync("Enter");
            await page.Locator($"#flags li[data-flag=\"{rejected}\"] .decision:text-is(\"reject\")").WaitForAsync();
            await page.WaitForLoadStateAsync(LoadState.Load);
            await page.Keyboard.PressAsync("a");
            await page.Keyboard.PressAsync("1");
            await page.Keyboard.PressAsync("1");
            await page.Keyboard.TypeAsync(AddNote);
            await page.Keyboard.PressAsync("Enter");
            await page.Locator($"#flags li[data-flag=\"{added}\"] .decision:text-is(\"add\")").WaitForAsync();

            // Reload: the decisions come back from the database.
            await page.ReloadAsync();
            var rejectedItem = await page.Locator($"#flags li[data-flag=\"{rejected}\"]").InnerTextAsync();
            Assert.Contains("reject (artefact)", rejectedItem, StringComparison.Ordinal);
            Assert.Contains(RejectNote, rejectedItem, StringComparison.Ordinal);
            Assert.Contains("add (seen on the images)", await page.Locator($"#flags li[data-flag=\"{added}\"]").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("overridden", await page.Locator("#position").InnerTextAsync(), StringComparison.Ordinal);
            foreach (var f in first.Flags.Where(f => f != rejected))
                Assert.Equal("confirm", await page.Locator($"#flags li[data-flag=\"{f}\"] .decision").InnerTextAsync());
            await Screenshot(page, "review.png");

            await page.Keyboard.PressAsync("w");
            await page.Locator("#worklist").WaitForAsync();
            foreach (var r in rows)
            {
                var state = await page.Locator($"#worklist tr[data-key=\"{r.Key}\"] td:nth-child(7)").InnerTextAsync();
                Assert.StartsWith(r == first ? "overridden" : r.Flagged ? "confirmed" : "unreviewed", state, StringComparison.Ordinal);
            }
            await Screenshot(page, "worklist.png");
            Assert.Empty(alerts);
            Assert.Empty(elsewhere);
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }

    private static void CheckStored(string run, string? database, List<ReviewRow> flagged, string rejected, string added)
    {
        var first = flagged[0];
        // The database: every decision appended, the two overrides last.
        using var db = ResultsDatabase.Open(database ?? Path.Combine(run, "cementquant.db"));
        var stored = db.ReadAll("reviews", "seq");
        Assert.Equal(flagged.Sum(r => r.Flags.Count + 1) + 2, stored.Count);
        Assert.All(stored, d => Assert.Equal(Reviewer, d["reviewer"]));
        Assert.All(stored, d => Assert.True(DateTimeOffset.TryParse(d["decided_at"], out _) && d["tool_version"].Length > 0));
        var (reject, add) = (stored[^2], stored[^1]);
        Assert.Equal((first.Key, rejected, "reject", "artefact", RejectNote), (reject["row_key"], reject["flag"], reject["decision"], reject["reason"], reject["note"]));
        Assert.Equal((first.Key, added, "add", "seen on the images", AddNote), (add["row_key"], add["flag"], add["decision"], add["reason"], add["note"]));

        // reviews.csv: the same rows.
        var csv = AgreementOnARunTests.Table(Path.Combine(run, "reviews.csv"));
        Assert.Equal(stored.Select(s => (s["seq"], s["row_key"], s["flag"], s["decision"], s["note"])), csv.Select(s => (s["seq"], s["row_key"], s["flag"], s["decision"], s["note"])));

        // The review columns.
        var vertebrae = AgreementOnARunTests.Table(Path.Combine(run, "vertebrae.csv"));
        var v = vertebrae.Single(r => $"{r["series_key"]}/{r["vertebra"]}" == first.Key);
        Assert.Equal("overridden", v["review_state"]);
        Assert.Equal(string.Join(';', first.Flags.Where(f => f != rejected).Append(added)), v["reviewed_flags"]);
        var radiographs = AgreementOnARunTests.Table(Path.Combine(run, "radiographs.csv"));
        Assert.All(radiographs.Where(r => r["flags"].Length > 0), r => Assert.Equal(("confirmed", r["flags"]), (r["review_state"], r["reviewed_flags"])));
    }

    private static Task At(IPage page, int position) => page.Locator($"#position:has-text(\"row {position} of\")").WaitForAsync();

    private static async Task Screenshot(IPage page, string name)
    {
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = false });
        Assert.True(bytes.Length > 1000 && bytes[0] == 0x89 && bytes[1] == (byte)'P', "a PNG screenshot");
        if (Environment.GetEnvironmentVariable("CQ_REVIEW_SCREENSHOTS") is { Length: > 0 } folder)
            await File.WriteAllBytesAsync(Path.Combine(Directory.CreateDirectory(folder).FullName, name), bytes);
    }
}

using System.Globalization;
using CementQuant.Reporting;

namespace CementQuant.Review.Tests;

/// <summary>Two reviewers with different decisions on the phantom run: κ, isolation, and the exported columns.</summary>
[Collection(ReviewRunCollection.Name)]
public sealed class AgreementOnARunTests(ReviewRunFixture fx)
{
    /// <summary>What the page's Shift+C does: confirm every flag of the row, and that nothing is missing.</summary>
    private static void ConfirmAll(ReviewStore store, string reviewer, ReviewRow row)
    {
        foreach (var f in row.Flags) store.Append(reviewer, row.Key, f, Decisions.Confirm, "", "");
        store.Append(reviewer, row.Key, "", Decisions.Confirm, "", "");
    }

    [Fact]
    public async Task TwoReviewers_DifferentDecisions_KappaEqualsTheHandComputedValue()
    {
        await using var host = await ReviewHost.Start(fx.Copy());
        var store = host.Server.Store;
        var rows = store.Run.Rows;
        // The phantom run: CT V1–V5 (V3 flagged NPEC and more) and one AP and one LAT radiograph row (LAT: NPEC).
        Assert.Equal(7, rows.Count);
        var lat = rows.Single(r => r.Kind == "LAT");
        var v3 = rows.Single(r => r.Kind == "CT" && r.Flags.Contains("NPEC"));
        var v1 = rows.First(r => r.Kind == "CT" && !r.Flagged);
        Assert.Equal(["NPEC"], lat.Flags);
        Assert.Equal(2, rows.Count(r => r.Flags.Contains("NPEC")));
        // Reviewer A confirms everything but rejects NPEC on the lateral view; B confirms everything and adds NPEC on an unflagged body.
        foreach (var r in rows) ConfirmAll(store, "A", r);
        store.Append("A", lat.Key, "NPEC", Decisions.Reject, "artefact", "gap is a projection effect");
        foreach (var r in rows) ConfirmAll(store, "B", r);
        store.Append("B", v1.Key, "NPEC", Decisions.Add, "seen on the images", "");

        // NPEC by hand over the 7 rows both judged: A says yes on V3 only; B on V3, LAT and V1.
        // Both yes 1, only B 2, both no 4: pₒ = 5/7; pₑ = (1·3 + 6·4)/49 = 27/49; κ = (35/49 − 27/49)/(22/49) = 8/22.
        var summary = Agreement.Summarise(rows, store.All);
        var ab = summary.Single(a => a.Flag == "NPEC" && a.RaterA == "A" && a.RaterB == "B");
        Assert.Equal((7, 5, 1, 0, 2), (ab.Rows, ab.Agreed, ab.BothPresent, ab.OnlyA, ab.OnlyB));
        Assert.Equal(8.0 / 22.0, ab.Kappa!.Value, 12);
        // Against CementQuant (yes on V3 and LAT): A 1 yes → pₑ = (1·2 + 6·5)/49 = 32/49, κ = (42 − 32)/(49 − 32) = 10/17;
        // B 3 yes → pₑ = (3·2 + 4·5)/49 = 26/49, κ = (42 − 26)/(49 − 26) = 16/23.
        Assert.Equal(10.0 / 17.0, summary.Single(a => a.Flag == "NPEC" && a.RaterA == "A" && a.RaterB == Agreement.CementQuant).Kappa!.Value, 12);
        Assert.Equal(16.0 / 23.0, summary.Single(a => a.Flag == "NPEC" && a.RaterA == "B" && a.RaterB == Agreement.CementQuant).Kappa!.Value, 12);
        // UNILATERAL: both reviewers agree with each other and CementQuant on both answers: κ = 1.
        Assert.Equal(1.0, summary.Single(a => a.Flag == "UNILATERAL" && a.RaterA == "A" && a.RaterB == "B").Kappa!.Value, 12);

        // The summary page shows the same figure.
        var (_, html) = await host.Get("/summary");
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"<td class=\"kappa\">{8.0 / 22.0:0.000}</td>"), html, StringComparison.Ordinal);

        // Isolation: each reviewer's view holds only their own decisions.
        Assert.All(store.Of("A"), d => Assert.Equal("A", d.Reviewer));
        Assert.Equal(ReviewStates.Overridden, new RowReview(lat, store.Of("A")).State);
        Assert.Equal(ReviewStates.Confirmed, new RowReview(lat, store.Of("B")).State);
        Assert.Equal(ReviewStates.Confirmed, new RowReview(v1, store.Of("A")).State);

        // The exported columns: everyone's latest decision per flag (B confirmed LAT's NPEC after A rejected it).
        var radiographs = Table(Path.Combine(host.Run, "radiographs.csv"));
        Assert.Equal(("confirmed", "NPEC"), (radiographs.Single(r => r["view"] == "LAT")["review_state"], radiographs.Single(r => r["view"] == "LAT")["reviewed_flags"]));
        var vertebrae = Table(Path.Combine(host.Run, "vertebrae.csv"));
        var v1Row = vertebrae.Single(r => $"{r["series_key"]}/{r["vertebra"]}" == v1.Key);
        Assert.Equal(("overridden", "NPEC"), (v1Row["review_state"], v1Row["reviewed_flags"]));
        Assert.Equal(store.All.Count, Table(Path.Combine(host.Run, "reviews.csv")).Count);
    }

    [Fact]
    public void ReviewColumns_EveryOtherCellOfTheTables_Unchanged()
    {
        var run = fx.Copy();
        var before = File.ReadAllLines(Path.Combine(run, "vertebrae.csv"));
        var store = new ReviewStore(RunFolder.Load(run), Path.Combine(run, "cementquant.db"));
        store.Export();
        store.Export();
        var after = File.ReadAllLines(Path.Combine(run, "vertebrae.csv"));
        Assert.Equal(before.Length, after.Length);
        Assert.Equal(before[0] + ",review_state,reviewed_flags", after[0]);
        for (var i = 1; i < before.Length; i++) Assert.Equal(before[i] + ",unreviewed,", after[i]);
    }

    internal static List<Dictionary<string, string>> Table(string path)
    {
        var (header, rows) = Csv.Parse(File.ReadAllText(path));
        return [.. rows.Select(r => header.Select((h, i) => (h, i)).ToDictionary(p => p.h, p => r[p.i]))];
    }
}

using CementQuant.Analysis.Pipeline;

namespace CementQuant.EndToEnd.Tests;

/// <summary>Which frontal and lateral views of a study are analysed together.</summary>
public sealed class RadiographPairingTests
{
    private static (string Name, RadiographInput Input) Image(string name, RadiographView view, int? series, int? instance = 1, string? time = null) =>
        (name, new RadiographInput(new RadiographImage { Pixels = new Image2D<float>(2, 2, 1, 1), View = view },
            time is null ? null : DateTime.Parse(time, System.Globalization.CultureInfo.InvariantCulture), series, instance));

    private static List<string> Names(params (string Name, RadiographInput Input)[] images) =>
        [.. RadiographPipeline.Pair([.. images.Select(i => i.Input)])
            .Select(p => $"{(p.Frontal is { } f ? images[f].Name : "-")}+{(p.Lateral is { } l ? images[l].Name : "-")}")];

    [Fact]
    public void Pair_AcquisitionTimes_NearestFrontalAndLateralTogether()
    {
        // Two visits in one study: the pre-discharge pair and the follow-up pair, series numbers misleading on purpose.
        var pairs = Names(
            Image("ap1", RadiographView.AP, 1, time: "2026-01-02T10:00:00"), Image("lat2", RadiographView.Lateral, 2, time: "2026-03-02T09:01:00"),
            Image("ap2", RadiographView.PA, 3, time: "2026-03-02T09:00:00"), Image("lat1", RadiographView.Lateral, 4, time: "2026-01-02T10:02:00"),
            Image("odd", RadiographView.Unknown, 5, time: "2026-01-02T10:01:00"));
        Assert.Equal(["ap2+lat2", "ap1+lat1", "odd+-"], pairs);
    }

    [Fact]
    public void Pair_NoTimes_SeriesThenInstanceNumbersDecide()
    {
        var pairs = Names(
            Image("ap-a", RadiographView.AP, 100), Image("ap-b", RadiographView.AP, 200), Image("ap-c", RadiographView.AP, 300),
            Image("lat-b", RadiographView.Lateral, 201), Image("lat-a1", RadiographView.Lateral, 101, 2), Image("lat-a2", RadiographView.Lateral, 101, 1));
        // The closest pairs first; what is left pairs with what remains (same study), an odd one out stays alone.
        Assert.Equal(["ap-a+lat-a2", "ap-b+lat-b", "ap-c+lat-a1"], pairs);
        Assert.Equal(["ap-a+-", "-+lat-x"], Names(Image("ap-a", RadiographView.AP, 1)).Concat(Names(Image("lat-x", RadiographView.Lateral, 1))));
    }
}

using CementQuant.Phantom;

namespace CementQuant.Phantom.Tests;

public class RadiographRendererTests
{
    private static PhantomCase Coarse(string name, Func<RadiographOptions, RadiographOptions>? change = null)
    {
        var c = PhantomCatalogue.Get(name);
        var r = c.Radiograph with { PixelSpacing = 2.0 };
        return c with { Radiograph = change is null ? r : change(r) };
    }

    /// <summary>Mean column of the pixels brighter than bone (the cement) near L3's projected centre.</summary>
    private static double CementColumn(RenderedRadiograph r, RadiographVertebraTruth l3)
    {
        var img = r.Image;
        var values = img.Data.Select(v => r.Photometric == Photometric.Monochrome1 ? 4095 - v : v).ToArray();
        var threshold = values.OrderBy(v => v).ElementAt((int)(values.Length * 0.995));
        double sum = 0; long n = 0;
        for (var y = (int)l3.ImageRow - 10; y <= (int)l3.ImageRow + 10; y++)
            for (var x = 0; x < img.Width; x++)
                if (values[y * img.Width + x] >= threshold) { sum += x; n++; }
        Assert.True(n > 0);
        return sum / n;
    }

    [Theory]
    [InlineData(false, "L\\F")]
    [InlineData(true, "R\\F")]
    public void Render_WorkedExampleAP_CementOnThePatientLeftSideOfTheImage(bool mirrored, string orientation)
    {
        var r = RadiographRenderer.Render(Coarse("worked-example", o => o with { Mirrored = mirrored }), View.AP, 1);
        Assert.Equal(orientation, r.PatientOrientation);
        var l3 = r.Truth.Single(t => t.Vertebra == "L3");
        Assert.Equal(1.0, l3.LeftFraction);
        Assert.False(l3.CrossesMidline);
        var col = CementColumn(r, l3);
        // "L" first: columns increase toward the patient's left, so the left-sided lump is right of the centre.
        if (!mirrored) Assert.True(col > l3.ImageCol);
        else Assert.True(col < l3.ImageCol);
    }

    [Fact]
    public void Render_WorkedExampleLateral_NpecAndGapsMatchTheVolumeTruth()
    {
        var r = RadiographRenderer.Render(Coarse("worked-example", o => o with { Photometric = Photometric.Monochrome1 }), View.Lateral, 1);
        Assert.Equal("P\\F", r.PatientOrientation);
        Assert.Equal("MONOCHROME1", r.PhotometricInterpretation);
        var l3 = r.Truth.Single(t => t.Vertebra == "L3");
        var t3 = Shared.WorkedExampleTruth["L3"];
        Assert.True(l3.Npec);
        Assert.False(l3.SuperiorContact);
        Assert.InRange(l3.SuperiorGapMm!.Value, t3.SuperiorGapMm!.Value - 0.5, t3.SuperiorGapMm.Value + 0.5);
        Assert.InRange(l3.InferiorGapMm!.Value, t3.InferiorGapMm!.Value - 0.5, t3.InferiorGapMm.Value + 0.5);
        Assert.InRange(l3.FillAreaPct, 10, 60);
        // MONOCHROME1 stores bone dark: the body centre is darker (lower) than the soft tissue in front of it.
        var img = r.Image;
        var centre = img[(int)l3.ImageCol, (int)l3.ImageRow];
        Assert.True(centre < img[Math.Max(0, (int)l3.ImageCol - 22), (int)l3.ImageRow]);
        Assert.Equal(2.0, r.ImagerPixelSpacing.Row);
    }

    [Fact]
    public void Render_BipedicularAP_LeftFractionHalf()
    {
        var r = RadiographRenderer.Render(Coarse("bipedicular-symmetric"), View.AP, 1);
        var l3 = r.Truth.Single(t => t.Vertebra == "L3");
        Assert.InRange(l3.LeftFraction!.Value, 0.49, 0.51);
        Assert.True(l3.CrossesMidline);
        Assert.InRange(l3.BodyAreaMm2, 900, 1600);
    }
}

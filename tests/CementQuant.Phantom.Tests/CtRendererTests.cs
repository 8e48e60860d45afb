using CementQuant.Phantom;

namespace CementQuant.Phantom.Tests;

public class CtRendererTests
{
    [Theory]
    [InlineData(PatientPosition.FFS, false)]
    [InlineData(PatientPosition.HFP, false)]
    [InlineData(PatientPosition.FFP, false)]
    [InlineData(PatientPosition.HFS, true)]
    [InlineData(PatientPosition.FFP, true)]
    public void Render_OrientationVariant_SamePatientSpaceContent(PatientPosition position, bool mirrored)
    {
        var reference = Shared.WorkedExampleHfs;
        var variant = CtRenderer.Render(Shared.WorkedExampleSlab(a => a with { PatientPosition = position, MirroredRows = mirrored }), 11);
        Assert.Equal(position.ToString(), variant.PatientPosition);
        var g = variant.Geometry;
        var rg = reference.Geometry;
        var sums = new double[2, 6];
        var counts = new long[2, 6];
        var hu = variant.Hu;
        for (var k = 0; k < hu.SizeZ; k++)
            for (var j = 0; j < hu.SizeY; j++)
                for (var i = 0; i < hu.SizeX; i++)
                {
                    var (ri, rj, rk) = rg.ToVoxel(g.ToPatient(i, j, k));
                    int ii = (int)Math.Round(ri), jj = (int)Math.Round(rj), kk = (int)Math.Round(rk);
                    Assert.True(Math.Abs(ri - ii) < 1e-6 && Math.Abs(rj - jj) < 1e-6 && Math.Abs(rk - kk) < 1e-6, "grids coincide in patient space");
                    var a = reference.Hu.IndexOf(ii, jj, kk); var b = hu.IndexOf(i, j, k);
                    Assert.Equal(reference.BodyLabels.Data[a], variant.BodyLabels.Data[b]);
                    Assert.Equal(reference.Cement.Data[a], variant.Cement.Data[b]);
                    var label = variant.BodyLabels.Data[b];
                    if (label is > 0 and < 6)
                    {
                        sums[0, label] += reference.Hu.Data[a]; counts[0, label]++;
                        sums[1, label] += hu.Data[b]; counts[1, label]++;
                    }
                }
        for (var label = 1; label < 6; label++)
        {
            if (counts[0, label] < 1000) continue;
            var diff = Math.Abs(sums[0, label] / counts[0, label] - sums[1, label] / counts[1, label]);
            Assert.True(diff < 3, $"mean HU of body {label} differs by {diff:F2}");
        }
    }

    [Fact]
    public void Render_MirroredRows_LumpStaysOnPatientLeft()
    {
        var ct = CtRenderer.Render(PhantomCatalogue.Get("mirrored-rows") with { Acquisition = Shared.WorkedExampleSlab(a => a with { MirroredRows = true }).Acquisition }, 3);
        var l3 = ct.Case.Model["L3"];
        double sumU = 0, sumI = 0; long n = 0;
        var hu = ct.Hu;
        for (var k = 0; k < hu.SizeZ; k++)
            for (var j = 0; j < hu.SizeY; j++)
                for (var i = 0; i < hu.SizeX; i++)
                {
                    var idx = hu.IndexOf(i, j, k);
                    if (ct.Cement.Data[idx] == 0) continue;
                    sumU += l3.Frame.ToLocal(ct.Geometry.ToPatient(i, j, k)).X;
                    sumI += i; n++;
                }
        Assert.True(n > 1000);
        Assert.True(sumU / n > 5, "cement centroid is on the patient's left of L3's midsagittal plane");
        // Mirrored HFS: columns run toward the patient's right, so the left-sided lump has low column indices.
        var midColumn = ct.Geometry.ToVoxel(l3.Frame.Origin).I;
        Assert.True(sumI / n < midColumn);
        Assert.True(ct.Geometry.ColumnStep.X < 0);
    }

    [Fact]
    public void Render_CementVoxelCount_MatchesTruthVolume()
    {
        var ct = Shared.WorkedExampleHfs;
        var truth = Shared.WorkedExampleTruth["L3"];
        long cement = 0, body = 0;
        for (var i = 0; i < ct.Cement.Data.Length; i++)
        {
            if (ct.Cement.Data[i] != 0 && ct.BodyLabels.Data[i] == 3) cement++;
            if (ct.BodyLabels.Data[i] == 3) body++;
        }
        var voxelMl = ct.Geometry.VoxelVolumeMm3 / 1000;
        Assert.InRange(cement * voxelMl / truth.CementVolumeMl, 0.97, 1.03);
        Assert.InRange(body * voxelMl / truth.BodyVolumeMl, 0.97, 1.03);
    }

    [Fact]
    public void Render_SameSeed_IsDeterministic()
    {
        var c = Shared.WorkedExampleSlab(a => a with { Slices = 16 });
        var a1 = CtRenderer.Render(c, 5);
        var a2 = CtRenderer.Render(c, 5);
        var b = CtRenderer.Render(c, 6);
        Assert.Equal(a1.Hu.Data, a2.Hu.Data);
        Assert.Equal(a1.Cement.Data, b.Cement.Data);
        Assert.NotEqual(a1.Hu.Data, b.Hu.Data);
    }

    [Fact]
    public void Render_WorkedExample_TissueValuesAreRealistic()
    {
        var ct = Shared.WorkedExampleHfs;
        double cementSum = 0, boneSum = 0; long nc = 0, nb = 0;
        foreach (var v in ct.Hu.Data) Assert.InRange(v, (short)-1024, (short)3071);
        for (var i = 0; i < ct.Hu.Data.Length; i++)
        {
            if (ct.Cement.Data[i] != 0) { cementSum += ct.Hu.Data[i]; nc++; }
            else if (ct.BodyLabels.Data[i] != 0) { boneSum += ct.Hu.Data[i]; nb++; }
        }
        Assert.InRange(cementSum / nc, 2000, 3071);
        Assert.InRange(boneSum / nb, 80, 400);
    }

    [Fact]
    public void Render_ThickSlices_KeepsGeometryAndVolume()
    {
        var c = PhantomCatalogue.Get("thick-slices-3mm");
        var ct = CtRenderer.Render(c with { Acquisition = c.Acquisition with { Slices = 24, FieldCenter = Shared.L3Centre(c) } }, 1);
        Assert.Equal(3.0, ct.Geometry.SliceSpacing, 9);
        long cement = 0;
        for (var i = 0; i < ct.Cement.Data.Length; i++) if (ct.Cement.Data[i] != 0) cement++;
        var ml = cement * ct.Geometry.VoxelVolumeMm3 / 1000;
        Assert.InRange(ml / Shared.WorkedExampleTruth["L3"].CementVolumeMl, 0.9, 1.1);
    }

    [Fact]
    public void Render_Streaks_ChangeOnlyTheImageNotTheMasks()
    {
        var plain = Shared.WorkedExampleSlab(a => a with { Slices = 12 });
        var streaky = plain with { Acquisition = plain.Acquisition with { CementStreaks = true } };
        var a = CtRenderer.Render(plain, 2);
        var b = CtRenderer.Render(streaky, 2);
        Assert.Equal(a.Cement.Data, b.Cement.Data);
        double diff = 0;
        for (var i = 0; i < a.Hu.Data.Length; i++) diff = Math.Max(diff, Math.Abs(a.Hu.Data[i] - b.Hu.Data[i]));
        Assert.True(diff > 50);
    }

    [Theory]
    [InlineData(PatientPosition.HFS, 1, 0, 0, 0, 1, 0)]
    [InlineData(PatientPosition.HFP, -1, 0, 0, 0, -1, 0)]
    [InlineData(PatientPosition.FFS, -1, 0, 0, 0, 1, 0)]
    [InlineData(PatientPosition.FFP, 1, 0, 0, 0, -1, 0)]
    public void Orientation_PatientPosition_StandardImageOrientationPatient(PatientPosition p, double rx, double ry, double rz, double cx, double cy, double cz)
    {
        var (row, col) = new AcquisitionOptions { PatientPosition = p }.Orientation();
        Assert.Equal(new Vec3(rx, ry, rz), row);
        Assert.Equal(new Vec3(cx, cy, cz), col);
        var (mrow, _) = new AcquisitionOptions { PatientPosition = p, MirroredRows = true }.Orientation();
        Assert.Equal(-row, mrow);
    }
}

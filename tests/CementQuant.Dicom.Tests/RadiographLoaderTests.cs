using CementQuant.Dicom.Series;

namespace CementQuant.Dicom.Tests;

public class RadiographLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cq-xr-loader").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>A 6×4 ramp: pixel (x, y) = 100·y + x.</summary>
    private string Write(string name, string photometric, string orientation, string view, (double, double) ips, double? magnification = null, int bits = 12)
    {
        var px = new ushort[6 * 4];
        for (var y = 0; y < 4; y++) for (var x = 0; x < 6; x++) px[y * 6 + x] = (ushort)(100 * y + x);
        var path = Path.Combine(_dir, name);
        RadiographWriter.Write(path, 6, 4, px, new RadiographWriteOptions
        {
            ImagerPixelSpacing = ips, PhotometricInterpretation = photometric, PatientOrientation = orientation,
            ViewPosition = view, MagnificationFactor = magnification, BitsStored = bits,
        });
        return path;
    }

    [Fact]
    public void Load_Monochrome2AP_ValuesOrientationAndSpacingAsStored()
    {
        var r = RadiographLoader.Load(Write("ap.dcm", "MONOCHROME2", "L\\F", "AP", (0.2, 0.15)));
        Assert.Equal(RadiographView.AP, r.View);
        Assert.Equal("ViewPosition", r.ViewSource);
        Assert.Equal(PatientDirection.Left, r.ColumnDirection);
        Assert.Equal(PatientDirection.Feet, r.RowDirection);
        Assert.Equal(0.2, r.Pixels.RowSpacing);
        Assert.Equal(0.15, r.Pixels.ColumnSpacing);
        Assert.False(r.Inverted);
        Assert.Equal(12, r.BitsStored);
        Assert.Equal(203f, r.Pixels[3, 2]);
        Assert.Contains(r.Notes, n => n.StartsWith("SPACING_AT_DETECTOR", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_Monochrome1_InvertedSoHigherIsDenser()
    {
        var r = RadiographLoader.Load(Write("m1.dcm", "MONOCHROME1", "P\\F", "LL", (0.2, 0.2)));
        Assert.True(r.Inverted);
        Assert.Equal(RadiographView.Lateral, r.View);
        Assert.Equal(PatientDirection.Posterior, r.ColumnDirection);
        // 12 bits: v ↦ 4095 − v.
        Assert.Equal(4095f - 203f, r.Pixels[3, 2]);
        Assert.True(r.Pixels[0, 0] > r.Pixels[5, 3]);
    }

    [Fact]
    public void Load_MagnificationFactor_DividesImagerPixelSpacing()
    {
        var r = RadiographLoader.Load(Write("mag.dcm", "MONOCHROME2", "L\\F", "AP", (0.3, 0.3), magnification: 1.5));
        Assert.Equal(0.2, r.Pixels.RowSpacing, 12);
        Assert.Equal(1.5, r.MagnificationFactor);
        Assert.Equal("ImagerPixelSpacing/EstimatedRadiographicMagnificationFactor", r.SpacingSource);
    }

    [Theory]
    [InlineData("R\\F", "PA", RadiographView.PA, PatientDirection.Right)]
    [InlineData("A\\F", "RL", RadiographView.Lateral, PatientDirection.Anterior)]
    [InlineData("L\\H", "", RadiographView.AP, PatientDirection.Left)]
    [InlineData("P\\H", "", RadiographView.Lateral, PatientDirection.Posterior)]
    public void Load_ViewFromViewPositionElseOrientation(string orientation, string view, RadiographView expected, PatientDirection column)
    {
        var r = RadiographLoader.Load(Write("v.dcm", "MONOCHROME2", orientation, view.Length > 0 ? view : " ", (0.2, 0.2)));
        Assert.Equal(expected, r.View);
        Assert.Equal(column, r.ColumnDirection);
        if (view.Length == 0) Assert.Equal("PatientOrientation", r.ViewSource);
    }

    [SharedDataFact]
    public void Load_ChestCrMonochrome1_InvertedMediastinumBrighterThanLungs()
    {
        var r = RadiographLoader.Load(SharedData.Path("conformance", "fo-dicom", "xray", "CR-MONO1-10-chest"));
        Assert.True(r.Inverted);
        Assert.Equal(RadiographView.PA, r.View);
        Assert.Equal(10, r.BitsStored);
        var d = r.ToDisplay();
        int w = r.Pixels.Width, h = r.Pixels.Height;
        double Mean(int x0, int x1) { double s = 0; var n = 0; for (var y = h / 3; y < 2 * h / 3; y++) for (var x = x0; x < x1; x++) { s += d[y * w + x]; n++; } return s / n; }
        // Spine and mediastinum (centre) bright, lungs (a quarter in from each side) dark, as a chest film is read.
        var centre = Mean(w / 2 - 10, w / 2 + 10);
        Assert.True(centre > Mean(w / 4 - 10, w / 4 + 10) + 30);
        Assert.True(centre > Mean(3 * w / 4 - 10, 3 * w / 4 + 10) + 30);
        Assert.Contains(r.Notes, n => n.StartsWith("SPACING_UNKNOWN", StringComparison.Ordinal));
    }

    [SharedDataTheory]
    [InlineData("conformance/fo-dicom/xray/GH342.dcm", 512, 512)]
    [InlineData("conformance/orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.4.70.dcm", 512, 400)]
    public void Load_CtScout_FrontalWithLeftAndFeetFromImageOrientation(string file, int width, int height)
    {
        var r = RadiographLoader.Load(SharedData.Path(file.Split('/')));
        Assert.True(r.IsLocalizer);
        Assert.Equal(RadiographView.AP, r.View);
        Assert.Equal("ImageOrientationPatient", r.ViewSource);
        Assert.Equal(PatientDirection.Left, r.ColumnDirection);
        Assert.Equal(PatientDirection.Feet, r.RowDirection);
        Assert.Equal(width, r.Pixels.Width);
        Assert.Equal(height, r.Pixels.Height);
        Assert.Equal("PixelSpacing", r.SpacingSource);
        // Bone brighter than air: the brightest percentile is well above the darkest.
        var sorted = r.Pixels.Data.OrderBy(v => v).ToArray();
        Assert.True(sorted[(int)(0.99 * sorted.Length)] > sorted[(int)(0.01 * sorted.Length)] + 200);
    }

    [SharedDataFact]
    public void Load_ModalityLutSequence_Applied()
    {
        var r = RadiographLoader.Load(SharedData.Path("conformance", "fo-dicom", "xray", "CR-ModalitySequenceLUT.dcm"));
        Assert.Contains("MODALITY_LUT applied", r.Notes);
        Assert.Equal(0.15, r.Pixels.RowSpacing);
        Assert.InRange(r.Pixels.Data.Max(), 0, 1023);
    }
}

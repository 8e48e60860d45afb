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

    [SharedDataFact]
    public void Group_CtScouts_UsableAsProjections()
    {
        var scan = DicomScanner.Scan([SharedData.Path("conformance", "fo-dicom", "xray", "GH342.dcm"), SharedData.Path("conformance", "orthanc-tests", "TransferSyntaxes", "1.2.840.10008.1.2.4.70.dcm")]);
        var groups = SeriesGrouper.Group(scan.Instances);
        Assert.Equal(2, groups.Count);
        Assert.All(groups, g => Assert.True(g.Kind == InstanceKind.Localizer && g.Usable, $"{g.Kind} usable {g.Usable}: {g.Reason}"));
    }

    /// <summary>A CT image is called a localizer when it lacks position, orientation or spacing; it is not a projection, so not analysed as one.</summary>
    [Fact]
    public void Group_CtImageWithoutGeometry_NotAnalysedAsProjection()
    {
        var path = Path.Combine(_dir, "ct-no-geometry.dcm");
        new DicomWriter()
            .AddStrings(DicomTag.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY", "AXIAL")
            .AddString(DicomTag.Modality, DicomVR.CS, "CT")
            .AddString(DicomTag.StudyInstanceUID, DicomVR.UI, "1.2.3.4")
            .AddString(DicomTag.SeriesInstanceUID, DicomVR.UI, "1.2.3.4.5")
            .AddUInt16(DicomTag.SamplesPerPixel, 1)
            .AddString(DicomTag.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2")
            .AddUInt16(DicomTag.Rows, 4).AddUInt16(DicomTag.Columns, 4)
            .AddUInt16(DicomTag.BitsAllocated, 16).AddUInt16(DicomTag.BitsStored, 12).AddUInt16(DicomTag.HighBit, 11).AddUInt16(DicomTag.PixelRepresentation, 0)
            .AddPixelData(new byte[32], sixteenBit: true)
            .Save(path, HeaderReader.CtImageStorage, "1.2.3.4.5.6");
        var g = Assert.Single(SeriesGrouper.Group(DicomScanner.Scan([path]).Instances));
        Assert.Equal(InstanceKind.Localizer, g.Kind);
        Assert.False(g.Usable);
    }

    [Theory]
    [InlineData("20260102101530.25", null, null, null, null, "2026-01-02T10:15:30.2500000")]
    [InlineData("20260102101530+0100", null, null, null, null, "2026-01-02T10:15:30.0000000")]
    [InlineData(null, "20260102", "10:15", null, null, "2026-01-02T10:15:00.0000000")]
    [InlineData(null, null, null, "20260103", "235959.5", "2026-01-03T23:59:59.5000000")]
    [InlineData(null, "20260102", null, null, null, null)]
    public void Read_AcquisitionDateTime_TypedAsAcquiredAt(string? dateTime, string? date, string? time, string? contentDate, string? contentTime, string? expected)
    {
        var w = new DicomWriter().AddString(DicomTag.Modality, DicomVR.CS, "DX");
        if (dateTime is not null) w.AddString(DicomTag.AcquisitionDateTime, DicomVR.DT, dateTime);
        if (date is not null) w.AddString(DicomTag.AcquisitionDate, DicomVR.DA, date);
        if (time is not null) w.AddString(DicomTag.AcquisitionTime, DicomVR.TM, time);
        if (contentDate is not null) w.AddString(DicomTag.ContentDate, DicomVR.DA, contentDate);
        if (contentTime is not null) w.AddString(DicomTag.ContentTime, DicomVR.TM, contentTime);
        var path = Path.Combine(_dir, "times.dcm");
        w.Save(path, HeaderReader.DigitalXRayForPresentation, "1.2.3.9");
        Assert.Equal(expected, HeaderReader.Read(path).AcquiredAt?.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
    }
}

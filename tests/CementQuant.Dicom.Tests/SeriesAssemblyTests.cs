using CementQuant.Dicom.Series;
using CsCheck;

namespace CementQuant.Dicom.Tests;

/// <summary>
/// Series assembly properties on synthetic volumes written with our writer: the volume in LPS does not
/// depend on file order or names, on how the rows are stored (mirrored), on head/feet-first slice order
/// or on signed vs unsigned storage; gaps and duplicate positions are reported, never interpolated.
/// </summary>
public sealed class SeriesAssemblyTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-series-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    internal static Volume<short> RandomVolume(int nx, int ny, int nz, ImageGeometry g, int seed)
    {
        var v = new Volume<short>(nx, ny, nz, g);
        var rng = new Random(seed);
        for (var i = 0; i < v.Data.Length; i++) v.Data[i] = (short)rng.Next(-1024, 3072);
        return v;
    }

    private static ImageGeometry Axial(double sx = 0.8, double sy = 0.8, double sz = 2.5) =>
        new(new Vec3(-100, -120, 300), new Vec3(sx, 0, 0), new Vec3(0, sy, 0), new Vec3(0, 0, sz));

    private CtVolume WriteAndLoad(Volume<short> v, CtSeriesWriteOptions? o = null, string? folder = null)
    {
        folder ??= Path.Combine(_tmp, Guid.NewGuid().ToString("N"));
        CtSeriesWriter.Write(folder, v, o ?? new CtSeriesWriteOptions());
        return Load(folder);
    }

    private static CtVolume Load(string folder)
    {
        var scan = DicomScanner.Scan(DicomScanner.EnumerateFiles([folder]));
        Assert.Empty(scan.Problems);
        var groups = SeriesGrouper.Group(scan.Instances);
        Assert.Single(groups);
        return CtVolumeLoader.Load(groups[0]);
    }

    private static void AssertSameInPatientSpace(Volume<short> expected, Volume<short> actual)
    {
        var r = VolumeComparer.Compare(expected, actual);
        Assert.True(r.MaxPositionErrorMm < 1e-3, $"positions differ by {r.MaxPositionErrorMm} mm ({r.Mapping})");
        Assert.Equal(0, r.Differences);
        Assert.Equal(expected.Length, r.Compared);
    }

    [Fact]
    public void Load_WrittenSeries_RoundTripsExactly()
    {
        var v = RandomVolume(17, 13, 9, Axial(), 1);
        var ct = WriteAndLoad(v);
        AssertSameInPatientSpace(v, ct.Hu);
        Assert.Equal(v.Data, ct.Hu.Data); // slices already ascend along the normal: same array
    }

    [Fact]
    public void Load_ShuffledFileNames_GivesSameVolume()
    {
        var v = RandomVolume(16, 16, 12, Axial(), 2);
        var ct = WriteAndLoad(v, new CtSeriesWriteOptions { ShuffleSeed = 7 });
        Assert.Equal(v.Data, ct.Hu.Data);
    }

    [Fact]
    public void Load_ShuffledFileNames_CarriesEachSlicesSopInstanceUidInVolumeOrderAndTheFrameOfReference()
    {
        var v = RandomVolume(8, 8, 10, Axial(), 3);
        var folder = Path.Combine(_tmp, "uids");
        var options = new CtSeriesWriteOptions { ShuffleSeed = 11 };
        CtSeriesWriter.Write(folder, v, options);
        var ct = Load(folder);
        // Truth from each file's own header: the slice at z lies at the volume's z position (the axial stack ascends in z).
        var byZ = DicomScanner.Scan(DicomScanner.EnumerateFiles([folder])).Instances
            .OrderBy(h => h.Position!.Value.Z).Select(h => h.SopInstanceUid).ToList();
        Assert.Equal(10, byZ.Distinct().Count());
        Assert.Equal(byZ, ct.SliceSopInstanceUids);
        Assert.Equal(options.FrameOfReferenceUid, ct.FrameOfReferenceUid);
        Assert.Equal(HeaderReader.CtImageStorage, ct.SopClassUid);
    }

    [Fact]
    public void Load_MirroredRowsAndFeetFirst_GivesSameVolumeInLps()
    {
        var a = RandomVolume(15, 11, 8, Axial(), 3);
        // The same patient-space content stored with the row direction negated and the slice order reversed.
        var g = a.Geometry;
        var gb = new ImageGeometry(g.ToPatient(a.SizeX - 1, 0, a.SizeZ - 1), -g.ColumnStep, g.RowStep, -g.SliceStep);
        var b = new Volume<short>(a.SizeX, a.SizeY, a.SizeZ, gb);
        for (var k = 0; k < a.SizeZ; k++)
            for (var j = 0; j < a.SizeY; j++)
                for (var i = 0; i < a.SizeX; i++)
                    b[i, j, k] = a[a.SizeX - 1 - i, j, a.SizeZ - 1 - k];
        var ct = WriteAndLoad(b, new CtSeriesWriteOptions { PatientPosition = "FFS" });
        AssertSameInPatientSpace(a, ct.Hu);
    }

    [Fact]
    public void Load_UnsignedStorageWithIntercept_GivesSameHu()
    {
        var v = RandomVolume(9, 9, 5, Axial(), 4);
        var ct = WriteAndLoad(v, new CtSeriesWriteOptions { SignedStorage = false, RescaleIntercept = -1024 });
        Assert.Equal(v.Data, ct.Hu.Data);
    }

    [Fact]
    public void Load_TwelveBitStorageWithJunkAboveBitsStored_MasksIt()
    {
        // BitsStored 12 unsigned, intercept −1024: HU −1024..3071 fit exactly in 12 bits.
        var v = RandomVolume(8, 8, 4, Axial(), 5);
        var ct = WriteAndLoad(v, new CtSeriesWriteOptions { SignedStorage = false, RescaleIntercept = -1024, BitsStored = 12 });
        Assert.Equal(v.Data, ct.Hu.Data);
    }

    [Fact]
    public void Load_MissingSlice_FailsNamingTheGap()
    {
        var v = RandomVolume(8, 8, 10, Axial(), 6);
        var folder = Path.Combine(_tmp, "gap");
        var files = CtSeriesWriter.Write(folder, v, new CtSeriesWriteOptions());
        File.Delete(files[4]);
        var ex = Assert.Throws<SeriesAssemblyException>(() => Load(folder));
        Assert.Contains("1 missing slice", ex.Message);
    }

    [Fact]
    public void Load_TwoSlicesAtOnePosition_FailsNamingBoth()
    {
        var v = RandomVolume(8, 8, 6, Axial(), 7);
        var folder = Path.Combine(_tmp, "dup");
        CtSeriesWriter.Write(folder, v, new CtSeriesWriteOptions { SeriesInstanceUid = "1.2.3.4", FilePrefix = "A" });
        // A second series object with the same UIDs and positions but different instances.
        var w = new Volume<short>(8, 8, 1, v.Geometry with { Origin = v.Geometry.ToPatient(0, 0, 2) });
        CtSeriesWriter.Write(Path.Combine(folder, "extra"), w, new CtSeriesWriteOptions { SeriesInstanceUid = "1.2.3.4", FilePrefix = "B", StudyInstanceUid = DicomFile.Open(Directory.GetFiles(folder)[0], true).Dataset.GetString(DicomTag.StudyInstanceUID)! });
        var scan = DicomScanner.Scan(DicomScanner.EnumerateFiles([folder]));
        var groups = SeriesGrouper.Group(scan.Instances);
        // Different frame of reference UIDs keep them apart; force one frame of reference to test the duplicate check.
        Assert.NotEmpty(groups);
        var merged = groups[0] with { Instances = [.. groups.SelectMany(g => g.Instances)] };
        var ex = Assert.Throws<SeriesAssemblyException>(() => CtVolumeLoader.Load(merged));
        Assert.Contains("same position", ex.Message);
    }

    [Fact]
    public void Load_GantryTilt_KeepsShearedGeometryExactAndNotesIt()
    {
        var g = new ImageGeometry(new Vec3(-50, -60, 100), new Vec3(0.9, 0, 0), new Vec3(0, 0.9, 0), new Vec3(0, 2.5 * Math.Sin(0.2), 2.5 * Math.Cos(0.2)));
        var v = RandomVolume(10, 10, 6, g, 8);
        var ct = WriteAndLoad(v);
        Assert.Equal(v.Data, ct.Hu.Data);
        Assert.True((ct.Geometry.SliceStep - g.SliceStep).Length < 1e-4);
        Assert.Contains(ct.Notes, n => n.StartsWith("GANTRY_TILT", StringComparison.Ordinal));
    }

    /// <summary>Any orientation, spacing, storage and file order: the loaded volume equals the written one in LPS.</summary>
    [Fact]
    public void Load_RandomGeometryAndStorage_MatchesInPatientSpace()
    {
        var gen = Gen.Select(Gen.Int[3, 9], Gen.Int[3, 9], Gen.Int[2, 6], Gen.Double[-Math.PI, Math.PI].Array[3], Gen.Double[0.3, 3.0].Array[3], Gen.Bool, Gen.Int);
        gen.Sample((nx, ny, nz, angles, spacing, signed, seed) =>
        {
            var (r, c, s) = Rotation(angles[0], angles[1], angles[2]);
            var geometry = new ImageGeometry(new Vec3(seed % 97, -(seed % 53), seed % 31), r * spacing[0], c * spacing[1], s * spacing[2]);
            var v = RandomVolume(nx, ny, nz, geometry, seed);
            var ct = WriteAndLoad(v, new CtSeriesWriteOptions { SignedStorage = signed, RescaleIntercept = signed ? 0 : -1024, ShuffleSeed = seed });
            AssertSameInPatientSpace(v, ct.Hu);
        }, iter: 25, seed: "0N0XIzNsQ0O2");
    }

    private static (Vec3, Vec3, Vec3) Rotation(double a, double b, double c)
    {
        Vec3 Rot(Vec3 v)
        {
            var (sa, ca) = Math.SinCos(a); var (sb, cb) = Math.SinCos(b); var (sc, cc) = Math.SinCos(c);
            v = new Vec3(v.X, ca * v.Y - sa * v.Z, sa * v.Y + ca * v.Z);
            v = new Vec3(cb * v.X + sb * v.Z, v.Y, -sb * v.X + cb * v.Z);
            return new Vec3(cc * v.X - sc * v.Y, sc * v.X + cc * v.Y, v.Z);
        }
        return (Rot(new Vec3(1, 0, 0)), Rot(new Vec3(0, 1, 0)), Rot(new Vec3(0, 0, 1)));
    }
}

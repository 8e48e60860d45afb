using CementQuant.Dicom.Series;
using CementQuant.Reporting;

namespace CementQuant.Dicom.Tests;

/// <summary>
/// The loader and NIfTI writer against trusted peers: dcm2niix's volume and affine for real series,
/// GDCM's decoded pixels for every transfer syntax of one CT slice.
/// </summary>
public sealed class ConvertAgainstPeersTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-convert-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    /// <summary>Our loader → our NIfTI writer → our NIfTI reader, the path `cementquant convert` takes.</summary>
    internal static Volume<short> ConvertOne(string folder, string tmp)
    {
        var files = DicomScanner.EnumerateFiles([folder]);
        var scan = DicomScanner.Scan(files);
        var groups = SeriesGrouper.Group(scan.Instances).Where(g => g.Kind is InstanceKind.CtSlice or InstanceKind.EnhancedCt).ToList();
        Assert.Single(groups);
        var ct = CtVolumeLoader.Load(groups[0]);
        var path = Path.Combine(tmp, $"ours-{Guid.NewGuid():N}.nii.gz");
        Nifti.Write(path, ct.Hu);
        return Nifti.Read(path).Volume;
    }

    private Volume<short> Dcm2niix(string folder)
    {
        var outDir = Directory.CreateDirectory(Path.Combine(_tmp, "d2n-" + Guid.NewGuid().ToString("N"))).FullName;
        Peer.Run("dcm2niix", "-z", "n", "-f", "out", "-o", outDir, folder);
        var nii = Directory.GetFiles(outDir, "*.nii");
        Assert.Single(nii);
        return Nifti.Read(nii[0]).Volume;
    }

    /// <summary>Enhanced (multi-frame) CT: positions and rescale from the functional groups.</summary>
    [SharedDataFact]
    public void Convert_EnhancedMultiframeCt_MatchesDcm2niix()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_tmp, "ect")).FullName;
        File.Copy(SharedData.Path("conformance", "pydicom-data", "eCT_Supplemental.dcm"), Path.Combine(folder, "ect.dcm"));
        var ours = ConvertOne(folder, _tmp);
        var theirs = Dcm2niix(folder);
        Assert.Equal(2, ours.SizeZ);
        var r = VolumeComparer.Compare(ours, theirs);
        Assert.True(r.MaxPositionErrorMm <= 0.01, $"affine differs by {r.MaxPositionErrorMm} mm ({r.Mapping})");
        Assert.True(r.Differences == 0, $"{r.Differences} of {r.Compared} voxels differ, max |Δ| {r.MaxAbsDifference}");
    }

    [SharedDataTheory]
    [InlineData("real-ct/visible-human-pelvis")]
    [InlineData("real-ct/totalsegmentator/example_ct_dicom_uncompressed_DERIVED")]
    [InlineData("real-ct/totalsegmentator/example_ct_dicom")]
    public void Convert_RealSeries_MatchesDcm2niixVoxelForVoxel(string folder)
    {
        var path = SharedData.Path(folder.Split('/'));
        var ours = ConvertOne(path, _tmp);
        var theirs = Dcm2niix(path);
        Assert.Equal((long)theirs.SizeX * theirs.SizeY * theirs.SizeZ, ours.Length);
        var r = VolumeComparer.Compare(ours, theirs);
        Assert.True(r.MaxPositionErrorMm <= 0.01, $"affine differs by {r.MaxPositionErrorMm} mm ({r.Mapping})");
        Assert.True(r.Differences == 0, $"{r.Differences} of {r.Compared} voxels differ, max |Δ| {r.MaxAbsDifference} ({r.Mapping})");
    }
}

/// <summary>One CT slice in 17 transfer syntaxes: convert must give GDCM's decoded pixels after rescale, where IPP/IOP/PixelSpacing put them.</summary>
public sealed class ConvertTransferSyntaxTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-ts-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        var dir = SharedData.Path("conformance", "cornerstoneWADOImageLoader_testImages");
        if (!Directory.Exists(dir)) { data.Add("(missing)"); return data; }
        foreach (var f in Directory.GetFiles(dir, "CTImage.dcm_*").Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(f));
        return data;
    }

    [SharedDataTheory]
    [MemberData(nameof(Files))]
    public void Convert_CtImageInEverySyntax_MatchesGdcmAfterRescale(string name)
    {
        var src = SharedData.Path("conformance", "cornerstoneWADOImageLoader_testImages", name);
        var folder = Directory.CreateDirectory(Path.Combine(_tmp, "in")).FullName;
        File.Copy(src, Path.Combine(folder, "slice.dcm"));
        var ours = ConvertAgainstPeersTests.ConvertOne(folder, _tmp);

        var raw = Path.Combine(_tmp, "raw.dcm");
        Peer.Run("gdcmconv", "--raw", "--force", src, raw);
        var reference = DicomFile.Open(raw);
        var h = Series.HeaderReader.FromFile(reference);
        var info = DicomPixelData.GetFrameInfo(reference.Dataset, raw);
        var bytes = new byte[info.FrameBytes];
        DicomPixelData.DecodeFrame(reference, info, 0, bytes);
        int Stored(int p) => info.BytesPerSample == 1
            ? bytes[p]
            : info.Signed ? BitConverter.ToInt16(bytes, 2 * p) : BitConverter.ToUInt16(bytes, 2 * p);

        // Geometry straight from the header: voxel (i, j) at IPP + i·Δc·row + j·Δr·col.
        var g = ours.Geometry;
        var rowCos = h.RowCosines!.Value; var colCos = h.ColumnCosines!.Value; var ipp = h.Position!.Value; var ps = h.PixelSpacing!.Value;
        foreach (var (i, j) in new[] { (0, 0), (info.Columns - 1, 0), (0, info.Rows - 1), (info.Columns - 1, info.Rows - 1) })
        {
            var expected = ipp + rowCos * (i * ps.Column) + colCos * (j * ps.Row);
            Assert.True((g.ToPatient(i, j, 0) - expected).Length < 0.01, $"voxel ({i},{j}) at {g.ToPatient(i, j, 0)}, header says {expected}");
        }

        var lossy = TransferSyntax.FromUid(DicomFile.Open(src, headerOnly: true).TransferSyntax.Uid).Lossy;
        // Lossy: two IDCT implementations may differ by one stored unit, which is RescaleSlope HU (2.0002 in the
        // 12-bit variants, 32.1 in the 8-bit one), plus half a unit of rounding to integer HU. With slope 1 that is 2 HU.
        var tolerance = lossy ? (int)Math.Ceiling(Math.Max(2, h.RescaleSlope + 0.5)) : 0;
        var maxDiff = 0;
        for (var p = 0; p < info.Rows * info.Columns; p++)
        {
            var v = Stored(p);
            var hu = (int)Math.Round(v * h.RescaleSlope + h.RescaleIntercept);
            maxDiff = Math.Max(maxDiff, Math.Abs(hu - ours.Data[p]));
        }
        Assert.True(maxDiff <= tolerance, $"{name}: max |Δ| = {maxDiff} HU against GDCM (allowed {tolerance})");
    }
}

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

    /// <summary>
    /// The written .nii.gz (concatenated Huffman-only gzip members, compressed on every core) read by
    /// other readers: Python's gzip module with numpy, and nibabel; both must give the loaded HU exactly.
    /// </summary>
    [SharedDataFact]
    public void Convert_RealSeries_PythonGzipAndNibabelReadTheLoadedHu()
    {
        var files = DicomScanner.EnumerateFiles([SharedData.Path("real-ct", "visible-human-pelvis")]);
        var group = SeriesGrouper.Group(DicomScanner.Scan(files).Instances).Single(g => g.Kind == InstanceKind.CtSlice);
        var hu = CtVolumeLoader.Load(group).Hu;
        var path = Path.Combine(_tmp, "pelvis.nii.gz");
        Nifti.Write(path, hu);
        Assert.Equal(hu.Data, Nifti.Read(path).Volume.Data);
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; // Debian's, where apt puts numpy and nibabel
        var raw = Path.Combine(_tmp, "gzip.raw");
        var shape = Peer.Run(python, "-c", """
            import gzip, sys, numpy as np
            b = gzip.open(sys.argv[1]).read()
            off = int(np.frombuffer(b[108:112], '<f4')[0])
            dims = np.frombuffer(b[40:48], '<i2')
            a = np.frombuffer(b[off:], '<i2')
            a.tofile(sys.argv[2])
            print(dims[1], dims[2], dims[3], a.size)
            """, path, raw).Trim();
        Assert.Equal($"{hu.SizeX} {hu.SizeY} {hu.SizeZ} {hu.Length}", shape);
        Assert.Equal(hu.Data, ReadInt16(raw));
        var nib = Path.Combine(_tmp, "nibabel.raw");
        shape = Peer.Run(python, "-c", """
            import sys, numpy as np, nibabel
            a = np.asanyarray(nibabel.load(sys.argv[1]).dataobj)
            a.astype('<i2').ravel(order='F').tofile(sys.argv[2])
            print(*a.shape, a.dtype)
            """, path, nib).Trim();
        Assert.Equal($"{hu.SizeX} {hu.SizeY} {hu.SizeZ} int16", shape);
        Assert.Equal(hu.Data, ReadInt16(nib));
    }

    private static short[] ReadInt16(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var v = new short[bytes.Length / 2];
        Buffer.BlockCopy(bytes, 0, v, 0, v.Length * 2);
        return v;
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

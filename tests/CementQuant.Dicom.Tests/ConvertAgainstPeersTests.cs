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

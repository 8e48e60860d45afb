using CementQuant.Dicom.Series;

namespace CementQuant.Dicom.Tests;

/// <summary>
/// A series we wrote, re-encoded by trusted peers (dcmtk, GDCM) into other transfer syntaxes, loads to the
/// same HU volume: the peers both validate our writer and exercise our reader on their encoders' output.
/// </summary>
public sealed class TranscodedSeriesTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-transcode-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    public static TheoryData<string, string> Transcoders() => new()
    {
        { "dcmconv", "+ti" },       // implicit VR little endian
        { "dcmconv", "+tb" },       // explicit VR big endian
        { "dcmconv", "+td" },       // deflated explicit VR little endian
        { "dcmcrle", "" },          // RLE lossless
        { "dcmcjpeg", "+el" },      // JPEG lossless process 14 (selection value 6 by default)
        { "dcmcjpeg", "+e1" },      // JPEG lossless process 14, selection value 1
        { "dcmcjpls", "" },         // JPEG-LS lossless
        { "gdcmconv", "--j2k" },    // JPEG 2000 lossless
    };

    [Theory]
    [MemberData(nameof(Transcoders))]
    public void Load_SeriesTranscodedByPeer_GivesSameHu(string tool, string option)
    {
        var geometry = new ImageGeometry(new Vec3(-30, -40, 10), new Vec3(0.7, 0, 0), new Vec3(0, 0.7, 0), new Vec3(0, 0, 1.25));
        var v = SeriesAssemblyTests.RandomVolume(32, 24, 5, geometry, 11);
        var src = Path.Combine(_tmp, "src");
        var dst = Directory.CreateDirectory(Path.Combine(_tmp, "dst")).FullName;
        var files = CtSeriesWriter.Write(src, v, new CtSeriesWriteOptions());
        foreach (var f in files)
        {
            var outPath = Path.Combine(dst, Path.GetFileName(f));
            string[] args = tool == "gdcmconv" ? [option, f, outPath] : option.Length > 0 ? [option, f, outPath] : [f, outPath];
            Peer.Run(tool, args);
        }
        var expectedSyntax = DicomFile.Open(Path.Combine(dst, Path.GetFileName(files[0])), headerOnly: true).TransferSyntax;
        Assert.NotEqual(TransferSyntax.ExplicitVRLittleEndian, expectedSyntax);

        var scan = DicomScanner.Scan(DicomScanner.EnumerateFiles([dst]));
        Assert.Empty(scan.Problems);
        var groups = SeriesGrouper.Group(scan.Instances);
        var ct = CtVolumeLoader.Load(Assert.Single(groups));
        Assert.Equal(v.Data, ct.Hu.Data);
    }
}

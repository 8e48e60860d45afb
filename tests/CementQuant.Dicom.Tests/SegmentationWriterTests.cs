using CementQuant.Dicom.Outputs;

namespace CementQuant.Dicom.Tests;

/// <summary>
/// The SEG writer on a synthetic oblique CT grid: our reader decodes every segment back to the masks it was given,
/// voxel for voxel; dciodvfy (dicom3tools) reports no errors; dcmdump parses it. Missing tools fail under CI.
/// </summary>
public sealed class SegmentationWriterTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-seg-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private const int Nx = 37, Ny = 29, Nz = 11; // odd sizes: frames are not byte aligned

    private static readonly ImageGeometry Grid = ImageGeometry.FromDicom(new Vec3(-100.5, -80.25, 300),
        new Vec3(1, 0, 0), new Vec3(0, 0.995037, -0.0995037), 0.7, 0.8, new Vec3(0, 0.0995037 * 1.25, 0.995037 * 1.25));

    private static DicomSourceIdentity Source() => new("TEST^PATIENT", "PID123", "19400101", "F",
        DicomWriter.UidFrom("segtest/study"), "20260101", "101010", "1", "ACC1", "",
        DicomWriter.UidFrom("segtest/ct"), DicomWriter.UidFrom("segtest/for"), "1.2.840.10008.5.1.4.1.1.2",
        [.. Enumerable.Range(0, Nz).Select(z => DicomWriter.UidFrom($"segtest/ct/{z}"))]);

    /// <summary>Three random blobs (a body, in-body cement, a leak), each confined to some slices.</summary>
    private static byte[][] Masks(int seed)
    {
        var r = new Random(seed);
        var masks = new byte[3][];
        for (var s = 0; s < 3; s++)
        {
            masks[s] = new byte[Nx * Ny * Nz];
            var z0 = r.Next(Nz); var z1 = r.Next(z0, Nz);
            for (var z = z0; z <= z1; z++)
                for (var i = 0; i < Nx * Ny; i++)
                    if (r.Next(5) == 0) masks[s][z * Nx * Ny + i] = 1;
        }
        return masks;
    }

    private static readonly DicomCode Anatomical = new("91723000", "SCT", "Anatomical Structure");
    private static readonly DicomCode Vertebra = new("51282000", "SCT", "Vertebra");

    private string WriteSeg(byte[][] masks, string name)
    {
        var path = Path.Combine(_tmp, name);
        var segments = masks.Select((m, s) => new SegmentDefinition($"segment {s + 1}", Anatomical, Vertebra, Vertebra,
            (z, slice) => m.AsSpan(z * Nx * Ny, Nx * Ny).CopyTo(slice))).ToList();
        SegmentationWriter.Write(path, name, Source(), Nx, Ny, Grid, segments, new DateTime(2026, 1, 2, 3, 4, 5));
        return path;
    }

    /// <summary>Our reader: each frame's segment number and position → slice, 1-bit pixels unpacked.</summary>
    internal static byte[][] Decode(string path, int segments, ImageGeometry grid, int nx, int ny, int nz)
    {
        var f = DicomFile.Open(path);
        var ds = f.Dataset;
        Assert.Equal(SegmentationWriter.SopClassUid, ds.GetString(DicomTag.SOPClassUID));
        Assert.Equal((ushort?)1, ds.GetUInt16(DicomTag.BitsAllocated));
        var frames = ds.GetSequence(DicomTag.PerFrameFunctionalGroupsSequence);
        Assert.Equal(frames.Count, ds.GetInt(DicomTag.NumberOfFrames, "frames"));
        var bits = ds.Get(DicomTag.PixelData)!.Value.Span;
        var result = Enumerable.Range(0, segments).Select(_ => new byte[nx * ny * nz]).ToArray();
        long bit = 0;
        foreach (var frame in frames)
        {
            var segment = frame.GetItem(new DicomTag(0x0062, 0x000A))!.GetUInt16(new DicomTag(0x0062, 0x000B))!.Value;
            var p = frame.GetItem(DicomTag.PlanePositionSequence)!.GetNumbers(DicomTag.ImagePositionPatient, 3, "position")!;
            var (i, j, k) = grid.ToVoxel(new Vec3(p[0], p[1], p[2]));
            Assert.True(Math.Abs(i) < 1e-3 && Math.Abs(j) < 1e-3 && Math.Abs(k - Math.Round(k)) < 1e-3, $"frame position {i},{j},{k} is not a slice origin");
            var z = (int)Math.Round(k);
            for (var v = 0; v < nx * ny; v++, bit++)
                if ((bits[(int)(bit >> 3)] >> (int)(bit & 7) & 1) != 0) result[segment - 1][z * nx * ny + v] = 1;
        }
        return result;
    }

    [Fact]
    public void SegmentsDecodeToTheSameMasksAndRewriteIdentically()
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var masks = Masks(seed);
            var path = WriteSeg(masks, $"s{seed}.dcm");
            var decoded = Decode(path, 3, Grid, Nx, Ny, Nz);
            for (var s = 0; s < 3; s++) Assert.True(masks[s].AsSpan().SequenceEqual(decoded[s]), $"seed {seed} segment {s + 1} differs");
            var again = WriteSeg(masks, $"s{seed}.dcm".Replace("s", "t", StringComparison.Ordinal));
            // Same key → same bytes: UIDs are derived, not random.
            var third = Path.Combine(_tmp, "x", $"s{seed}.dcm");
            Directory.CreateDirectory(Path.GetDirectoryName(third)!);
            var segments = masks.Select((m, s) => new SegmentDefinition($"segment {s + 1}", Anatomical, Vertebra, Vertebra,
                (z, slice) => m.AsSpan(z * Nx * Ny, Nx * Ny).CopyTo(slice))).ToList();
            SegmentationWriter.Write(third, $"s{seed}.dcm", Source(), Nx, Ny, Grid, segments, new DateTime(2026, 1, 2, 3, 4, 5));
            Assert.True(File.ReadAllBytes(path).AsSpan().SequenceEqual(File.ReadAllBytes(third)), "rewriting changed the bytes");
            Assert.False(File.ReadAllBytes(path).AsSpan().SequenceEqual(File.ReadAllBytes(again)), "a different key must give different UIDs");
        }
    }

    [Fact]
    public void DciodvfyReportsNoErrors()
    {
        if (Peer.Find("dciodvfy") is null)
        {
            Assert.False(Peer.Required, "dciodvfy (dicom3tools) is not installed, and CI requires it");
            return;
        }
        var path = WriteSeg(Masks(7), "v.dcm");
        var report = Peer.Run("sh", "-c", "dciodvfy \"$0\" 2>&1; true", path);
        var errors = report.Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, "dciodvfy errors:\n" + report);
        Assert.Contains("Segmentation", report);
        Peer.Run("dcmdump", path);
        Keep(path);
    }

    /// <summary>With CQ_KEEP_DICOM=folder, a copy of a checked file stays there for inspection.</summary>
    internal static void Keep(string path)
    {
        if (Environment.GetEnvironmentVariable("CQ_KEEP_DICOM") is { Length: > 0 } keep)
            File.Copy(path, Path.Combine(Directory.CreateDirectory(keep).FullName, Path.GetFileName(path)), overwrite: true);
    }

    [Fact]
    public void PydicomReadsTheSegAndDecodesTheSameFrames()
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; // Debian's, where apt puts pydicom
        var hasPydicom = Peer.Find("python3") is not null && TryRun(python, "-c", "import pydicom, numpy");
        if (!hasPydicom)
        {
            Assert.False(Peer.Required, "python3-pydicom is not installed, and CI requires it");
            return;
        }
        var masks = Masks(11);
        var path = WriteSeg(masks, "p.dcm");
        // Per frame: referenced segment, then the count of set pixels, as pydicom decodes them.
        var output = Peer.Run(python, "-c", """
            import sys, pydicom
            d = pydicom.dcmread(sys.argv[1])
            a = d.pixel_array.reshape(int(d.NumberOfFrames), d.Rows, d.Columns)
            for f, g in enumerate(d.PerFrameFunctionalGroupsSequence):
                print(g.SegmentIdentificationSequence[0].ReferencedSegmentNumber, int(a[f].sum()))
            """, path);
        var frames = DicomFile.Open(path).Dataset.GetSequence(DicomTag.PerFrameFunctionalGroupsSequence);
        var expected = frames.Select(fr =>
        {
            var segment = fr.GetItem(new DicomTag(0x0062, 0x000A))!.GetUInt16(new DicomTag(0x0062, 0x000B))!.Value;
            var p = fr.GetItem(DicomTag.PlanePositionSequence)!.GetNumbers(DicomTag.ImagePositionPatient, 3, "position")!;
            var z = (int)Math.Round(Grid.ToVoxel(new Vec3(p[0], p[1], p[2])).K);
            return $"{segment} {masks[segment - 1].AsSpan(z * Nx * Ny, Nx * Ny).Count((byte)1)}";
        });
        Assert.Equal(string.Join('\n', expected), output.Trim());
    }

    private static bool TryRun(string tool, params string[] args)
    {
        try { Peer.Run(tool, args); return true; }
        catch (InvalidOperationException) { return false; }
    }

    [Fact]
    public void MeasurementReportPassesDciodvfyAndDsrdump()
    {
        if (Peer.Find("dciodvfy") is null || Peer.Find("dsrdump") is null)
        {
            Assert.False(Peer.Required, "dciodvfy (dicom3tools) or dsrdump (dcmtk) is not installed, and CI requires them");
            return;
        }
        var segPath = WriteSeg(Masks(3), "m.dcm");
        var (segSeries, segInstance) = SegmentationWriter.Uids("m.dcm");
        var volume = new DicomCode("118565006", "SCT", "Volume");
        var ml = new DicomCode("mL", "UCUM", "milliliter");
        var groups = new[] { 1, 2 }.Select(i => new ReportGroup($"L{i}", Vertebra, i,
            [new ReportNumber(volume, 1.25 * i, ml)],
            [new ReportEvaluation(new DicomCode("FLAG", "99CQ", "Leak"), new DicomCode("373066001", "SCT", "Yes"))])).ToList();
        var path = Path.Combine(_tmp, "sr.dcm");
        MeasurementReportWriter.Write(path, "sr", Source(), new DicomCode("77477000", "SCT", "Computerized axial tomography"),
            new SegReference(segSeries, segInstance), groups, new DateTime(2026, 1, 2, 3, 4, 5));
        Keep(path);
        var report = Peer.Run("sh", "-c", "dciodvfy \"$0\" 2>&1; true", path);
        var errors = report.Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, "dciodvfy errors:\n" + report);
        var tree = Peer.Run("dsrdump", path);
        if (TryRun(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3", "-c", "import pydicom"))
            Assert.Equal("SR", Peer.Run(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3", "-c",
                "import sys, pydicom; print(pydicom.dcmread(sys.argv[1]).Modality)", path).Trim());
        Assert.Contains("Imaging Measurement Report", tree);
        Assert.Contains("Tracking Identifier", tree);
        Assert.Contains("\"2.5\"", tree);
    }
}

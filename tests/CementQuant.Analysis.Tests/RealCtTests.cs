using CementQuant.Analysis.Vertebrae;
using CementQuant.Dicom.Series;
using CementQuant.Reporting;
using Xunit.Abstractions;

namespace CementQuant.Analysis.Tests;

/// <summary>
/// Detection on real CT against TotalSegmentator's reference maps (vertebra labels ∩ vertebral body class).
/// example_ct.nii.gz: 122×101×112 voxels of 3 mm, LPS steps (−3, 0, 0), (0, −3, 0), (0, 0, 3); labels 26 S1 … 32 T12
/// and 33 T11 (only 76 voxels at the top edge, no body voxels); a metal hip prosthesis below the sacrum.
/// </summary>
public sealed class RealCtTests(ITestOutputHelper output)
{
    private static readonly string Ts = Path.Combine("real-ct", "totalsegmentator");

    private static Lazy<(Volume<short> Ct, Volume<short> Labels, Volume<short> Body)> Example { get; } = new(() =>
    (
        Nifti.Read(SharedData.Path(Ts, "example_ct.nii.gz")).Volume,
        Nifti.Read(SharedData.Path(Ts, "spine_report_example_ct_report_totalseg.nii.gz")).Volume,
        Nifti.Read(SharedData.Path(Ts, "spine_report_example_ct_report_totalseg_vertebrae_body.nii.gz")).Volume
    ));

    /// <summary>One detection run on example_ct shared by the tests that inspect it.</summary>
    private static Lazy<VertebraLocatorResult> ExampleResult { get; } = new(() => VertebraLocator.Locate(Example.Value.Ct, VertebraLocatorOptions.Default));

    private static Volume<short> LoadDicom(string folder)
    {
        var scan = DicomScanner.Scan(DicomScanner.EnumerateFiles([folder]));
        var groups = SeriesGrouper.Group(scan.Instances);
        return CtVolumeLoader.Load(groups[0]).Hu;
    }

    /// <summary>Reference body of one label: voxel flags, count and centroid.</summary>
    private static (bool[] Mask, long Count, Vec3 Centroid) Reference(Volume<short> labels, Volume<short> body, int id)
    {
        var m = new bool[labels.Data.Length];
        double sx = 0, sy = 0, sz = 0; long n = 0;
        for (var k = 0; k < labels.SizeZ; k++)
            for (var j = 0; j < labels.SizeY; j++)
                for (var i = 0; i < labels.SizeX; i++)
                {
                    var idx = labels.IndexOf(i, j, k);
                    if (labels.Data[idx] != id || body.Data[idx] != 1) continue;
                    m[idx] = true; sx += i; sy += j; sz += k; n++;
                }
        return (m, n, n == 0 ? default : labels.Geometry.ToPatient(sx / n, sy / n, sz / n));
    }

    private static double Dice(Volume<short> grid, RoiMask roi, bool[] reference, long refCount)
    {
        long inter = 0, a = 0;
        for (var z = 0; z < roi.SizeZ; z++)
            for (var y = 0; y < roi.SizeY; y++)
                for (var x = 0; x < roi.SizeX; x++)
                {
                    if (roi.Mask[(z * roi.SizeY + y) * roi.SizeX + x] == 0) continue;
                    a++;
                    if (reference[grid.IndexOf(x + roi.X0, y + roi.Y0, z + roi.Z0)]) inter++;
                }
        return 2.0 * inter / (a + refCount);
    }

    // Per level: label id and name. Each must meet the acceptance: Dice ≥ 0.85 and volume within 20 %
    // of the reference body. T12, cut by the top of the scan, only has to be found and flagged (see below).
    public static TheoryData<int, string> ExampleLevels => new()
    {
        { 31, "L1" },
        { 30, "L2" },
        { 29, "L3" },
        { 28, "L4" },
        { 27, "L5" },
    };

    public static TheoryData<string, int, string> ReformatLevels()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var host in (string[])["example_ct/sagittal", "example_ct/coronal"])
            foreach (var (id, name) in (ReadOnlySpan<(int, string)>)[(31, "L1"), (30, "L2"), (29, "L3"), (28, "L4"), (27, "L5")])
                data.Add(host, id, name);
        return data;
    }

    /// <summary>
    /// Issue 14's acceptance on reformats: example_ct re-stored as sagittal and as coronal slices (the same voxels, another
    /// storage order) must give each level like TotalSegmentator's maps on the original grid: labelled right (counted),
    /// Dice ≥ 0.85 and centroid within 20 mm, compared in patient space.
    /// </summary>
    [SharedDataTheory]
    [MemberData(nameof(ReformatLevels))]
    public void Locate_ExampleCtReformat_FindsBodyLikeReference(string host, int id, string name)
    {
        var (ct, labels, body) = Example.Value;
        var (mask, count, centroid) = Reference(labels, body, id);
        var (found, _) = RealCtNoCementTests.Analyze(host);
        var roi = Assert.Single(found.Vertebrae, v => v.Label == name);
        Assert.Equal("counted", roi.LabelSource);
        var grid = RealCtNoCementTests.Load(host).Geometry;
        long inter = 0, a = 0;
        for (var z = 0; z < roi.Body.SizeZ; z++)
            for (var y = 0; y < roi.Body.SizeY; y++)
                for (var x = 0; x < roi.Body.SizeX; x++)
                {
                    if (roi.Body.Mask[(z * roi.Body.SizeY + y) * roi.Body.SizeX + x] == 0) continue;
                    a++;
                    var (i, j, k) = ct.Geometry.ToVoxel(grid.ToPatient(x + roi.Body.X0, y + roi.Body.Y0, z + roi.Body.Z0));
                    int ii = (int)Math.Round(i), jj = (int)Math.Round(j), kk = (int)Math.Round(k);
                    if (ii >= 0 && jj >= 0 && kk >= 0 && ii < ct.SizeX && jj < ct.SizeY && kk < ct.SizeZ && mask[ct.IndexOf(ii, jj, kk)]) inter++;
                }
        var dice = 2.0 * inter / (a + count);
        var dist = (roi.Centroid - centroid).Length;
        output.WriteLine($"{host} {name}: Dice {dice:0.000}, centroid off {dist:0.0} mm, volume {roi.VolumeMl:0.0} mL");
        Assert.True(dice >= 0.85, $"{name}: Dice {dice:0.000}");
        Assert.True(dist <= 20, $"{name}: centroid {dist:0.0} mm from the reference");
    }

    [SharedDataTheory]
    [MemberData(nameof(ExampleLevels))]
    public void Locate_ExampleCt_FindsBodyLikeReference(int id, string name)
    {
        const double MinDice = 0.85, MaxVolumeError = 0.20;
        var (ct, labels, body) = Example.Value;
        var r = ExampleResult.Value;
        var (mask, count, centroid) = Reference(labels, body, id);
        var roi = Assert.Single(r.Vertebrae, v => v.Label == name);
        Assert.Equal("counted", roi.LabelSource);
        var dice = Dice(ct, roi.Body, mask, count);
        var refMl = count * ct.Geometry.VoxelVolumeMm3 / 1000;
        var dist = (roi.Centroid - centroid).Length;
        output.WriteLine($"{name}: Dice {dice:0.000}, centroid off {dist:0.0} mm, volume {roi.VolumeMl:0.0} mL vs {refMl:0.0} mL");
        // The two masks differ in their boundary voxels, so the centroids may differ by about one voxel on either
        // side: two voxel steps, not the 20 mm (a neighbour's half-height) this limit used to be.
        var step = Math.Max(ct.Geometry.SliceSpacing, Math.Max(ct.Geometry.RowSpacing, ct.Geometry.ColumnSpacing));
        Assert.True(dist <= 2 * step, $"{name}: centroid {dist:0.0} mm from the reference (limit {2 * step:0.0} mm)");
        Assert.True(Math.Abs(roi.VolumeMl - refMl) <= MaxVolumeError * refMl, $"{name}: volume {roi.VolumeMl:0.0} vs {refMl:0.0} mL");
        Assert.True(dice >= MinDice, $"{name}: Dice {dice:0.000}");
        Assert.DoesNotContain(VertebraQc.PartialFov, roi.Qc);
    }

    [SharedDataFact]
    public void Locate_ExampleCt_RecognisesSacrumFlagsCutT12AndIgnoresProsthesis()
    {
        var (ct, labels, body) = Example.Value;
        var r = ExampleResult.Value;
        Assert.Equal(["T12", "L1", "L2", "L3", "L4", "L5", "S1"], r.Vertebrae.Select(v => v.Label));
        var s1 = r.Vertebrae[^1];
        Assert.True(s1.IsSacrum);
        Assert.Single(r.Vertebrae, v => v.IsSacrum);
        var (_, _, s1Ref) = Reference(labels, body, 26);
        Assert.True((s1.Centroid - s1Ref).Length <= 20, $"S1 centroid {(s1.Centroid - s1Ref).Length:0.0} mm off");
        var t12 = r.Vertebrae[0];
        Assert.Contains(VertebraQc.PartialFov, t12.Qc);
        var (t12Mask, t12Count, t12Ref) = Reference(labels, body, 32);
        output.WriteLine($"T12 (cut): Dice {Dice(ct, t12.Body, t12Mask, t12Count):0.000}, centroid off {(t12.Centroid - t12Ref).Length:0.0} mm");
        Assert.True((t12.Centroid - t12Ref).Length <= 20);
        // The prosthesis lies below the sacrum, 60–100 mm off the midline: nothing may be reported there.
        Assert.All(r.Vertebrae, v => Assert.True(Math.Abs(v.Centroid.X) < 30 && v.Centroid.Z > 200, $"{v.Label} at {v.Centroid}"));
        Assert.All(r.Vertebrae, v => Assert.True(v.MidsagittalNormal.X > 0.9, $"{v.Label}: normal {v.MidsagittalNormal}"));
    }

    [SharedDataFact]
    public void Import_ExampleCtReferenceMaps_ReproducesTheReferenceBodies()
    {
        var (ct, labels, body) = Example.Value;
        var r = SegmentationImport.Import(ct, labels, body, SegmentationImportOptions.Default);
        Assert.Equal(["T12", "L1", "L2", "L3", "L4", "L5", "S1"], r.Vertebrae.Select(v => v.Label));
        Assert.All(r.Vertebrae, v => Assert.Equal("segmentation", v.LabelSource));
        Assert.True(r.Vertebrae[^1].IsSacrum);
        Assert.Contains(VertebraQc.PartialFov, r.Vertebrae[0].Qc);
        foreach (var (id, roi) in new[] { 32, 31, 30, 29, 28, 27, 26 }.Zip(r.Vertebrae))
        {
            var (mask, count, centroid) = Reference(labels, body, id);
            var dice = Dice(ct, roi.Body, mask, count);
            Assert.True(dice >= 0.98, $"{roi.Label}: Dice {dice:0.000}");
            Assert.True((roi.Centroid - centroid).Length < 0.5);
            Assert.True(roi.MidsagittalNormal.X > 0.9, $"{roi.Label}: normal {roi.MidsagittalNormal}");
        }
    }

    [SharedDataFact]
    public void Import_LabelMapOnAnotherGrid_IsResampledInPatientSpace()
    {
        // The same label map stored mirrored left-right (different grid, same patient space) gives the same bodies.
        var (ct, labels, body) = Example.Value;
        var g = labels.Geometry;
        var mirroredGeometry = g with { Origin = g.ToPatient(labels.SizeX - 1, 0, 0), ColumnStep = -g.ColumnStep };
        Volume<short> Mirror(Volume<short> v)
        {
            var m = new Volume<short>(v.SizeX, v.SizeY, v.SizeZ, mirroredGeometry);
            for (var k = 0; k < v.SizeZ; k++)
                for (var j = 0; j < v.SizeY; j++)
                    for (var i = 0; i < v.SizeX; i++) m[v.SizeX - 1 - i, j, k] = v[i, j, k];
            return m;
        }
        var a = SegmentationImport.Import(ct, labels, body, SegmentationImportOptions.Default);
        var b = SegmentationImport.Import(ct, Mirror(labels), Mirror(body), SegmentationImportOptions.Default);
        Assert.Equal(a.Vertebrae.Select(v => v.Body.Count()), b.Vertebrae.Select(v => v.Body.Count()));
    }

    [SharedDataFact]
    public void Locate_VisibleHumanPelvis_LabelsL4AndL5AndRecognisesSacrum()
    {
        var ct = LoadDicom(SharedData.Path("real-ct", "visible-human-pelvis"));
        var r = VertebraLocator.Locate(ct, VertebraLocatorOptions.Default);
        foreach (var v in r.Vertebrae) output.WriteLine($"{v.Label} {v.Centroid} {v.VolumeMl:0.0} mL {string.Join(',', v.Qc)}");
        Assert.Contains(r.Vertebrae, v => v.Label == "L4" && v.LabelSource == "counted");
        Assert.Contains(r.Vertebrae, v => v.Label == "L5" && v.LabelSource == "counted" && !v.IsSacrum);
        Assert.True(r.Vertebrae[^1].IsSacrum);
        var l5 = r.Vertebrae.Single(v => v.Label == "L5");
        var l4 = r.Vertebrae.Single(v => v.Label == "L4");
        Assert.True(l4.Centroid.Z > l5.Centroid.Z && l5.Centroid.Z > r.Vertebrae[^1].Centroid.Z);
        // The sacrum is one body, S1, the segment fused to the alae (a coronal picture shows it): the segments below a
        // remnant S1–S2 disc are not reported, nor is S1 measured as a lumbar body.
        Assert.Equal("S1", r.Vertebrae[^1].Label);
        Assert.Same(l5, r.Vertebrae[^2]);
    }

    /// <summary>
    /// The thick-voxel path on real anatomy: the Visible Human pelvis (1 mm slices) averaged three slices at a
    /// time (a 3 mm reconstruction) must give the L5 the 1 mm series gives (the one whole lumbar body in view; L4 is cut
    /// by the field). Compared on the 1 mm grid (each 3 mm voxel stands for its three 1 mm voxels): Dice ≥ 0.92, volume
    /// within 4 %, centroid within 1.5 mm (measured: 0.929, +1.5 %, 0.65 mm; the half-way endplate crossing this path
    /// replaced gave +6.7 %). Until the S1–S2 remnant disc was recognised (issue 15) this body was labelled L4, the cut
    /// one L3 and the top of the sacrum L5.
    /// </summary>
    [SharedDataFact]
    public void Locate_VisibleHumanPelvisAveragedTo3mm_FindsTheSameL5AsAt1mm()
    {
        var fine = LoadDicom(SharedData.Path("real-ct", "visible-human-pelvis"));
        var coarse = AverageSlices(fine, 3);
        var a = VertebraLocator.Locate(fine, VertebraLocatorOptions.Default);
        var b = VertebraLocator.Locate(coarse, VertebraLocatorOptions.Default);
        var f = a.Vertebrae.Single(v => v.Label == "L5");
        var c = b.Vertebrae.Single(v => v.Label == "L5");
        long both = 0, nf = f.Body.Count(), nc = 0;
        for (var k = 0; k < fine.SizeZ - fine.SizeZ % 3; k++)
            for (var j = 0; j < fine.SizeY; j++)
                for (var i = 0; i < fine.SizeX; i++)
                {
                    if (!c.Body.Contains(i, j, k / 3)) continue;
                    nc++;
                    if (f.Body.Contains(i, j, k)) both++;
                }
        var dice = 2.0 * both / (nf + nc);
        var volume = c.VolumeMl / f.VolumeMl - 1;
        var offset = (c.Centroid - f.Centroid).Length;
        output.WriteLine($"L5: Dice {dice:0.000}, volume {c.VolumeMl:0.0} mL at 3 mm vs {f.VolumeMl:0.0} mL at 1 mm ({volume:+0.0%;-0.0%}), centroid {offset:0.00} mm");
        Assert.True(dice >= 0.92, $"Dice {dice:0.000}");
        Assert.True(Math.Abs(volume) <= 0.04, $"volume {volume:+0.0%;-0.0%}");
        Assert.True(offset <= 1.5, $"centroid {offset:0.00} mm");
    }

    /// <summary>
    /// The Visible Human pelvis re-stored as 3 mm thick sagittal slices (three 1 mm slices averaged across the patient,
    /// as a hospital sends a sagittal series) must give the whole L5 the 1 mm axial series gives: labelled L5, centroid
    /// within 20 mm. Known failure (docs/known-failures.md): the L5–S1 disc is not found there, so L5 and S1 come out as
    /// one 39 mL "sacrum" and no L5 is reported.
    /// </summary>
    [SharedDataFact]
    public void Locate_VisibleHumanThick3mmAcrossThePatient_FindsL5_KnownFailure()
    {
        var fine = VertebraLocator.Locate(LoadDicom(SharedData.Path("real-ct", "visible-human-pelvis")), VertebraLocatorOptions.Default);
        var l5 = fine.Vertebrae.Single(v => v.Label == "L5");
        var thick = VertebraLocator.Locate(RealCtNoCementTests.Load("visible-human-pelvis/thick3mm-lr"), VertebraLocatorOptions.Default);
        foreach (var v in thick.Vertebrae) output.WriteLine($"{v.Label} {v.Centroid} {v.VolumeMl:0.0} mL sacrum {v.IsSacrum}");
        KnownFailure.Expect("the 3 mm sagittal reformat merges L5 and S1", () =>
            Assert.Contains(thick.Vertebrae, v => v.Label == "L5" && (v.Centroid - l5.Centroid).Length <= 20));
    }

    /// <summary>A thicker reconstruction: each output slice the mean of <paramref name="n"/> consecutive input slices, centred on them.</summary>
    private static Volume<short> AverageSlices(Volume<short> v, int n)
    {
        var g = v.Geometry;
        var nz = v.SizeZ / n;
        var plane = v.SizeX * v.SizeY;
        var geometry = g with { Origin = g.ToPatient(0, 0, (n - 1) / 2.0), SliceStep = g.SliceStep * n };
        var o = new Volume<short>(v.SizeX, v.SizeY, nz, geometry);
        for (var z = 0; z < nz; z++)
            for (var p = 0; p < plane; p++)
            {
                var sum = 0;
                for (var q = 0; q < n; q++) sum += v.Data[(z * n + q) * plane + p];
                o.Data[z * plane + p] = (short)Math.Round((double)sum / n);
            }
        return o;
    }

    [SharedDataFact]
    public void Locate_TwentySliceSeries_ReportsCutBodiesAsPartial()
    {
        var ct = LoadDicom(SharedData.Path(Ts, "example_ct_dicom_uncompressed_DERIVED"));
        var r = VertebraLocator.Locate(ct, VertebraLocatorOptions.Default);
        foreach (var v in r.Vertebrae) output.WriteLine($"{v.Label} {v.Centroid} {v.VolumeMl:0.0} mL {string.Join(',', v.Qc)}");
        Assert.Equal(2, r.Vertebrae.Count);
        Assert.All(r.Vertebrae, v => Assert.Contains(VertebraQc.PartialFov, v.Qc));
        Assert.All(r.Vertebrae, v => Assert.Equal("index", v.LabelSource));
        // T11 above T12 per example_seg_dicom.nii.gz: their body centroids lie near the midline, 40–130 mm anterior... in LPS y.
        Assert.All(r.Vertebrae, v => Assert.True(Math.Abs(v.Centroid.X) < 30));
    }
}

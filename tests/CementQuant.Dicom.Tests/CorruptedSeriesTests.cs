using CementQuant.Dicom.Series;
using CementQuant.Phantom;

namespace CementQuant.Dicom.Tests;

/// <summary>
/// Randomised truncations and byte flips (fixed seeds) of a phantom CT series, native and JPEG-LS: every
/// damaged file either still loads or is rejected with a DicomReadException naming it; the series either
/// loads or fails with a SeriesAssemblyException; nothing else is thrown, nothing hangs, and no damaged
/// header makes the reader allocate more than the file plus the image it declares. Which outcome each trial has
/// (file rejected and why, series loaded with which size and HU sum, or failed and why) is pinned in
/// <c>testdata/corrupted-series-*.txt</c> and compared exactly, so "reject everything" cannot pass.
/// </summary>
public sealed class CorruptedSeriesTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-corrupt-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private static readonly Lazy<RenderedCt> Phantom = new(() =>
    {
        // A short slab of the worked example: enough slices to make a series, small enough to damage 200 times.
        var c = PhantomCatalogue.Get("worked-example", PhantomSize.Small);
        return CtRenderer.Render(c with { Acquisition = c.Acquisition with { Slices = 12 } }, seed: 3);
    });

    private string WriteSeries(string name, bool jpegLs)
    {
        var folder = Path.Combine(_tmp, name);
        // Fixed UIDs: the same bytes every run, so each trial damages the same thing and its outcome can be pinned.
        var uids = new CtSeriesWriteOptions { StudyInstanceUid = "2.25.2301", SeriesInstanceUid = "2.25.2302", FrameOfReferenceUid = "2.25.2303" };
        var files = CtSeriesWriter.Write(folder, Phantom.Value.Hu, uids);
        if (jpegLs)
            foreach (var f in files) { Peer.Run("dcmcjpls", f, f + ".jls"); File.Move(f + ".jls", f, overwrite: true); }
        return folder;
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public async Task Load_DamagedFiles_LoadOrRejectCleanly(bool jpegLs, int seed)
    {
        var source = WriteSeries("src-" + seed, jpegLs);
        var rng = new Random(seed);
        var originals = Directory.GetFiles(source).Order(StringComparer.Ordinal).ToArray();
        var log = new System.Text.StringBuilder();
        for (var trial = 0; trial < 100; trial++)
        {
            var folder = Path.Combine(_tmp, $"trial-{seed}-{trial}");
            Directory.CreateDirectory(folder);
            foreach (var f in originals) File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
            var victim = Path.Combine(folder, Path.GetFileName(originals[rng.Next(originals.Length)]));
            var bytes = File.ReadAllBytes(victim);
            string damage;
            if (rng.Next(2) == 0)
            {
                bytes = bytes[..rng.Next(bytes.Length)]; // truncate anywhere, headers included
                damage = $"cut to {bytes.Length}";
            }
            else
            {
                var flips = rng.Next(1, 8);
                for (var k = 0; k < flips; k++)
                {
                    // Bias towards the header, where a flip changes lengths, VRs and tags.
                    var at = rng.Next(2) == 0 ? rng.Next(Math.Min(bytes.Length, 1200)) : rng.Next(bytes.Length);
                    bytes[at] = (byte)rng.Next(256);
                }
                damage = $"{flips} flips";
            }
            File.WriteAllBytes(victim, bytes);

            var outcome = new List<string>();
            var task = Task.Run(() => ScanAndLoad(folder, victim, outcome));
            Assert.True(await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(30))) == task, $"trial {trial} hung");
            var allocated = await task;
            // Bound: every file read once or twice, the one volume, and slack; a lying header must not add to it.
            var series = originals.Sum(f => new FileInfo(f).Length);
            Assert.True(allocated < 3 * series + 4L * Phantom.Value.Hu.Length * 2 + (16 << 20), $"trial {trial} allocated {allocated} bytes");
            Directory.Delete(folder, recursive: true);
            log.Append($"{trial}\t{Path.GetFileName(victim)} {damage}\t{string.Join(" | ", outcome).Replace(folder, "<trial>", StringComparison.Ordinal)}\n");
        }
        Golden.Check($"corrupted-series-{(jpegLs ? "jpegls" : "native")}-{seed}.tsv", log.ToString());
    }

    /// <summary>Scans and loads a trial's folder, naming each outcome; returns the bytes allocated.</summary>
    private static long ScanAndLoad(string folder, string victim, List<string> outcome)
    {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var scan = DicomScanner.Scan(DicomScanner.EnumerateFiles([folder]), jobs: 1);
            foreach (var p in scan.Problems)
            {
                Assert.Contains(Path.GetFileName(p.Path), victim);
                outcome.Add($"file {p.Stage}: {p.Reason}");
            }
            var groups = SeriesGrouper.Group(scan.Instances).Where(g => g.Usable && g.Kind == InstanceKind.CtSlice).ToList();
            if (groups.Count == 0) outcome.Add("no usable CT series");
            foreach (var g in groups)
            {
                try
                {
                    var hu = CtVolumeLoader.Load(g, jobs: 1).Hu;
                    long sum = 0;
                    foreach (var v in hu.Data) sum += v;
                    outcome.Add($"series loaded {hu.SizeX}x{hu.SizeY}x{hu.SizeZ} of {g.Instances.Count} files, HU sum {sum}");
                }
                catch (SeriesAssemblyException ex)
                {
                    Assert.False(string.IsNullOrWhiteSpace(ex.Problem));
                    outcome.Add($"series failed: {ex.Problem}");
                }
            }
            return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}

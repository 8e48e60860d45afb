using CementQuant.Dicom.Series;
using CementQuant.Phantom;

namespace CementQuant.Dicom.Tests;

/// <summary>
/// Randomised truncations and byte flips (fixed seeds) of a phantom CT series, native and JPEG-LS: every
/// damaged file either still loads or is rejected with a DicomReadException naming it; the series either
/// loads or fails with a SeriesAssemblyException; nothing else is thrown, nothing hangs, and no damaged
/// header makes the reader allocate more than the file plus the image it declares.
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
        var files = CtSeriesWriter.Write(folder, Phantom.Value.Hu, new CtSeriesWriteOptions());
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
        for (var trial = 0; trial < 100; trial++)
        {
            var folder = Path.Combine(_tmp, $"trial-{seed}-{trial}");
            Directory.CreateDirectory(folder);
            foreach (var f in originals) File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
            var victim = Path.Combine(folder, Path.GetFileName(originals[rng.Next(originals.Length)]));
            var bytes = File.ReadAllBytes(victim);
            if (rng.Next(2) == 0)
            {
                bytes = bytes[..rng.Next(bytes.Length)]; // truncate anywhere, headers included
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
            }
            File.WriteAllBytes(victim, bytes);

            var task = Task.Run(() =>
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var scan = DicomScanner.Scan(DicomScanner.EnumerateFiles([folder]), jobs: 1);
                foreach (var p in scan.Problems) Assert.Contains(Path.GetFileName(p.Path), victim);
                foreach (var g in SeriesGrouper.Group(scan.Instances).Where(g => g.Usable && g.Kind == InstanceKind.CtSlice))
                {
                    try { CtVolumeLoader.Load(g, jobs: 1); }
                    catch (SeriesAssemblyException ex) { Assert.False(string.IsNullOrWhiteSpace(ex.Problem)); }
                }
                return GC.GetAllocatedBytesForCurrentThread() - before;
            });
            Assert.True(await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(30))) == task, $"trial {trial} hung");
            var allocated = await task;
            // Bound: every file read once or twice, the one volume, and slack; a lying header must not add to it.
            var series = originals.Sum(f => new FileInfo(f).Length);
            Assert.True(allocated < 3 * series + 4L * Phantom.Value.Hu.Length * 2 + (16 << 20), $"trial {trial} allocated {allocated} bytes");
            Directory.Delete(folder, recursive: true);
        }
    }
}

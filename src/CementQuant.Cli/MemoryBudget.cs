namespace CementQuant.Cli;

/// <summary>
/// A weighted semaphore over bytes: a job reserves its series' estimated working memory before it loads the
/// volume, and waits while the reservations of the running jobs would pass the budget. With <c>--jobs</c> it
/// bounds memory both ways: never more volumes than jobs, and never more bytes than the machine (or the
/// container's limit) allows. A series larger than the whole budget still runs, alone.
/// </summary>
internal sealed class MemoryBudget(long bytes)
{
    private readonly object _gate = new();
    private long _free = bytes;

    public long Bytes { get; } = bytes;

    /// <summary>The default: 60 % of what the GC may use (physical memory or the cgroup limit), less what is in use now.</summary>
    public static MemoryBudget ForThisMachine()
    {
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new MemoryBudget(Math.Max(256L << 20, (long)(available * 0.6) - GC.GetTotalMemory(false)));
    }

    /// <summary>
    /// Working memory of a CT series of <paramref name="voxels"/> voxels: the int16 HU volume plus the byte label maps,
    /// body masks and cement masks the stages keep beside it (about 5 bytes per voxel in all), plus a fixed 64 MB.
    /// </summary>
    public static long EstimateCt(long voxels) => (voxels * 5) + (64L << 20);

    public Lease Acquire(long bytes)
    {
        var want = Math.Min(bytes, Bytes);
        lock (_gate)
        {
            while (_free < want) Monitor.Wait(_gate);
            _free -= want;
        }
        return new Lease(this, want);
    }

    private void Release(long bytes)
    {
        lock (_gate)
        {
            _free += bytes;
            Monitor.PulseAll(_gate);
        }
    }

    public readonly struct Lease(MemoryBudget owner, long bytes) : IDisposable
    {
        public void Dispose() => owner?.Release(bytes);
    }
}

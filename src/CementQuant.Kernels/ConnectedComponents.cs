namespace CementQuant.Kernels;

/// <summary>Which neighbours connect two foreground voxels.</summary>
public enum Connectivity
{
    /// <summary>Faces only.</summary>
    Six = 6,
    /// <summary>Faces and edges.</summary>
    Eighteen = 18,
    /// <summary>Faces, edges and corners.</summary>
    TwentySix = 26,
}

/// <summary>
/// 3D connected-component labelling of a binary mask (x fastest, then y, then z). Labels are 1..N in
/// order of each component's first voxel in memory order, 0 for background, so every implementation
/// gives identical arrays. The fast path works on runs of foreground along x and merges runs with a
/// union-find; large masks are cut into z slabs labelled in parallel, whose runs are then merged across
/// the slab boundaries. <see cref="LabelScalar"/> is the flood-fill reference.
/// </summary>
public static class ConnectedComponents
{
    /// <summary>Below this many voxels a mask is labelled on one thread (slab workers cost more than they save).</summary>
    public const int ParallelMinimum = 1 << 20;

    /// <summary>
    /// Labels <paramref name="mask"/> (non-zero = foreground) into <paramref name="labels"/>; returns N.
    /// <paramref name="slabs"/>: z slabs labelled in parallel (0: one per core for masks of at least
    /// <see cref="ParallelMinimum"/> voxels, else 1). The result does not depend on it.
    /// </summary>
    public static unsafe int Label(ReadOnlySpan<byte> mask, Span<int> labels, int sizeX, int sizeY, int sizeZ, Connectivity connectivity, int slabs = 0)
    {
        Check(mask, labels, sizeX, sizeY, sizeZ);
        if (mask.IsEmpty) return 0;
        if (slabs <= 0) slabs = mask.Length >= ParallelMinimum ? Environment.ProcessorCount : 1;
        slabs = Math.Clamp(slabs, 1, sizeZ);
        fixed (byte* m = mask)
        fixed (int* l = labels)
            return new Labeller((nint)m, (nint)l, sizeX, sizeY, sizeZ, connectivity, slabs).Run();
    }

    /// <summary>
    /// The run-based labeller. Run r of a row covers [Start, End) of x; runs are numbered in memory order
    /// across all slabs, and a union-find root is always the smallest run index of its set, so the root
    /// is the component's first run in memory order whichever slab found it.
    /// </summary>
    private sealed unsafe class Labeller(nint mask, nint labels, int sx, int sy, int sz, Connectivity connectivity, int slabCount)
    {
        private readonly Slab[] _slabs = new Slab[slabCount];
        private int[] _parent = [];
        private int[] _start = [];
        private int[] _end = [];
        private int[] _rowFirst = []; // global run index of each row's first run; one entry per row + 1

        private sealed class Slab
        {
            public int Z0, Z1, Offset;
            public int[] Start = new int[64], End = new int[64], Parent = [];
            public int Count;
        }

        public int Run()
        {
            for (var s = 0; s < slabCount; s++)
                _slabs[s] = new Slab { Z0 = (int)((long)s * sz / slabCount), Z1 = (int)((long)(s + 1) * sz / slabCount) };
            _rowFirst = new int[sy * sz + 1];
            // Pass 1 per slab: runs, and unions between runs of the slab's own rows.
            if (slabCount == 1) RunsAndUnions(_slabs[0]);
            else Parallel.For(0, slabCount, s => RunsAndUnions(_slabs[s]));
            // Global numbering: slab s's runs follow slab s − 1's.
            var total = 0;
            foreach (var slab in _slabs) { slab.Offset = total; total += slab.Count; }
            _parent = new int[total]; _start = new int[total]; _end = new int[total];
            foreach (var slab in _slabs)
            {
                for (var r = 0; r < slab.Count; r++) _parent[slab.Offset + r] = slab.Offset + slab.Parent[r];
                Array.Copy(slab.Start, 0, _start, slab.Offset, slab.Count);
                Array.Copy(slab.End, 0, _end, slab.Offset, slab.Count);
                for (var row = slab.Z0 * sy; row < slab.Z1 * sy; row++) _rowFirst[row] += slab.Offset;
            }
            _rowFirst[sy * sz] = total;
            // Pass 2: the first slice of each slab against the slice before it.
            for (var s = 1; s < slabCount; s++)
                for (var y = 0; y < sy; y++) UnionWithEarlierRows(_parent, _start, _end, _rowFirst, y, _slabs[s].Z0, sameSlice: false, pz: _slabs[s].Z0 - 1);
            // Pass 3: labels in order of each component's first run, then written slab by slab.
            var labelOf = new int[total];
            var next = 0;
            for (var r = 0; r < total; r++)
            {
                var root = Find(_parent, r);
                labelOf[r] = root == r ? ++next : labelOf[root]; // a root precedes every run of its set
            }
            if (slabCount == 1) Fill(_slabs[0], labelOf);
            else Parallel.For(0, slabCount, s => Fill(_slabs[s], labelOf));
            return next;
        }

        private void RunsAndUnions(Slab slab)
        {
            var m = new ReadOnlySpan<byte>((void*)mask, sx * sy * sz);
            // Row first-run indices are local to the slab here; Run() adds the slab's offset afterwards.
            for (var row = slab.Z0 * sy; row < slab.Z1 * sy; row++)
            {
                _rowFirst[row] = slab.Count;
                var line = m.Slice(row * sx, sx);
                var x = 0;
                while (x < sx)
                {
                    var s = line[x..].IndexOfAnyExcept((byte)0);
                    if (s < 0) break;
                    s += x;
                    var e = line[s..].IndexOf((byte)0);
                    e = e < 0 ? sx : s + e;
                    if (slab.Count == slab.Start.Length)
                    {
                        Array.Resize(ref slab.Start, 2 * slab.Count);
                        Array.Resize(ref slab.End, 2 * slab.Count);
                    }
                    slab.Start[slab.Count] = s; slab.End[slab.Count] = e; slab.Count++;
                    x = e;
                }
            }
            slab.Parent = new int[slab.Count];
            for (var r = 0; r < slab.Count; r++) slab.Parent[r] = r;
            // Local row table: rows of this slab, relative to its first row.
            var rows = (slab.Z1 - slab.Z0) * sy;
            var rowFirst = new int[rows + 1];
            Array.Copy(_rowFirst, slab.Z0 * sy, rowFirst, 0, rows);
            rowFirst[rows] = slab.Count;
            for (var z = 0; z < slab.Z1 - slab.Z0; z++)
                for (var y = 0; y < sy; y++) UnionWithEarlierRows(slab.Parent, slab.Start, slab.End, rowFirst, y, z, sameSlice: true, pz: z - 1);
        }

        /// <summary>
        /// Unions each run of row (y, z) with the overlapping runs of its earlier neighbour rows: (y − 1, z) when
        /// <paramref name="sameSlice"/>, and in slice <paramref name="pz"/> (z − 1; none when negative) row y, and
        /// rows y ± 1 beyond 6-connectivity. Overlap slack: 0 for face neighbours; 1 (diagonal in x) for rows that
        /// are edge or corner neighbours. Row indices are z·sy + y into <paramref name="rowFirst"/>: a slab's own
        /// table (z relative to the slab) or the global one (slab boundaries).
        /// </summary>
        private void UnionWithEarlierRows(int[] parent, int[] start, int[] end, int[] rowFirst, int y, int z, bool sameSlice, int pz)
        {
            var row = z * sy + y;
            var six = connectivity == Connectivity.Six;
            var edge = six ? 0 : 1;
            var corner = connectivity == Connectivity.TwentySix ? 1 : 0;
            for (var r = rowFirst[row]; r < rowFirst[row + 1]; r++)
            {
                if (sameSlice && y > 0) UnionOverlaps(parent, start, end, rowFirst, r, row - 1, edge);
                if (pz < 0) continue;
                UnionOverlaps(parent, start, end, rowFirst, r, pz * sy + y, edge);
                if (six) continue;
                if (y > 0) UnionOverlaps(parent, start, end, rowFirst, r, pz * sy + y - 1, corner);
                if (y < sy - 1) UnionOverlaps(parent, start, end, rowFirst, r, pz * sy + y + 1, corner);
            }
        }

        /// <summary>Runs in a row are sorted: walk the ones that can overlap [start − slack, end + slack).</summary>
        private static void UnionOverlaps(int[] parent, int[] start, int[] end, int[] rowFirst, int r, int otherRow, int slack)
        {
            for (var q = rowFirst[otherRow]; q < rowFirst[otherRow + 1]; q++)
            {
                if (start[q] >= end[r] + slack) break;
                if (end[q] + slack > start[r]) Union(parent, r, q);
            }
        }

        private void Fill(Slab slab, int[] labelOf)
        {
            var l = new Span<int>((void*)labels, sx * sy * sz);
            // One write pass: each row's gaps get 0 and its runs their label.
            for (var row = slab.Z0 * sy; row < slab.Z1 * sy; row++)
            {
                var line = l.Slice(row * sx, sx);
                var x = 0;
                for (var r = _rowFirst[row]; r < _rowFirst[row + 1]; r++)
                {
                    line[x.._start[r]].Clear();
                    line[_start[r].._end[r]].Fill(labelOf[r]);
                    x = _end[r];
                }
                line[x..].Clear();
            }
        }
    }

    /// <summary>Flood-fill reference: the same labels as <see cref="Label"/>, slowly and obviously.</summary>
    public static int LabelScalar(ReadOnlySpan<byte> mask, Span<int> labels, int sizeX, int sizeY, int sizeZ, Connectivity connectivity)
    {
        Check(mask, labels, sizeX, sizeY, sizeZ);
        labels.Clear();
        var offsets = new List<(int, int, int)>();
        for (var dz = -1; dz <= 1; dz++)
            for (var dy = -1; dy <= 1; dy++)
                for (var dx = -1; dx <= 1; dx++)
                {
                    var d = Math.Abs(dx) + Math.Abs(dy) + Math.Abs(dz);
                    if (d == 0 || (connectivity == Connectivity.Six && d > 1) || (connectivity == Connectivity.Eighteen && d > 2)) continue;
                    offsets.Add((dx, dy, dz));
                }
        var next = 0;
        var stack = new Stack<int>();
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0 || labels[i] != 0) continue;
            labels[i] = ++next;
            stack.Push(i);
            while (stack.Count > 0)
            {
                var v = stack.Pop();
                int x = v % sizeX, y = v / sizeX % sizeY, z = v / (sizeX * sizeY);
                foreach (var (dx, dy, dz) in offsets)
                {
                    int nx = x + dx, ny = y + dy, nz = z + dz;
                    if ((uint)nx >= sizeX || (uint)ny >= sizeY || (uint)nz >= sizeZ) continue;
                    var w = (nz * sizeY + ny) * sizeX + nx;
                    if (mask[w] == 0 || labels[w] != 0) continue;
                    labels[w] = next;
                    stack.Push(w);
                }
            }
        }
        return next;
    }

    /// <summary>Voxel count of each label 1..n (index 0 unused).</summary>
    public static long[] Sizes(ReadOnlySpan<int> labels, int n)
    {
        var sizes = new long[n + 1];
        foreach (var l in labels) sizes[l]++;
        sizes[0] = 0;
        return sizes;
    }

    private static void Check(ReadOnlySpan<byte> mask, Span<int> labels, int sizeX, int sizeY, int sizeZ)
    {
        var n = (long)sizeX * sizeY * sizeZ;
        if (mask.Length != n || labels.Length != n)
            throw new ArgumentException($"mask ({mask.Length}) and labels ({labels.Length}) must both hold {sizeX}×{sizeY}×{sizeZ} voxels");
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    /// <summary>Union by smaller index as root, so a root is always its component's first run in memory order.</summary>
    private static void Union(int[] parent, int a, int b)
    {
        a = Find(parent, a); b = Find(parent, b);
        if (a == b) return;
        if (a < b) parent[b] = a; else parent[a] = b;
    }
}

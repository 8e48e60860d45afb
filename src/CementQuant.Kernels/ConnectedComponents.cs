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
/// union-find; <see cref="LabelScalar"/> is the flood-fill reference.
/// </summary>
public static class ConnectedComponents
{
    /// <summary>Labels <paramref name="mask"/> (non-zero = foreground) into <paramref name="labels"/>; returns N.</summary>
    public static int Label(ReadOnlySpan<byte> mask, Span<int> labels, int sizeX, int sizeY, int sizeZ, Connectivity connectivity)
    {
        Check(mask, labels, sizeX, sizeY, sizeZ);
        // Pass 1: runs per row. Run r covers [start, end) of row (y, z); rowFirst[row] is its first run.
        var rows = sizeY * sizeZ;
        var rowFirst = new int[rows + 1];
        var starts = new List<int>(); var ends = new List<int>();
        for (var row = 0; row < rows; row++)
        {
            rowFirst[row] = starts.Count;
            var line = mask.Slice(row * sizeX, sizeX);
            var x = 0;
            while (x < sizeX)
            {
                var s = line[x..].IndexOfAnyExcept((byte)0);
                if (s < 0) break;
                s += x;
                var e = line[s..].IndexOf((byte)0);
                e = e < 0 ? sizeX : s + e;
                starts.Add(s); ends.Add(e);
                x = e;
            }
        }
        rowFirst[rows] = starts.Count;
        var runs = starts.Count;
        var parent = new int[runs];
        for (var r = 0; r < runs; r++) parent[r] = r;
        var s0 = starts.ToArray(); var e0 = ends.ToArray();

        // Pass 2: union each run with overlapping runs in the earlier neighbour rows.
        // Overlap slack: 0 for face neighbours; 1 (diagonal in x) for rows that are edge/corner neighbours.
        Span<(int dy, int dz, int slack)> neighbours = stackalloc (int, int, int)[13];
        var count = 0;
        neighbours[count++] = (-1, 0, connectivity == Connectivity.Six ? 0 : 1);
        neighbours[count++] = (0, -1, connectivity == Connectivity.Six ? 0 : 1);
        if (connectivity != Connectivity.Six)
        {
            neighbours[count++] = (-1, -1, connectivity == Connectivity.TwentySix ? 1 : 0);
            neighbours[count++] = (1, -1, connectivity == Connectivity.TwentySix ? 1 : 0);
        }
        for (var z = 0; z < sizeZ; z++)
            for (var y = 0; y < sizeY; y++)
            {
                var row = z * sizeY + y;
                for (var r = rowFirst[row]; r < rowFirst[row + 1]; r++)
                {
                    for (var n = 0; n < count; n++)
                    {
                        var (dy, dz, slack) = neighbours[n];
                        var ny = y + dy; var nz = z + dz;
                        if (ny < 0 || ny >= sizeY || nz < 0) continue;
                        var nrow = nz * sizeY + ny;
                        // Runs in a row are sorted; walk the ones that can overlap [s - slack, e + slack).
                        for (var q = rowFirst[nrow]; q < rowFirst[nrow + 1]; q++)
                        {
                            if (s0[q] >= e0[r] + slack) break;
                            if (e0[q] + slack > s0[r]) Union(parent, r, q);
                        }
                    }
                }
            }

        // Pass 3: final labels in order of first appearance, written run by run.
        var labelOf = new int[runs];
        var next = 0;
        for (var r = 0; r < runs; r++)
        {
            var root = Find(parent, r);
            if (root == r) labelOf[r] = ++next;
        }
        labels.Clear();
        for (var row = 0; row < rows; row++)
            for (var r = rowFirst[row]; r < rowFirst[row + 1]; r++)
                labels.Slice(row * sizeX + s0[r], e0[r] - s0[r]).Fill(labelOf[Find(parent, r)]);
        return next;
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

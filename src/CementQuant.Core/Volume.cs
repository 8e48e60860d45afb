namespace CementQuant;

/// <summary>
/// A 3D voxel grid in one contiguous array, x (column) fastest, then y (row), then z (slice).
/// The array is the one copy of the volume: stages read it through spans and never clone it.
/// </summary>
public sealed class Volume<T> where T : unmanaged
{
    public Volume(int sizeX, int sizeY, int sizeZ, ImageGeometry geometry)
        : this(sizeX, sizeY, sizeZ, geometry, new T[checked((long)sizeX * sizeY * sizeZ)]) { }

    public Volume(int sizeX, int sizeY, int sizeZ, ImageGeometry geometry, T[] data)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeX);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeY);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeZ);
        if (data.LongLength != (long)sizeX * sizeY * sizeZ)
            throw new ArgumentException($"data holds {data.LongLength} voxels, expected {sizeX}×{sizeY}×{sizeZ}", nameof(data));
        SizeX = sizeX; SizeY = sizeY; SizeZ = sizeZ;
        Geometry = geometry;
        Data = data;
    }

    public int SizeX { get; }
    public int SizeY { get; }
    public int SizeZ { get; }
    public ImageGeometry Geometry { get; }
    public T[] Data { get; }

    public int SliceLength => SizeX * SizeY;
    public long Length => Data.LongLength;

    public Span<T> Slice(int z) => Data.AsSpan(z * SliceLength, SliceLength);
    public Span<T> Row(int y, int z) => Data.AsSpan(z * SliceLength + y * SizeX, SizeX);

    public long IndexOf(int x, int y, int z) => ((long)z * SizeY + y) * SizeX + x;

    public T this[int x, int y, int z]
    {
        get => Data[IndexOf(x, y, z)];
        set => Data[IndexOf(x, y, z)] = value;
    }
}

namespace CementQuant;

/// <summary>
/// A 2D pixel grid in one contiguous array, x (column) fastest, then y (row), as stored. Spacings
/// follow DICOM PixelSpacing / ImagerPixelSpacing order: <see cref="RowSpacing"/> is the distance
/// between the centres of adjacent rows (vertical), <see cref="ColumnSpacing"/> between adjacent
/// columns (horizontal), both in millimetres. Which patient direction the axes point to is not the
/// image's business: it travels beside it (PatientOrientation for radiographs).
/// </summary>
public sealed class Image2D<T> where T : unmanaged
{
    public Image2D(int width, int height, double rowSpacing, double columnSpacing)
        : this(width, height, rowSpacing, columnSpacing, new T[checked(width * height)]) { }

    public Image2D(int width, int height, double rowSpacing, double columnSpacing, T[] data)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowSpacing);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columnSpacing);
        if (data.Length != (long)width * height)
            throw new ArgumentException($"data holds {data.Length} pixels, expected {width}×{height}", nameof(data));
        Width = width; Height = height;
        RowSpacing = rowSpacing; ColumnSpacing = columnSpacing;
        Data = data;
    }

    public int Width { get; }
    public int Height { get; }
    /// <summary>Millimetres between adjacent rows (first value of DICOM PixelSpacing).</summary>
    public double RowSpacing { get; }
    /// <summary>Millimetres between adjacent columns (second value of DICOM PixelSpacing).</summary>
    public double ColumnSpacing { get; }
    public T[] Data { get; }

    public Span<T> Row(int y) => Data.AsSpan(y * Width, Width);

    public T this[int x, int y]
    {
        get => Data[y * Width + x];
        set => Data[y * Width + x] = value;
    }
}

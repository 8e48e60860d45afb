using OpenCvSharp;

namespace CementQuant.Analysis.Radiograph;

/// <summary>
/// A radiograph turned into the analysis frame: rows toward the feet, columns toward the patient's left (frontal)
/// or posterior (lateral), at about <see cref="TargetSpacingMm"/> per pixel: area-averaged when finer, interpolated
/// (bilinear) when coarser, so that every stage's sizes in mm (blurs, morphology, derivative stencils, sub-pixel edge
/// fits) meet the same pixel counts whatever the stored spacing (a CT scout's 0.5–1 mm pixels left as they are turn a
/// 4 mm opening into 5 mm and a ±0.6 mm average into none). Keeps what it did so positions map back to the stored
/// pixel grid. Orientation comes from the typed header (PatientOrientation), never from the image content.
/// </summary>
internal sealed class CanonicalImage
{
    public const double TargetSpacingMm = 0.2;

    private readonly bool _transpose, _flipX, _flipY;
    private readonly double _scale;
    private readonly int _fullWidth, _fullHeight;

    private CanonicalImage(float[] data, int width, int height, double sx, double sy, bool transpose, bool flipX, bool flipY,
        double scale, int fullWidth, int fullHeight, bool lateralityKnown, bool superiorKnown, double storedSpacing)
    {
        Data = data; Width = width; Height = height; Sx = sx; Sy = sy;
        _transpose = transpose; _flipX = flipX; _flipY = flipY; _scale = scale; _fullWidth = fullWidth; _fullHeight = fullHeight;
        LateralityKnown = lateralityKnown; SuperiorKnown = superiorKnown; StoredSpacing = storedSpacing;
    }

    public float[] Data { get; }
    public int Width { get; }
    public int Height { get; }
    /// <summary>Millimetres per pixel along x (columns) and y (rows).</summary>
    public double Sx { get; }
    public double Sy { get; }
    /// <summary>+x is known to be the patient's left (frontal) or posterior (lateral).</summary>
    public bool LateralityKnown { get; }
    /// <summary>+y is known to point to the feet.</summary>
    public bool SuperiorKnown { get; }
    /// <summary>The stored pixels' (smaller) spacing, mm. Where it is coarser than <see cref="Sx"/>, neighbouring working
    /// pixels are interpolated from the same stored ones and their noise is not independent.</summary>
    public double StoredSpacing { get; }

    public static CanonicalImage From(RadiographImage image, bool lateral)
    {
        var px = image.Pixels;
        var col = image.ColumnDirection; var row = image.RowDirection;
        var transpose = col is PatientDirection.Head or PatientDirection.Feet;
        if (transpose) (col, row) = (row, col);
        var want = lateral ? PatientDirection.Posterior : PatientDirection.Left;
        var opposite = lateral ? PatientDirection.Anterior : PatientDirection.Right;
        var flipX = col == opposite;
        var flipY = row == PatientDirection.Head;
        var lateralityKnown = col == want || col == opposite;
        var superiorKnown = row is PatientDirection.Head or PatientDirection.Feet;

        using var m = new Mat(px.Height, px.Width, MatType.CV_32FC1);
        m.SetArray(px.Data);
        using var t = new Mat();
        if (transpose) Cv2.Transpose(m, t); else m.CopyTo(t);
        if (flipX && flipY) Cv2.Flip(t, t, FlipMode.XY);
        else if (flipX) Cv2.Flip(t, t, FlipMode.Y);
        else if (flipY) Cv2.Flip(t, t, FlipMode.X);
        var cs = transpose ? px.RowSpacing : px.ColumnSpacing;
        var rs = transpose ? px.ColumnSpacing : px.RowSpacing;
        var stored = Math.Min(cs, rs);
        var down = Math.Max(1, (int)Math.Round(TargetSpacingMm / stored));
        var up = Math.Max(1, (int)Math.Round(stored / TargetSpacingMm));
        var fullW = t.Cols; var fullH = t.Rows;
        using var w = new Mat();
        if (down > 1) Cv2.Resize(t, w, new Size(fullW / down, fullH / down), 0, 0, InterpolationFlags.Area);
        else if (up > 1) Cv2.Resize(t, w, new Size(fullW * up, fullH * up), 0, 0, InterpolationFlags.Linear);
        else t.CopyTo(w);
        w.GetArray(out float[] data);
        var scale = down > 1 ? down : 1.0 / up;
        return new CanonicalImage(data, w.Cols, w.Rows, cs * scale, rs * scale, transpose, flipX, flipY, scale, fullW, fullH, lateralityKnown, superiorKnown, stored);
    }

    /// <summary>Stored (row, column), 0-based, of a working-image position (x, y) in pixels.</summary>
    public (double Row, double Col) ToStored(double x, double y)
    {
        // Pixel centres: working pixel x covers stored [x·scale, (x + 1)·scale) (OpenCV's area and linear resizes alike).
        var fx = (x + 0.5) * _scale - 0.5;
        var fy = (y + 0.5) * _scale - 0.5;
        if (_flipX) fx = _fullWidth - 1 - fx;
        if (_flipY) fy = _fullHeight - 1 - fy;
        return _transpose ? (fx, fy) : (fy, fx);
    }
}

namespace CementQuant;

/// <summary>Projection of a radiograph: frontal (AP or PA: left and right visible) or lateral.</summary>
public enum RadiographView { Unknown, AP, PA, Lateral }

/// <summary>A patient direction as DICOM letters name it (PatientOrientation, PS3.3 C.7.6.1.1.1).</summary>
public enum PatientDirection { Unknown, Left, Right, Anterior, Posterior, Head, Feet }

/// <summary>A VOI LUT (PS3.3 C.11.2): <see cref="Data"/>[0] is the output for input <see cref="FirstMapped"/>;
/// inputs below/above the table map to its first/last entry. Outputs span 0..2^<see cref="Bits"/> − 1.</summary>
public sealed record VoiLut(double FirstMapped, int Bits, float[] Data);

/// <summary>
/// One projection radiograph (DX, CR or a CT localizer) as the analysis needs it, typed once at the DICOM
/// boundary. <see cref="Pixels"/> hold modality values after the modality LUT/rescale, turned so that higher
/// always means more radiopaque (MONOCHROME1 inverted), with spacings in millimetres at the patient
/// (ImagerPixelSpacing divided by EstimatedRadiographicMagnificationFactor when present, else PixelSpacing).
/// Which patient direction the stored columns and rows point to travels in <see cref="ColumnDirection"/> and
/// <see cref="RowDirection"/>; pixels are never flipped, so positions stay as stored.
/// </summary>
public sealed record RadiographImage
{
    public required Image2D<float> Pixels { get; init; }
    public required RadiographView View { get; init; }
    /// <summary>Where <see cref="View"/> came from: "ViewPosition", "PatientOrientation", "ImageOrientationPatient" or "unknown".</summary>
    public string ViewSource { get; init; } = "unknown";
    /// <summary>Patient direction of increasing column index (PatientOrientation's first value).</summary>
    public PatientDirection ColumnDirection { get; init; }
    /// <summary>Patient direction of increasing row index (PatientOrientation's second value).</summary>
    public PatientDirection RowDirection { get; init; }
    /// <summary>Where the spacing came from, e.g. "ImagerPixelSpacing/EstimatedRadiographicMagnificationFactor".</summary>
    public string SpacingSource { get; init; } = "";
    /// <summary>The magnification factor divided out of ImagerPixelSpacing (1 when none was applied).</summary>
    public double MagnificationFactor { get; init; } = 1;
    public int BitsStored { get; init; }
    /// <summary>True when the stored values were MONOCHROME1 and have been inverted.</summary>
    public bool Inverted { get; init; }
    /// <summary>Display window (centre, width) in the units of <see cref="Pixels"/>, when the file gives one.</summary>
    public (double Center, double Width)? Window { get; init; }
    /// <summary>VOI LUT in the units of <see cref="Pixels"/> (already re-indexed after inversion), when the file gives one.</summary>
    public VoiLut? VoiLut { get; init; }
    public string Modality { get; init; } = "";
    /// <summary>A CT scout/localizer rather than a radiograph proper.</summary>
    public bool IsLocalizer { get; init; }
    public string StudyInstanceUid { get; init; } = "";
    public string SeriesInstanceUid { get; init; } = "";
    public string SopInstanceUid { get; init; } = "";
    public int? SeriesNumber { get; init; }
    public int? InstanceNumber { get; init; }
    /// <summary>What loading noticed (assumed spacing, unknown orientation, ...).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public bool IsFrontal => View is RadiographView.AP or RadiographView.PA;

    /// <summary>8-bit display rendering: VOI LUT, else window, else the 0.5–99.5 percentile range; bright = radiopaque.</summary>
    public byte[] ToDisplay()
    {
        var src = Pixels.Data;
        var dst = new byte[src.Length];
        if (VoiLut is { } lut && lut.Data.Length > 0)
        {
            var max = (1 << lut.Bits) - 1.0;
            for (var i = 0; i < src.Length; i++)
            {
                var k = (int)Math.Clamp(Math.Round(src[i] - lut.FirstMapped), 0, lut.Data.Length - 1);
                dst[i] = (byte)Math.Clamp(Math.Round(255 * lut.Data[k] / max), 0, 255);
            }
            return dst;
        }
        double lo, hi;
        if (Window is { } w && w.Width > 0) { lo = w.Center - w.Width / 2; hi = w.Center + w.Width / 2; }
        else
        {
            var sorted = (float[])src.Clone();
            Array.Sort(sorted);
            lo = sorted[(int)(0.005 * (sorted.Length - 1))]; hi = sorted[(int)(0.995 * (sorted.Length - 1))];
            if (hi <= lo) hi = lo + 1;
        }
        var scale = 255 / (hi - lo);
        for (var i = 0; i < src.Length; i++) dst[i] = (byte)Math.Clamp(Math.Round((src[i] - lo) * scale), 0, 255);
        return dst;
    }
}

/// <summary>
/// The radiograph columns of shared/spec/METRICS.md for one vertebra in one view, without the keys (study,
/// series and image keys are the caller's). Null means "not applicable" (an empty CSV cell): left_fraction
/// on a lateral view, gaps without cement. <see cref="Qc"/> always holds PROJECTION_ONLY.
/// </summary>
public sealed record RadiographMetrics
{
    public required string Vertebra { get; init; }
    /// <summary>METRICS.md label_source: "counted" (from the sacrum) or "index" (V1, V2, … from the top cemented body, counting the bodies between).</summary>
    public required string LabelSource { get; init; }
    /// <summary>"AP" or "LAT".</summary>
    public required string View { get; init; }
    /// <summary>Body centroid, 0-based pixel row as stored.</summary>
    public required double ImageRow { get; init; }
    /// <summary>Body centroid, 0-based pixel column as stored.</summary>
    public required double ImageCol { get; init; }
    public required double BodyAreaMm2 { get; init; }
    public required double CementAreaMm2 { get; init; }
    public required double FillAreaPct { get; init; }
    public double? LeftFraction { get; init; }
    public bool? CrossesMidline { get; init; }
    public double? SuperiorGapMm { get; init; }
    public double? InferiorGapMm { get; init; }
    public bool? SuperiorContact { get; init; }
    public bool? InferiorContact { get; init; }
    public bool? Npec { get; init; }
    /// <summary>0..1: how sure the detection of this body, its cement and (AP) midline or (LAT) endplates is.</summary>
    public double Confidence { get; init; }
    public IReadOnlyList<string> Flags { get; init; } = [];
    public IReadOnlyList<string> Qc { get; init; } = ["PROJECTION_ONLY"];
}

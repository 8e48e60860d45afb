using System.Buffers.Binary;
using System.Globalization;

namespace CementQuant.Dicom.Series;

/// <summary>
/// Reads a projection image (DX, CR, RF single frame, CT localizer) into a typed <see cref="RadiographImage"/>:
/// stored values masked to BitsStored (sign-extended when signed), the modality LUT sequence or rescale
/// applied, MONOCHROME1 inverted (v ↦ m(min) + m(max) − v, so higher always means more radiopaque and the
/// value range is kept), window and VOI LUT carried into the new value space for display. Spacing at the
/// patient: ImagerPixelSpacing ÷ EstimatedRadiographicMagnificationFactor when both are given, else
/// PixelSpacing, else ImagerPixelSpacing uncorrected (noted), else 1 mm (noted). Orientation from
/// PatientOrientation (0020,0020), or from ImageOrientationPatient for CT localizers; view from
/// ViewPosition (0018,5101), else from that orientation.
/// </summary>
public static class RadiographLoader
{
    private static readonly DicomTag VoiLutFunction = new(0x0028, 0x1056);

    public static RadiographImage Load(string path) => Load(DicomFile.Open(path));

    public static RadiographImage Load(InstanceHeader header) => Load(DicomFile.Open(header.Path));

    public static RadiographImage Load(DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var header = HeaderReader.FromFile(file);
        try
        {
            return Build(file, header);
        }
        catch (FormatException ex)
        {
            throw new DicomReadException(file.Path, ex.Message, ex);
        }
    }

    private static RadiographImage Build(DicomFile file, InstanceHeader h)
    {
        var ds = file.Dataset;
        var path = file.Path;
        var notes = new List<string>();
        var info = DicomPixelData.GetFrameInfo(ds, path);
        if (info.SamplesPerPixel != 1)
            throw new DicomReadException(path, $"radiograph with {info.SamplesPerPixel} samples per pixel ({info.PhotometricInterpretation}): expected a monochrome image");
        var photometric = info.PhotometricInterpretation.Trim().ToUpperInvariant();
        if (photometric is not ("MONOCHROME1" or "MONOCHROME2"))
            throw new DicomReadException(path, $"PhotometricInterpretation (0028,0004): expected MONOCHROME1 or MONOCHROME2, found {photometric}");
        if (h.NumberOfFrames > 1) notes.Add($"MULTIFRAME {h.NumberOfFrames} frames: first frame read");

        var buffer = new byte[info.FrameBytes];
        DicomPixelData.DecodeFrame(file, info, 0, buffer);
        var n = info.Rows * info.Columns;
        var stored = new int[n];
        ReadStored(buffer, info, stored);
        var (minStored, maxStored) = info.Signed
            ? (-(1 << (info.BitsStored - 1)), (1 << (info.BitsStored - 1)) - 1)
            : (0, info.BitsStored >= 31 ? int.MaxValue : (1 << info.BitsStored) - 1);

        var modality = ModalityTransform(ds, h, path, notes);
        var invert = photometric == "MONOCHROME1";
        var flipSum = modality(minStored) + modality(maxStored);
        var pixels = ToDisplayValues(stored, minStored, maxStored, modality, invert, flipSum);
        var (window, voi) = Display(ds, path, invert, flipSum, notes);
        var (rowSp, colSp, spacingSource, magnification) = Spacing(ds, h, notes);

        var (colDir, rowDir, orientationSource) = Orientation(h);
        if (colDir == PatientDirection.Unknown || rowDir == PatientDirection.Unknown) notes.Add("ORIENTATION_UNKNOWN");
        var (view, viewSource) = View(h.ViewPosition, colDir, rowDir, orientationSource);
        if (view == RadiographView.Unknown) notes.Add("VIEW_UNKNOWN");

        return new RadiographImage
        {
            Pixels = new Image2D<float>(info.Columns, info.Rows, rowSp, colSp, pixels),
            View = view, ViewSource = viewSource,
            ColumnDirection = colDir, RowDirection = rowDir,
            SpacingSource = spacingSource, MagnificationFactor = magnification,
            BitsStored = info.BitsStored, Inverted = invert,
            Window = window, VoiLut = voi,
            Modality = h.Modality, IsLocalizer = h.Kind == InstanceKind.Localizer,
            StudyInstanceUid = h.StudyInstanceUid, SeriesInstanceUid = h.SeriesInstanceUid, SopInstanceUid = h.SopInstanceUid,
            SeriesNumber = h.SeriesNumber, InstanceNumber = h.InstanceNumber,
            Notes = notes,
        };
    }

    /// <summary>Modality LUT: the sequence wins over rescale (PS3.3 C.11.1); a RescaleSlope of 0 is ignored with a note.</summary>
    private static Func<double, double> ModalityTransform(DicomDataset ds, InstanceHeader h, string path, List<string> notes)
    {
        var mlut = ds.GetItem(DicomTag.ModalityLUTSequence);
        if (mlut is not null && ReadLut(mlut, path, "Modality LUT") is { } lut)
        {
            notes.Add("MODALITY_LUT applied");
            return v => lut.Data[(int)Math.Clamp(v - lut.FirstMapped, 0, lut.Data.Length - 1)];
        }
        var slope = h.RescaleSlope; var intercept = h.RescaleIntercept;
        if (slope == 0) { notes.Add("RescaleSlope 0 ignored"); slope = 1; }
        return v => v * slope + intercept;
    }

    /// <summary>Stored values through the modality transform, inverted for MONOCHROME1. Values repeat (at most 2^16 distinct
    /// for 16-bit data): the transform is cached in a table when the range is small.</summary>
    private static float[] ToDisplayValues(int[] stored, int minStored, int maxStored, Func<double, double> modality, bool invert, double flipSum)
    {
        var n = stored.Length;
        var pixels = new float[n];
        if (maxStored - minStored <= 1 << 17)
        {
            var table = new float[maxStored - minStored + 1];
            for (var v = minStored; v <= maxStored; v++)
            {
                var m = modality(v);
                table[v - minStored] = (float)(invert ? flipSum - m : m);
            }
            for (var i = 0; i < n; i++) pixels[i] = table[Math.Clamp(stored[i], minStored, maxStored) - minStored];
        }
        else
        {
            for (var i = 0; i < n; i++) { var m = modality(stored[i]); pixels[i] = (float)(invert ? flipSum - m : m); }
        }
        return pixels;
    }

    /// <summary>Display: window or VOI LUT, carried into the inverted value space.</summary>
    private static ((double, double)? Window, VoiLut? Voi) Display(DicomDataset ds, string path, bool invert, double flipSum, List<string> notes)
    {
        (double, double)? window = null;
        var wc = ds.GetFirstNumber(DicomTag.WindowCenter);
        var ww = ds.GetFirstNumber(DicomTag.WindowWidth);
        if (wc is { } c && ww is { } w && w > 0) window = (invert ? flipSum - c : c, w);
        VoiLut? voi = null;
        if (ds.GetItem(DicomTag.VOILUTSequence) is { } voiItem && ReadLut(voiItem, path, "VOI LUT") is { } v0)
        {
            voi = v0;
            if (invert)
            {
                // Display after inversion: out'(x) = max − out(flipSum − x); reverse the table and its domain.
                var max = (1 << v0.Bits) - 1f;
                var data = new float[v0.Data.Length];
                for (var i = 0; i < data.Length; i++) data[i] = max - v0.Data[data.Length - 1 - i];
                voi = new VoiLut(flipSum - (v0.FirstMapped + data.Length - 1), v0.Bits, data);
            }
        }
        var function = (ds.GetString(VoiLutFunction) ?? "").Trim().ToUpperInvariant();
        if (function == "SIGMOID") notes.Add("VOI LUT function SIGMOID shown as LINEAR");
        return (window, voi);
    }

    /// <summary>Pixel spacing at the patient: imager spacing over the magnification factor, else PixelSpacing, else imager
    /// spacing (sizes at the detector), else 1 mm assumed; each fallback noted.</summary>
    private static (double Row, double Col, string Source, double Magnification) Spacing(DicomDataset ds, InstanceHeader h, List<string> notes)
    {
        var emf = ds.GetFirstNumber(DicomTag.EstimatedRadiographicMagnificationFactor);
        if (h.ImagerPixelSpacing is { } ips && emf is > 0 && Positive(ips))
            return (ips.Row / emf.Value, ips.Column / emf.Value, "ImagerPixelSpacing/EstimatedRadiographicMagnificationFactor", emf.Value);
        if (h.PixelSpacing is { } ps && Positive(ps))
            return (ps.Row, ps.Column, "PixelSpacing", 1);
        if (h.ImagerPixelSpacing is { } ips2 && Positive(ips2))
        {
            notes.Add("SPACING_AT_DETECTOR: no magnification factor, sizes are at the detector");
            return (ips2.Row, ips2.Column, "ImagerPixelSpacing", 1);
        }
        notes.Add("SPACING_UNKNOWN: no PixelSpacing or ImagerPixelSpacing, 1 mm assumed");
        return (1, 1, "assumed 1 mm", 1);
    }

    private static bool Positive((double Row, double Column) s) => s.Row > 0 && s.Column > 0 && double.IsFinite(s.Row) && double.IsFinite(s.Column);

    /// <summary>Stored values masked to BitsStored and sign-extended (PS3.5 §8.1.1: bits above HighBit are not pixel data).</summary>
    internal static void ReadStored(ReadOnlySpan<byte> frame, Codecs.FrameInfo info, Span<int> dst)
    {
        var bits = info.BitsStored;
        var mask = bits >= 32 ? -1 : (int)((1L << bits) - 1);
        var signBit = bits >= 32 ? 0 : 1 << (bits - 1);
        for (var i = 0; i < dst.Length; i++)
        {
            int raw = info.BytesPerSample switch
            {
                1 => frame[i],
                2 => BinaryPrimitives.ReadUInt16LittleEndian(frame[(2 * i)..]),
                _ => BinaryPrimitives.ReadInt32LittleEndian(frame[(4 * i)..]),
            };
            if (bits < 32)
            {
                raw &= mask;
                if (info.Signed && (raw & signBit) != 0) raw -= 1 << bits;
            }
            dst[i] = raw;
        }
    }

    /// <summary>LUTDescriptor (entries, first mapped value, bits; 0 entries means 65536) and LUTData.</summary>
    private static VoiLut? ReadLut(DicomDataset item, string path, string what)
    {
        var desc = item.Get(DicomTag.LUTDescriptor);
        var data = item.Get(DicomTag.LUTData);
        if (desc is null || data is null || desc.Value.Length < 6) return null;
        var entries = desc.GetUInt16(0) is var e && e == 0 ? 65536 : desc.GetUInt16(0);
        // The first mapped value is US or SS depending on the pixel representation.
        double first = desc.VR == DicomVR.SS ? desc.GetInt16(1) : desc.GetUInt16(1);
        int bits = desc.GetUInt16(2);
        if (bits is < 1 or > 16) throw new DicomReadException(path, $"{what} LUTDescriptor: expected 1..16 bits, found {bits}");
        var bytes = data.Value.Span;
        var lut = new float[entries];
        if (bytes.Length >= 2 * entries)
            for (var i = 0; i < entries; i++)
                lut[i] = data.BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes[(2 * i)..]) : BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]);
        else if (bytes.Length >= entries && bits <= 8)
            for (var i = 0; i < entries; i++) lut[i] = bytes[i];
        else
            throw new DicomReadException(path, string.Create(CultureInfo.InvariantCulture, $"{what} LUTData: {bytes.Length} bytes for {entries} entries"));
        return new VoiLut(first, bits, lut);
    }

    private static (PatientDirection Column, PatientDirection Row, string Source) Orientation(InstanceHeader h)
    {
        if (h.PatientOrientation is { Length: 2 } po)
        {
            var c = Direction(po[0]); var r = Direction(po[1]);
            if (c != PatientDirection.Unknown && r != PatientDirection.Unknown) return (c, r, "PatientOrientation");
        }
        if (h.RowCosines is { } rc && h.ColumnCosines is { } cc)
            return (Dominant(rc), Dominant(cc), "ImageOrientationPatient");
        return (PatientDirection.Unknown, PatientDirection.Unknown, "none");
    }

    /// <summary>The first (most dominant) letter of a PatientOrientation value.</summary>
    internal static PatientDirection Direction(string value)
    {
        var s = value.Trim().ToUpperInvariant();
        return s.Length == 0 ? PatientDirection.Unknown : s[0] switch
        {
            'L' => PatientDirection.Left, 'R' => PatientDirection.Right,
            'A' => PatientDirection.Anterior, 'P' => PatientDirection.Posterior,
            'H' => PatientDirection.Head, 'F' => PatientDirection.Feet,
            _ => PatientDirection.Unknown,
        };
    }

    /// <summary>Patient direction of an LPS direction cosine's largest component.</summary>
    internal static PatientDirection Dominant(Vec3 d)
    {
        double ax = Math.Abs(d.X), ay = Math.Abs(d.Y), az = Math.Abs(d.Z);
        if (ax >= ay && ax >= az && ax > 0) return d.X > 0 ? PatientDirection.Left : PatientDirection.Right;
        if (ay >= az && ay > 0) return d.Y > 0 ? PatientDirection.Posterior : PatientDirection.Anterior;
        if (az > 0) return d.Z > 0 ? PatientDirection.Head : PatientDirection.Feet;
        return PatientDirection.Unknown;
    }

    private static (RadiographView, string) View(string viewPosition, PatientDirection col, PatientDirection row, string orientationSource)
    {
        switch (viewPosition.Trim().ToUpperInvariant())
        {
            case "AP": return (RadiographView.AP, "ViewPosition");
            case "PA": return (RadiographView.PA, "ViewPosition");
            case "LL" or "RL" or "LAT" or "LATERAL" or "LLD" or "RLD": return (RadiographView.Lateral, "ViewPosition");
        }
        static bool LeftRight(PatientDirection d) => d is PatientDirection.Left or PatientDirection.Right;
        static bool FrontBack(PatientDirection d) => d is PatientDirection.Anterior or PatientDirection.Posterior;
        if (LeftRight(col) || LeftRight(row)) return (RadiographView.AP, orientationSource);
        if (FrontBack(col) || FrontBack(row)) return (RadiographView.Lateral, orientationSource);
        return (RadiographView.Unknown, "unknown");
    }
}

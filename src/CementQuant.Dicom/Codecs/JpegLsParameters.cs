namespace CementQuant.Dicom.Codecs;

/// <summary>
/// The preset coding parameters of one JPEG-LS scan (ITU-T T.87 C.2.4.1.1): MAXVAL, the gradient
/// thresholds T1 ≤ T2 ≤ T3 and the context statistics RESET interval, after defaults are applied.
/// </summary>
internal readonly record struct JpegLsParameters(int MaxVal, int T1, int T2, int T3, int Reset)
{
    /// <summary>RESET when the stream does not give one (T.87 C.2.4.1.1).</summary>
    public const int DefaultReset = 64;

    /// <summary>
    /// Resolves the parameters of a scan: each value that an LSE marker segment (type 1) set to a non-zero
    /// value wins, every other one takes its T.87 default for the scan's MAXVAL and NEAR. Throws
    /// <see cref="InvalidDataException"/> when a value lies outside the range T.87 C.2.4.1.1 allows.
    /// </summary>
    /// <param name="bitsPerSample">P from the frame header (2..16).</param>
    /// <param name="near">NEAR from the scan header.</param>
    /// <param name="preset">The values of the last LSE type 1 segment, zeros where absent.</param>
    public static JpegLsParameters Resolve(int bitsPerSample, int near, JpegLsParameters preset)
    {
        var maxPossible = (1 << bitsPerSample) - 1;
        var maxVal = preset.MaxVal == 0 ? maxPossible : preset.MaxVal;
        if (maxVal < 1 || maxVal > maxPossible)
            throw new InvalidDataException($"JPEG-LS MAXVAL {maxVal}: expected 1..{maxPossible} for {bitsPerSample}-bit samples");
        if (near < 0 || near > Math.Min(255, maxVal / 2))
            throw new InvalidDataException($"JPEG-LS NEAR {near}: expected 0..{Math.Min(255, maxVal / 2)} for MAXVAL {maxVal}");
        var (t1, t2, t3) = DefaultThresholds(maxVal, near);
        if (preset.T1 != 0) t1 = preset.T1;
        if (preset.T2 != 0) t2 = preset.T2;
        if (preset.T3 != 0) t3 = preset.T3;
        var reset = preset.Reset == 0 ? DefaultReset : preset.Reset;
        if (t1 < near + 1 || t1 > maxVal || t2 < t1 || t2 > maxVal || t3 < t2 || t3 > maxVal)
            throw new InvalidDataException($"JPEG-LS thresholds T1={t1} T2={t2} T3={t3}: expected {near + 1} ≤ T1 ≤ T2 ≤ T3 ≤ MAXVAL {maxVal}");
        if (reset < 3 || reset > Math.Max(255, maxVal))
            throw new InvalidDataException($"JPEG-LS RESET {reset}: expected 3..{Math.Max(255, maxVal)}");
        return new JpegLsParameters(maxVal, t1, t2, t3, reset);
    }

    /// <summary>Default T1, T2, T3 (T.87 C.2.4.1.1.1), from BASIC_T1..3 = 3, 7, 21 scaled to MAXVAL and widened by NEAR.</summary>
    public static (int T1, int T2, int T3) DefaultThresholds(int maxVal, int near)
    {
        const int basicT1 = 3, basicT2 = 7, basicT3 = 21;
        if (maxVal >= 128)
        {
            var factor = (Math.Min(maxVal, 4095) + 128) / 256;
            var t1 = Clamp(factor * (basicT1 - 2) + 2 + 3 * near, near + 1, maxVal);
            var t2 = Clamp(factor * (basicT2 - 3) + 3 + 5 * near, t1, maxVal);
            var t3 = Clamp(factor * (basicT3 - 4) + 4 + 7 * near, t2, maxVal);
            return (t1, t2, t3);
        }
        else
        {
            var factor = 256 / (maxVal + 1);
            var t1 = Clamp(Math.Max(2, basicT1 / factor + 3 * near), near + 1, maxVal);
            var t2 = Clamp(Math.Max(3, basicT2 / factor + 5 * near), t1, maxVal);
            var t3 = Clamp(Math.Max(4, basicT3 / factor + 7 * near), t2, maxVal);
            return (t1, t2, t3);
        }

        // T.87's CLAMP(i, j, MAXVAL): j when i is outside j..MAXVAL, else i.
        static int Clamp(int i, int j, int maxVal) => i > maxVal || i < j ? j : i;
    }
}

using CementQuant.Dicom.Codecs;

namespace CementQuant.Dicom.Tests.Codecs;

public class JpegLsParametersTests
{
    [Theory]
    [InlineData(255, 0, 3, 7, 21)]      // 8-bit lossless: T.87 C.2.4.1.1 defaults, BASIC_T1..3 unscaled
    [InlineData(4095, 0, 18, 67, 276)]  // 12-bit: FACTOR = (4095 + 128) / 256 = 16
    [InlineData(65535, 0, 18, 67, 276)] // 16-bit: MAXVAL is capped at 4095 in FACTOR, so as 12-bit
    [InlineData(65535, 1, 21, 72, 283)] // NEAR 1 widens by 3, 5, 7: the values CharLS wrote into CTImage's LSE
    [InlineData(1023, 4, 18, 39, 100)]  // 10-bit NEAR 4: FACTOR 4; the values in RG2_JLSN's LSE
    [InlineData(127, 0, 2, 3, 10)]      // MAXVAL < 128: FACTOR = 256 / 128 = 2, BASIC_T / FACTOR floored, then max(2|3|4, ·)
    [InlineData(3, 0, 2, 3, 3)]         // 2-bit: T3 = max(4, 21/64) = 4 > MAXVAL, so CLAMP gives T2
    public void DefaultThresholds_MaxValAndNear_MatchT87(int maxVal, int near, int t1, int t2, int t3)
    {
        Assert.Equal((t1, t2, t3), JpegLsParameters.DefaultThresholds(maxVal, near));
    }

    [Fact]
    public void Resolve_NoPreset_TakesDefaultsAndReset64()
    {
        var p = JpegLsParameters.Resolve(16, 0, default);

        Assert.Equal(new JpegLsParameters(65535, 18, 67, 276, 64), p);
    }

    [Fact]
    public void Resolve_PresetWithSomeZeros_OverridesOnlyTheGivenValues()
    {
        var p = JpegLsParameters.Resolve(12, 0, new JpegLsParameters(0, 5, 0, 0, 32));

        Assert.Equal(new JpegLsParameters(4095, 5, 67, 276, 32), p);
    }

    [Theory]
    [InlineData(8, 0, 256, 0, 0, 0, 0)]  // MAXVAL beyond 8 bits
    [InlineData(8, 3, 0, 3, 0, 0, 0)]    // T1 < NEAR + 1
    [InlineData(8, 0, 0, 10, 5, 0, 0)]   // T2 < T1
    [InlineData(8, 0, 0, 0, 0, 300, 0)]  // T3 > MAXVAL
    [InlineData(8, 0, 0, 0, 0, 0, 2)]    // RESET < 3
    [InlineData(8, 128, 0, 0, 0, 0, 0)]  // NEAR > MAXVAL / 2
    public void Resolve_OutOfRangeValue_ThrowsInvalidData(int bits, int near, int maxVal, int t1, int t2, int t3, int reset)
    {
        Assert.Throws<InvalidDataException>(() => JpegLsParameters.Resolve(bits, near, new JpegLsParameters(maxVal, t1, t2, t3, reset)));
    }
}

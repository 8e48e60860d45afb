using CementQuant.Dicom.Codecs;

namespace CementQuant.Dicom.Tests.Codecs;

public class JpegLsBitReaderTests
{
    [Fact]
    public void ReadBits_AfterFFByte_SkipsStuffedZeroBit()
    {
        // FF, then 0x7F whose top bit is the stuffed 0 (7 data bits 1111111), then 1000 0000.
        var reader = new JpegLsBitReader([0xFF, 0x7F, 0x80], 0);

        Assert.Equal(0xFF, reader.ReadBits(8));
        Assert.Equal(0x7F, reader.ReadBits(7));
        Assert.Equal(1, reader.ReadBit());
        Assert.False(reader.Overrun);
    }

    [Fact]
    public void ReadBits_StuffedByteAcrossFastPath_KeepsBitOrder()
    {
        // Ten plain bytes, then FF 00 (stuffed zero, 7 zero bits), then 0xAB: 80 + 8 + 7 + 8 bits.
        byte[] data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0xFF, 0x00, 0xAB];
        var reader = new JpegLsBitReader(data, 0);

        for (var i = 1; i <= 10; i++) Assert.Equal(i, reader.ReadBits(8));
        Assert.Equal(0xFF, reader.ReadBits(8));
        Assert.Equal(0, reader.ReadBits(7));
        Assert.Equal(0xAB, reader.ReadBits(8));
        Assert.False(reader.Overrun);
    }

    [Fact]
    public void ReadBits_FFFollowedByMarkerCode_EndsSegmentAtMarker()
    {
        var reader = new JpegLsBitReader([0x12, 0xFF, 0xD9], 0);

        Assert.Equal(0x12, reader.ReadBits(8));
        Assert.False(reader.Overrun);
        Assert.Equal(0, reader.ReadBits(8)); // padding, not the marker
        Assert.True(reader.Overrun);
        Assert.Equal(1, reader.FindNextMarker());
    }

    [Fact]
    public void DecodeGolomb_ShortCode_ReturnsUnaryThenKBits()
    {
        // k = 2, MErrval 9: unary 9 >> 2 = 2 zeros and a 1, then 9 & 3 = 01 → 00101...
        var reader = new JpegLsBitReader([0b0010_1000], 0);

        Assert.Equal(9, reader.DecodeGolomb(2, 32, 8));
    }

    [Fact]
    public void DecodeGolomb_EscapeCode_ReadsQbppBitsPlusOne()
    {
        // 8-bit lossless: LIMIT 32, qbpp 8, so 23 zeros and a 1 escape to MErrval − 1 in 8 bits (199 → 200).
        var reader = new JpegLsBitReader([0x00, 0x00, 0x01, 199], 0);

        Assert.Equal(200, reader.DecodeGolomb(2, 32, 8));
        Assert.False(reader.Overrun);
    }

    [Fact]
    public void DecodeGolomb_MoreZerosThanLimit_ThrowsInvalidData()
    {
        byte[] data = [0, 0, 0, 0, 0x80];

        Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new JpegLsBitReader(data, 0);
            reader.DecodeGolomb(2, 32, 8);
        });
    }

    [Fact]
    public void ReadRestartMarker_AfterPaddedByte_ContinuesAfterMarker()
    {
        byte[] data = [0b1010_0000, 0xFF, 0xD3, 0xC3];
        var reader = new JpegLsBitReader(data, 0);

        Assert.Equal(0b101, reader.ReadBits(3));
        reader.ReadRestartMarker(3);
        Assert.Equal(0xC3, reader.ReadBits(8));
    }

    [Fact]
    public void ReadRestartMarker_WrongIndex_ThrowsInvalidData()
    {
        byte[] data = [0x00, 0xFF, 0xD4, 0x00];

        var ex = Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new JpegLsBitReader(data, 0);
            reader.ReadBits(8);
            reader.ReadRestartMarker(3);
        });
        Assert.Contains("RST3", ex.Message, StringComparison.Ordinal);
    }
}

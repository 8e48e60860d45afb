namespace CementQuant.Dicom.Codecs;

/// <summary>What a codec needs to know about one frame, from the image pixel module.</summary>
public sealed record FrameInfo(
    int Rows,
    int Columns,
    int SamplesPerPixel,
    int BitsAllocated,
    int BitsStored,
    bool Signed,
    int PlanarConfiguration,
    string PhotometricInterpretation)
{
    public int BytesPerSample => BitsAllocated <= 8 ? 1 : BitsAllocated <= 16 ? 2 : 4;

    /// <summary>Bytes of one decoded frame in native (uncompressed, little-endian) layout.</summary>
    public long FrameBytes => (long)Rows * Columns * SamplesPerPixel * BytesPerSample;
}

/// <summary>
/// Decodes one compressed frame (all fragments of that frame, concatenated) into the layout the
/// same frame would have in Explicit VR Little Endian: <see cref="FrameInfo.BytesPerSample"/> bytes
/// per sample, little-endian, the stored bit pattern (what <c>gdcmconv --raw</c> writes), colour
/// samples interleaved per pixel. Throws <see cref="InvalidDataException"/> on corrupt data.
/// </summary>
public interface IFrameDecoder
{
    void Decode(ReadOnlySpan<byte> frame, FrameInfo info, Span<byte> destination);
}

namespace CementQuant.Dicom.Codecs;

/// <summary>Placeholder until the codec lands: refuses every frame.</summary>
public sealed class JpegFrameDecoder : IFrameDecoder
{
    public void Decode(ReadOnlySpan<byte> frame, FrameInfo info, Span<byte> destination) =>
        throw new NotSupportedException("JpegFrameDecoder is not implemented yet");
}

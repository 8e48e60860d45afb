namespace CementQuant.Dicom.Codecs;

/// <summary>Placeholder until the codec lands: refuses every frame.</summary>
public sealed class Jpeg2000FrameDecoder : IFrameDecoder
{
    public void Decode(ReadOnlySpan<byte> frame, FrameInfo info, Span<byte> destination) =>
        throw new NotSupportedException("Jpeg2000FrameDecoder is not implemented yet");
}

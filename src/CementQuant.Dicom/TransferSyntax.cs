using CementQuant.Dicom.Codecs;

namespace CementQuant.Dicom;

/// <summary>How a dataset is encoded (PS3.5 §10) and, for encapsulated pixel data, which codec decodes it.</summary>
public sealed class TransferSyntax
{
    private TransferSyntax(string uid, string name, bool explicitVR = true, bool bigEndian = false,
        bool deflated = false, bool encapsulated = false, bool lossy = false, Func<IFrameDecoder>? decoder = null)
    {
        Uid = uid; Name = name; ExplicitVR = explicitVR; BigEndian = bigEndian; Deflated = deflated;
        Encapsulated = encapsulated; Lossy = lossy; _decoder = decoder;
    }

    private readonly Func<IFrameDecoder>? _decoder;

    public string Uid { get; }
    public string Name { get; }
    public bool ExplicitVR { get; }
    public bool BigEndian { get; }
    public bool Deflated { get; }
    public bool Encapsulated { get; }
    public bool Lossy { get; }

    /// <summary>True when we can produce pixels for this syntax.</summary>
    public bool CanDecode => !Encapsulated || _decoder is not null;

    /// <summary>A decoder for this syntax's frames; null for native (unencapsulated) syntaxes.</summary>
    public IFrameDecoder? CreateDecoder() => _decoder?.Invoke();

    public override string ToString() => $"{Uid} ({Name})";

    public static readonly TransferSyntax ImplicitVRLittleEndian = new("1.2.840.10008.1.2", "Implicit VR Little Endian", explicitVR: false);
    public static readonly TransferSyntax ExplicitVRLittleEndian = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian");
    public static readonly TransferSyntax DeflatedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", deflated: true);
    public static readonly TransferSyntax ExplicitVRBigEndian = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian (retired)", bigEndian: true);

    public static readonly TransferSyntax JpegBaseline = new("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", encapsulated: true, lossy: true, decoder: () => new JpegFrameDecoder());
    public static readonly TransferSyntax JpegExtended = new("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", encapsulated: true, lossy: true, decoder: () => new JpegFrameDecoder());
    public static readonly TransferSyntax JpegExtended35 = new("1.2.840.10008.1.2.4.52", "JPEG Extended (Process 3 & 5) (retired)", encapsulated: true, lossy: true, decoder: () => new JpegFrameDecoder());
    public static readonly TransferSyntax JpegSpectral68 = new("1.2.840.10008.1.2.4.53", "JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8) (retired)", encapsulated: true, lossy: true, decoder: () => new JpegFrameDecoder());
    public static readonly TransferSyntax JpegSpectral79 = new("1.2.840.10008.1.2.4.54", "JPEG Spectral Selection, Non-Hierarchical (Process 7 & 9) (retired)", encapsulated: true, lossy: true, decoder: () => new JpegFrameDecoder());
    public static readonly TransferSyntax JpegFullProgression1012 = new("1.2.840.10008.1.2.4.55", "JPEG Full Progression, Non-Hierarchical (Process 10 & 12) (retired)", encapsulated: true, lossy: true, decoder: () => new JpegFrameDecoder());
    public static readonly TransferSyntax JpegFullProgression1113 = new("1.2.840.10008.1.2.4.56", "JPEG Full Progression, Non-Hierarchical (Process 11 & 13) (retired)", encapsulated: true, lossy: true, decoder: () => new JpegFrameDecoder());
    public static readonly TransferSyntax JpegLossless14 = new("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", encapsulated: true, decoder: () => new JpegFrameDecoder());
    public static readonly TransferSyntax JpegLossless15 = new("1.2.840.10008.1.2.4.58", "JPEG Lossless, Non-Hierarchical (Process 15) (retired)", encapsulated: true, decoder: () => new JpegFrameDecoder());
    public static readonly TransferSyntax JpegLosslessSV1 = new("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", encapsulated: true, decoder: () => new JpegFrameDecoder());
    public static readonly TransferSyntax JpegLsLossless = new("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression", encapsulated: true, decoder: () => new JpegLsFrameDecoder());
    public static readonly TransferSyntax JpegLsNearLossless = new("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression", encapsulated: true, lossy: true, decoder: () => new JpegLsFrameDecoder());
    public static readonly TransferSyntax Jpeg2000Lossless = new("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", encapsulated: true, decoder: () => new Jpeg2000FrameDecoder());
    public static readonly TransferSyntax Jpeg2000 = new("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", encapsulated: true, lossy: true, decoder: () => new Jpeg2000FrameDecoder());
    public static readonly TransferSyntax RleLossless = new("1.2.840.10008.1.2.5", "RLE Lossless", encapsulated: true, decoder: () => new RleFrameDecoder());

    // Recognised so the error can name them; no decoder.
    private static readonly TransferSyntax[] Unsupported =
    [
        new("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)", encapsulated: true),
        new("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component Image Compression", encapsulated: true, lossy: true),
        new("1.2.840.10008.1.2.4.94", "JPIP Referenced", encapsulated: true),
        new("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate", encapsulated: true),
        new("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", encapsulated: true, lossy: true),
        new("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", encapsulated: true, lossy: true),
        new("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", encapsulated: true, lossy: true),
        new("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", encapsulated: true, lossy: true),
        new("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", encapsulated: true),
        new("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", encapsulated: true),
        new("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression", encapsulated: true, lossy: true),
        new("1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian", encapsulated: true),
    ];

    private static readonly Dictionary<string, TransferSyntax> ByUid = new[]
    {
        ImplicitVRLittleEndian, ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian,
        JpegBaseline, JpegExtended, JpegExtended35, JpegSpectral68, JpegSpectral79, JpegFullProgression1012,
        JpegFullProgression1113, JpegLossless14, JpegLossless15, JpegLosslessSV1, JpegLsLossless, JpegLsNearLossless,
        Jpeg2000Lossless, Jpeg2000, RleLossless,
    }.Concat(Unsupported).ToDictionary(t => t.Uid);

    /// <summary>The syntax for a UID. An unknown UID gets an encapsulated syntax without a decoder, so
    /// its headers still read (encapsulation is the only way a new syntax can be defined) but its
    /// pixels are refused with the UID in the message.</summary>
    public static TransferSyntax FromUid(string uid) =>
        ByUid.TryGetValue(uid, out var ts) ? ts : new TransferSyntax(uid, "unknown transfer syntax", encapsulated: true);
}

using CementQuant.Cli;
using OpenCvSharp;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// Native libraries' stderr lines become our log lines (NativeStderr): OpenCV's JPEG 2000 decoder, fed a broken
/// codestream, prints "[ERROR:…] global grfmt_jpeg2000_openjpeg.cpp:… OpenJPEG2000: …" lines and blank lines on
/// descriptor 2; while captured, each arrives at the sink once, cleaned, and none is blank.
/// </summary>
[Collection(NativeStderrCollection.Name)]
public sealed class NativeStderrTests
{
    [Fact]
    public void Capture_OpenCvDecodeErrors_ReachTheSinkCleanedWithoutBlankLines()
    {
        var lines = new List<string>();
        // A J2K codestream signature (SOC, SIZ) followed by junk: OpenJPEG fails and OpenCV logs why.
        byte[] broken = [0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, .. Enumerable.Range(0, 64).Select(i => (byte)(i * 37))];
        using (NativeStderr.Capture(line => { lock (lines) lines.Add(line); }))
        {
            using var mat = Cv2.ImDecode(broken, ImreadModes.Unchanged);
            Assert.True(mat.Empty(), "the junk decoded");
        }
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.False(string.IsNullOrWhiteSpace(l)));
        Assert.All(lines, l => Assert.DoesNotMatch(@"^\[\s*(ERROR|WARN)", l));
        Assert.Contains(lines, l => l.StartsWith("OpenCV error: ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[ERROR:2@8.907] global grfmt_jpeg2000_openjpeg.cpp:299 errorLogCallback OpenJPEG2000: Stream too short, expected SOT", "OpenCV error: OpenJPEG2000: Stream too short, expected SOT")]
    [InlineData("[ WARN:3@54.004] global grfmt_jpeg2000_openjpeg.cpp:304 warningLogCallback OpenJPEG2000: Stream does not end with EOC", "OpenCV warn: OpenJPEG2000: Stream does not end with EOC")]
    [InlineData("Corrupt JPEG data: 12 extraneous bytes  ", "Corrupt JPEG data: 12 extraneous bytes")]
    public void Clean_OpenCvPrefix_Removed(string raw, string expected) => Assert.Equal(expected, NativeStderr.Clean(raw));
}

/// <summary>Descriptor 2 is process-wide: the capture test runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeStderrCollection
{
    public const string Name = "native stderr";
}

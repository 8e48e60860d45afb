using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using CementQuant.Phantom;

namespace CementQuant.Phantom.Tests;

public class OutputTests
{
    [Fact]
    public void PreviewPng_Write_ValidChunksAndPixelsRoundTrip()
    {
        var pixels = new byte[7 * 5];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7);
        using var ms = new MemoryStream();
        PreviewPng.Write(ms, 7, 5, pixels);
        var png = ms.ToArray();
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var pos = 8; var idat = new MemoryStream();
        while (pos < png.Length)
        {
            var len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            var typeAndData = png.AsSpan(pos + 4, 4 + len);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + len));
            Assert.Equal(PreviewPng.Crc32(typeAndData), crc);
            if (typeAndData[..4].SequenceEqual("IDAT"u8)) idat.Write(typeAndData[4..]);
            pos += 12 + len;
        }
        Assert.Equal(0xAE426082u, PreviewPng.Crc32("IEND"u8)); // the well-known CRC of an empty IEND
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream(); z.CopyTo(raw);
        var data = raw.ToArray();
        Assert.Equal(5 * 8, data.Length);
        var prev = new byte[7];
        for (var y = 0; y < 5; y++)
        {
            Assert.Equal(2, data[y * 8]);
            for (var x = 0; x < 7; x++)
            {
                var v = (byte)(data[y * 8 + 1 + x] + prev[x]);
                Assert.Equal(pixels[y * 7 + x], v);
                prev[x] = v;
            }
        }
    }

    [Fact]
    public void TruthJson_WorkedExample_SnakeCaseColumnsStableAndInvariant()
    {
        var c = PhantomCatalogue.Get("worked-example");
        var truth = Shared.WorkedExampleTruth;
        var json = TruthJson.ToJson(c, truth);
        Assert.Equal(json, TruthJson.ToJson(c, truth));
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
        var l3 = root.GetProperty("vertebrae").EnumerateArray().Single(v => v.GetProperty("vertebra").GetString() == "L3");
        Assert.Equal("NPEC;ASYMMETRIC_MASS_LIKE;UNILATERAL;LOW_FILL;CLEFT", l3.GetProperty("flags").GetString());
        Assert.Equal("neither", l3.GetProperty("npec_type").GetString());
        Assert.Equal(1.0, l3.GetProperty("left_fraction").GetDouble());
        foreach (var key in new[] { "center_x_mm", "body_volume_ml", "cement_volume_ml", "fill_pct", "cement_left_ml", "cement_right_ml",
                     "asymmetry_index", "larger_side_fill_pct", "crosses_midline", "contralateral_reach_mm", "superior_contact",
                     "inferior_gap_mm", "superior_contact_pct", "bridging_left", "npec", "components", "pattern", "cleft_volume_ml",
                     "leakage_volume_ml", "leak_sites", "midsagittal_plane", "endplates" })
            Assert.True(l3.TryGetProperty(key, out _), key);
        var l1 = root.GetProperty("vertebrae")[0];
        Assert.Equal(JsonValueKind.Null, l1.GetProperty("left_fraction").ValueKind);
        var fill = Math.Round(truth["L3"].FillPct, 5).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"\"fill_pct\": {fill}", json, StringComparison.Ordinal); // '.' decimals whatever the culture
    }

    [Fact]
    public void Catalogue_All_HasAtLeastADozenDistinctDescribedCases()
    {
        var all = PhantomCatalogue.All;
        Assert.True(all.Count >= 12);
        Assert.Equal(all.Count, all.Select(c => c.Name).Distinct().Count());
        Assert.All(all, c => Assert.False(string.IsNullOrWhiteSpace(c.Description)));
        foreach (var required in new[] { "worked-example", "bipedicular-symmetric", "unipedicular-crossing", "superior-only", "inferior-only",
                     "trabecular-sponge", "leak-disc-superior", "leak-paravertebral", "leak-canal", "leak-venous", "no-cement", "multi-level",
                     "feet-first-prone", "mirrored-rows", "thick-slices-3mm", "rotated-scoliotic" })
            Assert.Contains(required, PhantomCatalogue.Names);
        Assert.Throws<ArgumentException>(() => PhantomCatalogue.Get("nope"));
        var full = PhantomCatalogue.Get("worked-example", PhantomSize.Full).Acquisition;
        Assert.Equal((512, 512, 300), (full.Columns, full.Rows, full.Slices));
    }
}

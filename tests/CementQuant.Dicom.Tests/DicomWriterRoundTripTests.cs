using System.Globalization;
using System.Text;

namespace CementQuant.Dicom.Tests;

/// <summary>
/// Random datasets of every VR, with nested sequences, written by <see cref="DicomWriter"/> and read back by our
/// parser (every tag, VR and value byte equal) and by dcmtk's dcmdump (parses without error, string values match).
/// </summary>
public sealed class DicomWriterRoundTripTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("cq-writer-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private const ushort PrivateGroup = 0x0009;
    private const string Creator = "CEMENTQUANT TEST";

    /// <summary>What we wrote: a leaf value or a sequence of items, each a list of nodes.</summary>
    private sealed record Node(DicomTag Tag, DicomVR Vr, byte[] Value, List<List<Node>>? Items);

    private static readonly DicomVR[] StringVrs = [DicomVR.AE, DicomVR.AS, DicomVR.CS, DicomVR.DA, DicomVR.DS, DicomVR.DT,
        DicomVR.IS, DicomVR.LO, DicomVR.LT, DicomVR.PN, DicomVR.SH, DicomVR.ST, DicomVR.TM, DicomVR.UC, DicomVR.UI, DicomVR.UR, DicomVR.UT];

    private static readonly DicomVR[] BinaryVrs = [DicomVR.AT, DicomVR.FD, DicomVR.FL, DicomVR.OB, DicomVR.OD, DicomVR.OF,
        DicomVR.OL, DicomVR.OV, DicomVR.OW, DicomVR.SL, DicomVR.SS, DicomVR.SV, DicomVR.UL, DicomVR.UN, DicomVR.US, DicomVR.UV];

    private static string Text(Random r, int max, string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _")
    {
        var n = r.Next(1, max + 1);
        var s = new string([.. Enumerable.Range(0, n).Select(_ => alphabet[r.Next(alphabet.Length)])]).Trim();
        return s.Length == 0 ? "X" : s;
    }

    private static string StringValue(Random r, DicomVR vr) => vr.ToString() switch
    {
        "AE" => Text(r, 16, "ABCDEFGHIJ0123456789"),
        "AS" => $"{r.Next(1000):000}{"DWMY"[r.Next(4)]}",
        "CS" => Text(r, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"),
        "DA" => new DateOnly(1950, 1, 1).AddDays(r.Next(30000)).ToString("yyyyMMdd", CultureInfo.InvariantCulture),
        "DS" => DicomWriter.FormatDS((r.NextDouble() - 0.5) * Math.Pow(10, r.Next(-6, 12))),
        "DT" => $"{new DateOnly(1950, 1, 1).AddDays(r.Next(30000)):yyyyMMdd}{r.Next(24):00}{r.Next(60):00}{r.Next(60):00}",
        "IS" => r.Next(-99999, 99999).ToString(CultureInfo.InvariantCulture),
        "PN" => $"{Text(r, 10, "ABCDEFGHIJ")}^{Text(r, 10, "KLMNOPQRST")}",
        "TM" => $"{r.Next(24):00}{r.Next(60):00}{r.Next(60):00}.{r.Next(1000):000}",
        "UI" => DicomWriter.UidFrom($"roundtrip/{r.Next()}"),
        "UR" => $"https://example.org/{Text(r, 20, "abcdefghij")}",
        "LO" or "SH" => Text(r, vr == DicomVR.SH ? 16 : 64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij0123456789 .-"),
        _ => Text(r, 200, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij0123456789 .-,;:"),
    };

    private static Node Leaf(Random r, DicomWriter w, DicomTag tag)
    {
        var pickString = r.Next(2) == 0;
        if (pickString)
        {
            var vr = StringVrs[r.Next(StringVrs.Length)];
            var multi = vr != DicomVR.LT && vr != DicomVR.ST && vr != DicomVR.UT && vr != DicomVR.UR && r.Next(3) == 0;
            var values = Enumerable.Range(0, multi ? r.Next(2, 4) : 1).Select(_ => StringValue(r, vr)).ToArray();
            w.AddStrings(tag, vr, values);
            var bytes = Encoding.ASCII.GetBytes(string.Join('\\', values));
            if (bytes.Length % 2 == 1) bytes = [.. bytes, vr == DicomVR.UI ? (byte)0 : (byte)' '];
            return new Node(tag, vr, bytes, null);
        }
        var bvr = BinaryVrs[r.Next(BinaryVrs.Length)];
        var n = r.Next(1, 6);
        byte[] raw = bvr.ToString() switch
        {
            "FD" => Bytes(w.AddFloat64(tag, [.. Enumerable.Range(0, n).Select(_ => r.NextDouble() * 1e6 - 5e5)]), tag),
            "FL" => Bytes(w.AddFloat32(tag, [.. Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 1e3))]), tag),
            "SL" => Bytes(w.AddInt32(tag, [.. Enumerable.Range(0, n).Select(_ => r.Next(int.MinValue, int.MaxValue))]), tag),
            "SS" => Bytes(w.AddInt16(tag, [.. Enumerable.Range(0, n).Select(_ => (short)r.Next(short.MinValue, short.MaxValue))]), tag),
            "UL" => Bytes(w.AddUInt32(tag, [.. Enumerable.Range(0, n).Select(_ => (uint)r.NextInt64(0, uint.MaxValue))]), tag),
            "US" => Bytes(w.AddUInt16(tag, [.. Enumerable.Range(0, n).Select(_ => (ushort)r.Next(ushort.MaxValue))]), tag),
            "SV" => Bytes(w.AddInt64(tag, [.. Enumerable.Range(0, n).Select(_ => r.NextInt64(long.MinValue, long.MaxValue))]), tag),
            "UV" => Bytes(w.AddUInt64(tag, [.. Enumerable.Range(0, n).Select(_ => (ulong)r.NextInt64(0, long.MaxValue))]), tag),
            "AT" => Bytes(w.AddTags(tag, [.. Enumerable.Range(0, n).Select(_ => new DicomTag((ushort)(2 * r.Next(1, 0x4000)), (ushort)r.Next(ushort.MaxValue)))]), tag),
            _ => Bytes(w.Add(tag, bvr, RandomBytes(r, bvr == DicomVR.OB || bvr == DicomVR.UN ? r.Next(0, 40) : 8 * r.Next(0, 8))), tag),
        };
        return new Node(tag, bvr, raw, null);
    }

    private static byte[] RandomBytes(Random r, int n)
    {
        var b = new byte[n];
        r.NextBytes(b);
        return b;
    }

    /// <summary>The bytes the writer holds for a tag, as the reader must see them (even length).</summary>
    private static byte[] Bytes(DicomWriter w, DicomTag tag)
    {
        using var ms = new MemoryStream();
        w.Write(ms, "1.2.3", "1.2.3");
        var f = DicomFile.Parse(ms.ToArray(), "mem");
        return f.Dataset.Get(tag)!.Value.ToArray();
    }

    private static List<Node> RandomDataset(Random r, DicomWriter w, int depth)
    {
        var nodes = new List<Node>();
        w.AddString(new DicomTag(PrivateGroup, 0x0010), DicomVR.LO, Creator);
        nodes.Add(new Node(new DicomTag(PrivateGroup, 0x0010), DicomVR.LO, Encoding.ASCII.GetBytes(Creator), null));
        var count = r.Next(1, 8);
        var elements = Enumerable.Range(0, 0x100).OrderBy(_ => r.Next()).Take(count).Order();
        foreach (var e in elements)
        {
            var tag = new DicomTag(PrivateGroup, (ushort)(0x1000 + e));
            if (depth < 4 && r.Next(4) == 0)
            {
                var items = new List<List<Node>>();
                var writers = new List<DicomWriter>();
                for (var i = r.Next(0, 4); i > 0; i--)
                {
                    var item = DicomWriter.Item();
                    items.Add(RandomDataset(r, item, depth + 1));
                    writers.Add(item);
                }
                w.AddSequence(tag, [.. writers]);
                nodes.Add(new Node(tag, DicomVR.SQ, [], items));
            }
            else nodes.Add(Leaf(r, w, tag));
        }
        return nodes;
    }

    private static void AssertEqual(List<Node> expected, DicomDataset actual, string path)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var n in expected)
        {
            var e = actual.Get(n.Tag);
            Assert.True(e is not null, $"{path}{n.Tag} missing");
            Assert.Equal(n.Vr, e.VR);
            if (n.Items is null)
            {
                Assert.True(n.Value.AsSpan().SequenceEqual(e.Value.Span), $"{path}{n.Tag} {n.Vr} value differs");
                continue;
            }
            Assert.NotNull(e.Items);
            Assert.Equal(n.Items.Count, e.Items.Count);
            for (var i = 0; i < n.Items.Count; i++) AssertEqual(n.Items[i], e.Items[i], $"{path}{n.Tag}[{i}]/");
        }
    }

    private static IEnumerable<Node> Leaves(List<Node> nodes) =>
        nodes.SelectMany(n => n.Items is null ? [n] : n.Items.SelectMany(Leaves));

    [Fact]
    public void RandomDatasetsRoundTripThroughOurReader()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var r = new Random(seed);
            var w = new DicomWriter();
            var expected = RandomDataset(r, w, 0);
            using var ms = new MemoryStream();
            w.Write(ms, "1.2.840.10008.5.1.4.1.1.7", DicomWriter.UidFrom($"roundtrip/{seed}"));
            var f = DicomFile.Parse(ms.ToArray(), $"seed {seed}");
            Assert.Equal(TransferSyntax.ExplicitVRLittleEndian.Uid, f.Meta.GetString(DicomTag.TransferSyntaxUID));
            var groupLength = f.Meta.Get(DicomTag.FileMetaInformationGroupLength)!.GetUInt32();
            Assert.Equal(ms.Length - 144 - groupLength, BodyLength(ms.ToArray(), groupLength));
            Assert.Equal(DicomWriter.UidFrom($"roundtrip/{seed}"), f.Dataset.GetString(DicomTag.SOPInstanceUID));
            var filtered = new DicomDataset();
            foreach (var e in f.Dataset.Elements.Where(e => e.Tag.Group == PrivateGroup)) filtered.Add(e);
            AssertEqual(expected, filtered, $"seed {seed}: ");
        }
    }

    /// <summary>Bytes after the meta group: the group length must point exactly at the first dataset element.</summary>
    private static long BodyLength(byte[] file, uint groupLength)
    {
        var start = 132 + 12 + (int)groupLength;
        Assert.NotEqual(0x0002, BitConverter.ToUInt16(file, start));
        Assert.Equal(0x0002, BitConverter.ToUInt16(file, start - (int)groupLength));
        return file.Length - start;
    }

    [Fact]
    public void RandomDatasetsParseInDcmdumpWithTheSameValues()
    {
        if (Peer.Find("dcmdump") is null)
        {
            Assert.False(Peer.Required, "dcmdump (dcmtk) is not installed, and CI requires it");
            return;
        }
        for (var seed = 0; seed < 40; seed++)
        {
            var r = new Random(1000 + seed);
            var w = new DicomWriter();
            var expected = RandomDataset(r, w, 0);
            var path = Path.Combine(_tmp, $"r{seed}.dcm");
            w.Save(path, "1.2.840.10008.5.1.4.1.1.7", DicomWriter.UidFrom($"dcmdump/{seed}"));
            // dcmdump logs parse problems to stderr as "E:"/"W:" lines; merge them into what we check.
            var dump = Peer.Run("sh", "-c", "dcmdump +L \"$0\" 2>&1", path);
            Assert.DoesNotContain("E: ", dump);
            Assert.DoesNotContain("W: ", dump);
            foreach (var leaf in Leaves(expected).Where(l => l.Vr.IsString))
            {
                var text = Encoding.ASCII.GetString(leaf.Value).TrimEnd(' ', '\0');
                Assert.Contains($"[{text}]", dump);
            }
            Assert.Contains("(0002,0010) UI =LittleEndianExplicit", dump);
        }
    }
}

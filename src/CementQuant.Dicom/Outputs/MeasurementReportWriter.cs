using System.Globalization;

namespace CementQuant.Dicom.Outputs;

/// <summary>A numeric measurement of a group: concept, value and UCUM unit.</summary>
public sealed record ReportNumber(DicomCode Concept, double Value, DicomCode Unit);

/// <summary>A qualitative evaluation (a flag): concept and coded value.</summary>
public sealed record ReportEvaluation(DicomCode Concept, DicomCode Value);

/// <summary>
/// One TID 1411 measurement group: a vertebra with its tracking identifier, finding site, the SEG segment it was
/// measured on (CT; null for radiographs), numbers and qualitative evaluations.
/// </summary>
public sealed record ReportGroup(string TrackingId, DicomCode FindingSite, int? SegmentNumber,
    IReadOnlyList<ReportNumber> Numbers, IReadOnlyList<ReportEvaluation> Evaluations);

/// <summary>The SEG a CT report's groups refer to (its SOP instance UID and series).</summary>
public sealed record SegReference(string SeriesInstanceUid, string SopInstanceUid);

/// <summary>
/// Writes a TID 1500 Measurement Report as a Comprehensive SR: language, device observer, procedure reported,
/// image library (the source images), and under Imaging Measurements one measurement group per vertebra with
/// tracking identifier and UID, finding site, the referenced SEG segment, the numbers with UCUM units and the flags
/// as qualitative evaluations. Deterministic UIDs from the key, like <see cref="SegmentationWriter"/>.
/// </summary>
public static class MeasurementReportWriter
{
    public const string SopClassUid = "1.2.840.10008.5.1.4.1.1.88.33"; // Comprehensive SR

    /// <summary>Coding scheme designator of CementQuant's own concepts (the 99 prefix marks a private scheme).</summary>
    public const string PrivateScheme = "99CQ";

    public static (string Series, string Instance) Uids(string key) =>
        (DicomWriter.UidFrom($"cementquant/sr/{key}/series"), DicomWriter.UidFrom($"cementquant/sr/{key}/instance"));

    private static readonly DicomTag RelationshipType = new(0x0040, 0xA010), ValueType = new(0x0040, 0xA040),
        ConceptName = new(0x0040, 0xA043), ContentSequence = new(0x0040, 0xA730), ReferencedSop = new(0x0008, 0x1199),
        SopClass = new(0x0008, 0x1150), SopInstance = new(0x0008, 0x1155);

    public static void Write(string path, string key, DicomSourceIdentity source, DicomCode procedure, SegReference? seg,
        IReadOnlyList<ReportGroup> groups, DateTime contentTime)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(groups);
        var (seriesUid, instanceUid) = Uids(key);
        var w = new DicomWriter();
        SegmentationWriter.WriteIdentity(w, source, contentTime);
        w.AddString(DicomTag.Modality, DicomVR.CS, "SR")
            .AddUid(DicomTag.SeriesInstanceUID, seriesUid)
            .AddString(DicomTag.SeriesNumber, DicomVR.IS, "9902")
            .AddString(DicomTag.SeriesDescription, DicomVR.LO, "CementQuant measurements")
            .AddString(DicomTag.InstanceNumber, DicomVR.IS, "1")
            .AddSequence(new DicomTag(0x0008, 0x1111))                          // ReferencedPerformedProcedureStepSequence, type 2
            .AddString(new DicomTag(0x0040, 0xA491), DicomVR.CS, "COMPLETE")    // CompletionFlag
            .AddString(new DicomTag(0x0040, 0xA493), DicomVR.CS, "UNVERIFIED")  // VerificationFlag
            .AddSequence(new DicomTag(0x0040, 0xA372));                         // PerformedProcedureCodeSequence, type 2

        // The project's own concepts (flags, fill and contact measures) use a private scheme, declared here (PS3.3 C.12.1.1.2).
        w.AddSequence(new DicomTag(0x0008, 0x0110), DicomWriter.Item()
            .AddString(new DicomTag(0x0008, 0x0102), DicomVR.SH, PrivateScheme)
            .AddString(new DicomTag(0x0008, 0x0115), DicomVR.ST, "CementQuant measures")
            .AddString(new DicomTag(0x0008, 0x0116), DicomVR.ST, "CementQuant"));

        // Evidence: the source images and the SEG.
        List<DicomWriter> evidenceSeries = [DicomWriter.Item().AddUid(DicomTag.SeriesInstanceUID, source.SeriesInstanceUid)
            .AddSequence(ReferencedSop, [.. source.SliceSopInstanceUids.Select(u => Sop(source.SliceSopClassUid, u))])];
        if (seg is not null)
            evidenceSeries.Add(DicomWriter.Item().AddUid(DicomTag.SeriesInstanceUID, seg.SeriesInstanceUid)
                .AddSequence(ReferencedSop, Sop(SegmentationWriter.SopClassUid, seg.SopInstanceUid)));
        w.AddSequence(new DicomTag(0x0040, 0xA375), DicomWriter.Item()          // CurrentRequestedProcedureEvidenceSequence
            .AddUid(DicomTag.StudyInstanceUID, source.StudyInstanceUid)
            .AddSequence(new DicomTag(0x0008, 0x1115), [.. evidenceSeries]));

        // Root container, TID 1500.
        w.AddString(ValueType, DicomVR.CS, "CONTAINER")
            .AddSequence(ConceptName, new DicomCode("126000", "DCM", "Imaging Measurement Report").ToItem())
            .AddString(new DicomTag(0x0040, 0xA050), DicomVR.CS, "SEPARATE")
            .AddSequence(new DicomTag(0x0040, 0xA504), DicomWriter.Item()
                .AddString(new DicomTag(0x0008, 0x0105), DicomVR.CS, "DCMR")
                .AddString(new DicomTag(0x0040, 0xDB00), DicomVR.CS, "1500"));

        var library = Container("CONTAINS", new DicomCode("111028", "DCM", "Image Library"), [Container("CONTAINS",
            new DicomCode("126200", "DCM", "Image Library Group"),
            [.. source.SliceSopInstanceUids.Select(u => Item("CONTAINS", "IMAGE", null).AddSequence(ReferencedSop, Sop(source.SliceSopClassUid, u)))])]);
        var measurements = Container("CONTAINS", new DicomCode("126010", "DCM", "Imaging Measurements"),
            [.. groups.Select(g => Group(key, source, seg, g))]);
        w.AddSequence(ContentSequence,
            Code("HAS CONCEPT MOD", new DicomCode("121049", "DCM", "Language of Content Item and Descendants"), new DicomCode("en-US", "RFC5646", "English (United States)")),
            Code("HAS OBS CONTEXT", new DicomCode("121005", "DCM", "Observer Type"), new DicomCode("121007", "DCM", "Device")),
            Item("HAS OBS CONTEXT", "UIDREF", new DicomCode("121012", "DCM", "Device Observer UID")).AddUid(new DicomTag(0x0040, 0xA124), DicomWriter.ImplementationClassUid),
            Item("HAS OBS CONTEXT", "TEXT", new DicomCode("121013", "DCM", "Device Observer Name")).AddString(new DicomTag(0x0040, 0xA160), DicomVR.UT, SegmentationWriter.AlgorithmName),
            Code("HAS CONCEPT MOD", new DicomCode("121058", "DCM", "Procedure reported"), procedure),
            library,
            measurements);
        w.Save(path, SopClassUid, instanceUid);
    }

    private static DicomWriter Group(string key, DicomSourceIdentity source, SegReference? seg, ReportGroup g)
    {
        List<DicomWriter> children =
        [
            Item("HAS OBS CONTEXT", "TEXT", new DicomCode("112039", "DCM", "Tracking Identifier")).AddString(new DicomTag(0x0040, 0xA160), DicomVR.UT, g.TrackingId),
            Item("HAS OBS CONTEXT", "UIDREF", new DicomCode("112040", "DCM", "Tracking Unique Identifier"))
                .AddUid(new DicomTag(0x0040, 0xA124), DicomWriter.UidFrom($"cementquant/track/{key}/{g.TrackingId}")),
        ];
        if (seg is not null && g.SegmentNumber is int segment)
        {
            children.Add(Item("CONTAINS", "IMAGE", new DicomCode("121191", "DCM", "Referenced Segment"))
                .AddSequence(ReferencedSop, Sop(SegmentationWriter.SopClassUid, seg.SopInstanceUid)
                    .AddUInt16(new DicomTag(0x0062, 0x000B), (ushort)segment)));
            children.Add(Item("CONTAINS", "UIDREF", new DicomCode("121232", "DCM", "Source series for segmentation"))
                .AddUid(new DicomTag(0x0040, 0xA124), source.SeriesInstanceUid));
        }
        children.Add(Code("HAS CONCEPT MOD", new DicomCode("363698007", "SCT", "Finding Site"), g.FindingSite));
        foreach (var n in g.Numbers)
        {
            children.Add(Item("CONTAINS", "NUM", n.Concept).AddSequence(new DicomTag(0x0040, 0xA300), DicomWriter.Item()
                .AddSequence(new DicomTag(0x0040, 0x08EA), n.Unit.ToItem())
                .AddDecimals(new DicomTag(0x0040, 0xA30A), n.Value)));
        }
        foreach (var e in g.Evaluations) children.Add(Code("CONTAINS", e.Concept, e.Value));
        return Container("CONTAINS", new DicomCode("125007", "DCM", "Measurement Group"), children)
            .AddSequence(new DicomTag(0x0040, 0xA504), DicomWriter.Item()
                .AddString(new DicomTag(0x0008, 0x0105), DicomVR.CS, "DCMR")
                .AddString(new DicomTag(0x0040, 0xDB00), DicomVR.CS, seg is null ? "1410" : "1411"));
    }

    private static DicomWriter Sop(string sopClass, string instance) => DicomWriter.Item().AddUid(SopClass, sopClass).AddUid(SopInstance, instance);

    private static DicomWriter Item(string relationship, string valueType, DicomCode? concept)
    {
        var item = DicomWriter.Item().AddString(RelationshipType, DicomVR.CS, relationship).AddString(ValueType, DicomVR.CS, valueType);
        return concept is null ? item : item.AddSequence(ConceptName, concept.ToItem());
    }

    private static DicomWriter Code(string relationship, DicomCode concept, DicomCode value) =>
        Item(relationship, "CODE", concept).AddSequence(new DicomTag(0x0040, 0xA168), value.ToItem());

    private static DicomWriter Container(string relationship, DicomCode concept, IReadOnlyList<DicomWriter> children) =>
        Item(relationship, "CONTAINER", concept)
            .AddString(new DicomTag(0x0040, 0xA050), DicomVR.CS, "SEPARATE")
            .AddSequence(ContentSequence, [.. children]);

    /// <summary>A number as the SR writes it (a DS of at most 16 characters), for comparing back to the CSV.</summary>
    public static string Format(double v) => DicomWriter.FormatDS(v).ToString(CultureInfo.InvariantCulture);
}

namespace CementQuant.Dicom;

/// <summary>Value representation: the two ASCII letters of PS3.5 Table 6.2-1, packed in a ushort.</summary>
public readonly record struct DicomVR(ushort Code)
{
    public DicomVR(char a, char b) : this((ushort)((a << 8) | b)) { }

    public static DicomVR Parse(string s) => new(s[0], s[1]);

    public override string ToString() => new([(char)(Code >> 8), (char)(Code & 0xFF)]);

    public static readonly DicomVR AE = Parse("AE"), AS = Parse("AS"), AT = Parse("AT"), CS = Parse("CS"),
        DA = Parse("DA"), DS = Parse("DS"), DT = Parse("DT"), FD = Parse("FD"), FL = Parse("FL"),
        IS = Parse("IS"), LO = Parse("LO"), LT = Parse("LT"), OB = Parse("OB"), OD = Parse("OD"),
        OF = Parse("OF"), OL = Parse("OL"), OV = Parse("OV"), OW = Parse("OW"), PN = Parse("PN"),
        SH = Parse("SH"), SL = Parse("SL"), SQ = Parse("SQ"), SS = Parse("SS"), ST = Parse("ST"),
        SV = Parse("SV"), TM = Parse("TM"), UC = Parse("UC"), UI = Parse("UI"), UL = Parse("UL"),
        UN = Parse("UN"), UR = Parse("UR"), US = Parse("US"), UT = Parse("UT"), UV = Parse("UV");

    /// <summary>Placeholder for an implicit-VR element not in our dictionary.</summary>
    public static readonly DicomVR None = new(0);

    private static readonly HashSet<ushort> Known = [.. new[] { AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD,
        OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV }.Select(v => v.Code)];

    public bool IsKnown => Known.Contains(Code);

    /// <summary>Explicit VRs whose length is a 32-bit field after two reserved bytes.</summary>
    public bool HasLongLength => this == OB || this == OD || this == OF || this == OL || this == OV || this == OW
        || this == SQ || this == UC || this == UN || this == UR || this == UT || this == SV || this == UV;

    public bool IsString => this == AE || this == AS || this == CS || this == DA || this == DS || this == DT
        || this == IS || this == LO || this == LT || this == PN || this == SH || this == ST || this == TM
        || this == UC || this == UI || this == UR || this == UT;
}

using CementQuant.Cli;
using CementQuant.Dicom.Series;
using CementQuant.Reporting;

namespace CementQuant.EndToEnd.Tests;

/// <summary>
/// patient_key (METRICS.md "Follow-up"): the keyed hash of PatientID with IssuerOfPatientID that links a patient's
/// studies. The same patient from the same issuer gets the same key, whatever the study; another ID, another issuer
/// or another site key gives another; an absent ID gives no key, so anonymised studies are never linked.
/// </summary>
public sealed class PatientKeyTests
{
    private static readonly SiteKey Site = new([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);

    private static InstanceHeader Header(string patientId, string issuer = "", string path = "/a/1.dcm") => new()
    {
        Path = path, Kind = InstanceKind.CtSlice, KindReason = "", PatientId = patientId, IssuerOfPatientId = issuer,
    };

    [Fact]
    public void SamePatientAndIssuer_InAnotherStudyFile_SameKey() =>
        Assert.Equal(SeriesKeys.Patient(Site, Header("PAT0042", "HOSP", "/x/1.dcm")), SeriesKeys.Patient(Site, Header("PAT0042", "HOSP", "/y/7.dcm")));

    [Fact]
    public void AnotherIdIssuerOrSiteKey_AnotherKey()
    {
        var key = SeriesKeys.Patient(Site, Header("PAT0042", "HOSP"));
        Assert.Equal(16, key.Length);
        Assert.NotEqual(key, SeriesKeys.Patient(Site, Header("PAT0043", "HOSP")));
        Assert.NotEqual(key, SeriesKeys.Patient(Site, Header("PAT0042", "OTHER")));
        Assert.NotEqual(key, SeriesKeys.Patient(new SiteKey([.. Enumerable.Range(2, 32).Select(i => (byte)i)]), Header("PAT0042", "HOSP")));
        Assert.DoesNotContain("PAT0042", key, StringComparison.Ordinal);
    }

    [Fact]
    public void NoPatientId_NoKey() => Assert.Equal("", SeriesKeys.Patient(Site, Header("  ")));
}

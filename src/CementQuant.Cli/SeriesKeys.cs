using CementQuant.Dicom.Series;
using CementQuant.Reporting;

namespace CementQuant.Cli;

/// <summary>
/// The one rule for a DICOM series' pseudonymous keys (shared/spec/METRICS.md "Privacy"): keyed hashes of the Study and
/// Series Instance UIDs with the site key; the series key also covers the instance kind (a CT and its scouts may share a
/// series UID). Empty UIDs (anonymised exports) are keyed by what grouped the files instead. Used by analyze and convert,
/// so a converted volume's sidecar names the series_key its analysis has.
/// </summary>
internal static class SeriesKeys
{
    public static (string StudyKey, string SeriesKey) For(SiteKey key, string studyUid, string seriesUid, InstanceHeader first)
    {
        var study = studyUid.Length > 0 ? studyUid : "no-study-uid:" + Path.GetDirectoryName(Path.GetFullPath(first.Path));
        var series = seriesUid.Length > 0 ? seriesUid : "no-series-uid:" + Path.GetFullPath(first.Path);
        return (key.Hash(study), key.Hash(series + "|" + first.Kind));
    }

    /// <summary>patient_key: the keyed hash of PatientID with IssuerOfPatientID (the same ID from two issuers is two
    /// patients); empty when PatientID is empty, because an absent ID must never link the studies of different people.</summary>
    public static string Patient(SiteKey key, InstanceHeader first) =>
        first.PatientId.Trim().Length == 0 ? "" : key.Hash("patient:" + first.IssuerOfPatientId.Trim() + "|" + first.PatientId.Trim());
}

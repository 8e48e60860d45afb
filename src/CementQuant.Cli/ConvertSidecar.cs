using System.Text.Json;
using CementQuant.Dicom.Series;

namespace CementQuant.Cli;

/// <summary>
/// The JSON sidecar beside each volume <c>convert</c> writes (like dcm2niix's <c>-b</c>): the keys analyze gives the
/// series, the geometry in patient LPS, what the acquisition's header says (slice thickness, gantry tilt, patient
/// position, transfer syntax, rescale) and the source file count, and the loader's notes. No identifiers: no names, IDs,
/// dates or raw UIDs.
/// </summary>
internal static class ConvertSidecar
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static string Json(SeriesGroup g, CtVolume ct, (string StudyKey, string SeriesKey) keys)
    {
        var v = ct.Hu;
        var geo = v.Geometry;
        var first = g.First;
        static double[] Xyz(Vec3 p) => [p.X, p.Y, p.Z];
        return JsonSerializer.Serialize(new
        {
            tool = "cementquant convert",
            tool_version = ToolVersion.Full,
            study_key = keys.StudyKey,
            series_key = keys.SeriesKey,
            modality = first.Modality,
            kind = g.Kind.ToString(),
            source_files = g.Instances.Count,
            transfer_syntax_uid = first.TransferSyntaxUid,
            transfer_syntax = first.TransferSyntaxName,
            dimensions = new[] { v.SizeX, v.SizeY, v.SizeZ },
            spacing_mm = new[] { geo.ColumnSpacing, geo.RowSpacing, geo.SliceSpacing },
            origin_lps_mm = Xyz(geo.ToPatient(0, 0, 0)),
            column_step_lps = Xyz(geo.ColumnStep),
            row_step_lps = Xyz(geo.RowStep),
            slice_step_lps = Xyz(geo.SliceStep),
            slice_thickness_mm = ct.SliceThickness,
            gantry_tilt_deg = first.GantryTilt,
            patient_position = ct.PatientPosition,
            rescale_slope = first.RescaleSlope,
            rescale_intercept = first.RescaleIntercept,
            units = "HU",
            notes = ct.Notes,
        }, Options);
    }
}

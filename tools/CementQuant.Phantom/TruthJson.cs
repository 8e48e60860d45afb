using System.Text;
using System.Text.Json;

namespace CementQuant.Phantom;

/// <summary>
/// Writes <c>truth.json</c>: per vertebra every METRICS.md column with a true value (snake_case, the same
/// names), "not applicable" as null, booleans as true/false, <c>leak_sites</c> and <c>flags</c> ';'-joined as
/// in the CSV; plus the geometric truth (midsagittal plane, local frame, endplate height maps) and, when
/// given, the radiograph truth. Invariant formatting, fixed key order, numbers rounded to 5 decimals, so the
/// file is byte-stable for a case.
/// </summary>
public static class TruthJson
{
    public const int SchemaVersion = 1;
    private const double EndplateGridMm = 2.0;

    public static void Write(string path, PhantomCase phantom, PhantomTruth truth, IEnumerable<RenderedRadiograph>? radiographs = null)
    {
        using var file = File.Create(path);
        Write(file, phantom, truth, radiographs);
    }

    public static string ToJson(PhantomCase phantom, PhantomTruth truth, IEnumerable<RenderedRadiograph>? radiographs = null)
    {
        using var ms = new MemoryStream();
        Write(ms, phantom, truth, radiographs);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public static void Write(Stream stream, PhantomCase phantom, PhantomTruth truth, IEnumerable<RenderedRadiograph>? radiographs = null)
    {
        ArgumentNullException.ThrowIfNull(phantom);
        ArgumentNullException.ThrowIfNull(truth);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteNumber("schema_version", SchemaVersion);
        w.WriteString("case", phantom.Name);
        w.WriteString("description", phantom.Description);
        Num(w, "contact_tolerance_mm", truth.ContactToleranceMm);
        Num(w, "truth_grid_mm", truth.GridMm);
        WriteAcquisition(w, phantom.Acquisition);
        w.WriteStartArray("vertebrae");
        foreach (var v in truth.Vertebrae) WriteVertebra(w, v);
        w.WriteEndArray();
        if (radiographs is not null)
        {
            w.WriteStartArray("radiographs");
            foreach (var r in radiographs) WriteRadiograph(w, r);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteAcquisition(Utf8JsonWriter w, AcquisitionOptions a)
    {
        w.WriteStartObject("acquisition");
        w.WriteString("patient_position", a.PatientPosition.ToString());
        w.WriteNumber("columns", a.Columns);
        w.WriteNumber("rows", a.Rows);
        w.WriteNumber("slices", a.Slices);
        Num(w, "pixel_spacing_mm", a.PixelSpacing);
        Num(w, "slice_spacing_mm", a.SliceSpacing);
        Num(w, "slice_thickness_mm", a.SliceThickness);
        w.WriteBoolean("mirrored_rows", a.MirroredRows);
        Num(w, "noise_sigma_hu", a.NoiseSigma);
        w.WriteBoolean("cement_streaks", a.CementStreaks);
        w.WriteBoolean("signed_storage", a.SignedStorage);
        Num(w, "rescale_intercept", a.RescaleIntercept);
        w.WriteBoolean("shuffled_file_names", a.ShuffledFileNames);
        w.WriteEndObject();
    }

    private static void WriteVertebra(Utf8JsonWriter w, VertebraTruth v)
    {
        w.WriteStartObject();
        w.WriteString("vertebra", v.Vertebra);
        w.WriteNumber("label", v.Label);
        Num(w, "center_x_mm", v.Center.X);
        Num(w, "center_y_mm", v.Center.Y);
        Num(w, "center_z_mm", v.Center.Z);
        Num(w, "body_volume_ml", v.BodyVolumeMl);
        Num(w, "cement_volume_ml", v.CementVolumeMl);
        Num(w, "fill_pct", v.FillPct);
        Num(w, "cement_left_ml", v.CementLeftMl);
        Num(w, "cement_right_ml", v.CementRightMl);
        Num(w, "left_fraction", v.LeftFraction);
        Num(w, "asymmetry_index", v.AsymmetryIndex);
        Num(w, "larger_side_fill_pct", v.LargerSideFillPct);
        Bool(w, "crosses_midline", v.CrossesMidline);
        Num(w, "contralateral_reach_mm", v.ContralateralReachMm);
        Num(w, "left_reach_pct", v.LeftReachPct);
        Num(w, "right_reach_pct", v.RightReachPct);
        w.WriteBoolean("superior_contact", v.SuperiorContact);
        w.WriteBoolean("inferior_contact", v.InferiorContact);
        Num(w, "superior_gap_mm", v.SuperiorGapMm);
        Num(w, "inferior_gap_mm", v.InferiorGapMm);
        Num(w, "superior_contact_pct", v.SuperiorContactPct);
        Num(w, "inferior_contact_pct", v.InferiorContactPct);
        w.WriteBoolean("superior_contact_left", v.SuperiorContactLeft);
        w.WriteBoolean("superior_contact_right", v.SuperiorContactRight);
        w.WriteBoolean("inferior_contact_left", v.InferiorContactLeft);
        w.WriteBoolean("inferior_contact_right", v.InferiorContactRight);
        w.WriteBoolean("bridging_left", v.BridgingLeft);
        w.WriteBoolean("bridging_right", v.BridgingRight);
        w.WriteBoolean("npec", v.Npec);
        w.WriteString("npec_type", v.NpecType);
        w.WriteNumber("components", v.Components);
        w.WriteString("pattern", v.Pattern);
        Num(w, "cleft_volume_ml", v.CleftVolumeMl);
        Num(w, "leakage_volume_ml", v.LeakageVolumeMl);
        w.WriteString("leak_sites", string.Join(';', v.LeakSites));
        w.WriteString("flags", string.Join(';', v.Flags));
        if (v.Geometry is { } g)
        {
            // Fracture geometry (METRICS.md schema 2), from the continuous model.
            Num(w, "height_anterior_mm", g.HeightAnteriorMm);
            Num(w, "height_middle_mm", g.HeightMiddleMm);
            Num(w, "height_posterior_mm", g.HeightPosteriorMm);
            Num(w, "height_left_mm", g.HeightLeftMm);
            Num(w, "height_right_mm", g.HeightRightMm);
            Num(w, "wedge_angle_deg", g.WedgeAngleDeg);
            Num(w, "coronal_wedge_angle_deg", g.CoronalWedgeAngleDeg);
            Num(w, "kyphotic_angle_deg", g.KyphoticAngleDeg);
            Num(w, "reference_height_mm", g.ReferenceHeightMm);
            Num(w, "height_loss_pct", g.HeightLossPct);
            w.WriteString("fracture_shape", g.FractureShape);
            w.WriteNumber("genant_grade", g.GenantGrade);
        }

        w.WriteStartObject("midsagittal_plane");
        Vec(w, "point", v.MidsagittalPoint);
        Vec(w, "normal", v.MidsagittalNormal);
        w.WriteEndObject();
        w.WriteStartObject("frame");
        Vec(w, "origin", v.Frame.Origin);
        Vec(w, "u_left", v.Frame.U);
        Vec(w, "v_posterior", v.Frame.V);
        Vec(w, "w_cranial", v.Frame.W);
        w.WriteEndObject();
        WriteEndplates(w, v);
        w.WriteEndObject();
    }

    /// <summary>Endplate surfaces as height maps over the local (u, v) grid: w of the surface at each node
    /// inside the body's section, null outside; patient point = origin + u·U + v·V + w·W.</summary>
    private static void WriteEndplates(Utf8JsonWriter w, VertebraTruth v)
    {
        var m = v.Model;
        var h = EndplateGridMm;
        var nu = (int)Math.Floor(m.HalfWidth / h); var nv = (int)Math.Floor(m.HalfDepth / h);
        w.WriteStartObject("endplates");
        w.WriteString("definition", "local w = +/-(height/2 - concavity*(1 - rn^2)), rn = rho/R(theta), inside the section rn <= 1");
        Num(w, "height_mm", m.Spec.Height);
        Num(w, "concavity_mm", m.Spec.EndplateConcavity);
        Num(w, "grid_mm", h);
        Num(w, "u0_mm", -nu * h);
        Num(w, "v0_mm", -nv * h);
        w.WriteNumber("nu", 2 * nu + 1);
        w.WriteNumber("nv", 2 * nv + 1);
        foreach (var (name, sign) in new[] { ("superior_w_mm", 1.0), ("inferior_w_mm", -1.0) })
        {
            w.WriteStartArray(name);
            for (var j = -nv; j <= nv; j++)
            {
                for (var i = -nu; i <= nu; i++)
                {
                    var u = i * h; var vv = j * h;
                    if (m.NormalizedRadius(u, vv) > 1) w.WriteNullValue();
                    else w.WriteNumberValue(Math.Round(sign * m.SuperiorEndplateW(u, vv), 5));
                }
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteRadiograph(Utf8JsonWriter w, RenderedRadiograph r)
    {
        w.WriteStartObject();
        w.WriteString("view", r.View == View.AP ? "AP" : "LAT");
        w.WriteString("patient_orientation", r.PatientOrientation);
        w.WriteString("photometric_interpretation", r.PhotometricInterpretation);
        w.WriteNumber("columns", r.Image.Width);
        w.WriteNumber("rows", r.Image.Height);
        Num(w, "imager_pixel_spacing_row_mm", r.Image.RowSpacing);
        Num(w, "imager_pixel_spacing_col_mm", r.Image.ColumnSpacing);
        w.WriteStartArray("vertebrae");
        foreach (var t in r.Truth)
        {
            w.WriteStartObject();
            w.WriteString("vertebra", t.Vertebra);
            w.WriteNumber("label", t.Label);
            Num(w, "image_row", t.ImageRow);
            Num(w, "image_col", t.ImageCol);
            Num(w, "body_area_mm2", t.BodyAreaMm2);
            Num(w, "cement_area_mm2", t.CementAreaMm2);
            Num(w, "fill_area_pct", t.FillAreaPct);
            Num(w, "left_fraction", t.LeftFraction);
            Bool(w, "crosses_midline", t.CrossesMidline);
            Num(w, "superior_gap_mm", t.SuperiorGapMm);
            Num(w, "inferior_gap_mm", t.InferiorGapMm);
            Bool(w, "superior_contact", t.SuperiorContact);
            Bool(w, "inferior_contact", t.InferiorContact);
            Bool(w, "npec", t.Npec);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Num(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } x && double.IsFinite(x)) w.WriteNumber(name, Math.Round(x, 5));
        else w.WriteNull(name);
    }

    private static void Bool(Utf8JsonWriter w, string name, bool? value)
    {
        if (value is { } b) w.WriteBoolean(name, b);
        else w.WriteNull(name);
    }

    private static void Vec(Utf8JsonWriter w, string name, Vec3 v)
    {
        w.WriteStartArray(name);
        w.WriteNumberValue(Math.Round(v.X, 6));
        w.WriteNumberValue(Math.Round(v.Y, 6));
        w.WriteNumberValue(Math.Round(v.Z, 6));
        w.WriteEndArray();
    }
}

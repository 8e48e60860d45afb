namespace CementQuant.Reporting;

/// <summary>What a column holds in every output (CSV, SQLite/PostgreSQL, results.json).</summary>
public enum ColumnType { Integer, Number, Text, Boolean }

/// <summary>One output column: its name, type, unit, the schema version that added it, and what it means (METRICS.md's words).</summary>
public sealed record ColumnDefinition(string Name, ColumnType Type, string Unit, int Since, string Meaning);

/// <summary>
/// The one source of truth for every output column: the tables' definitions, in order. The CSV headers and rows
/// (<see cref="VertebraTable"/>, <see cref="RadiographTable"/>, the series, problems and runs tables) are checked against
/// it by the tests; the database's column types, <c>docs/data-dictionary.md</c> and <c>docs/results.schema.json</c>
/// (<see cref="DataDictionary"/>) are made from it; a test fails when any of them drifts.
/// </summary>
public static partial class ColumnCatalog
{
    /// <summary>vertebrae.csv, in order (METRICS.md "Per-vertebra metrics" and "Fracture geometry").</summary>
    public static readonly IReadOnlyList<ColumnDefinition> Vertebrae =
    [
        new("schema_version", ColumnType.Integer, "", 1, "version of the output layout: 1, then 2 since fracture geometry"),
        new("study_key", ColumnType.Text, "", 1, "pseudonymous key of the study: keyed hash (HMAC-SHA256, site key) of its StudyInstanceUID"),
        new("series_key", ColumnType.Text, "", 1, "pseudonymous key of the series: keyed hash of its SeriesInstanceUID and instance kind"),
        new("vertebra", ColumnType.Text, "", 1, "anatomical label (`L3`) when known (from a supplied segmentation or from counting), else `V1`, `V2`, ... from superior to inferior"),
        new("label_source", ColumnType.Text, "", 1, "`segmentation`, `counted`, `index`"),
        new("center_x_mm", ColumnType.Number, "mm", 1, "body centroid in patient LPS"),
        new("center_y_mm", ColumnType.Number, "mm", 1, "body centroid in patient LPS"),
        new("center_z_mm", ColumnType.Number, "mm", 1, "body centroid in patient LPS"),
        new("body_volume_ml", ColumnType.Number, "mL", 1, "vertebral body volume (cortex included, posterior elements excluded)"),
        new("cement_volume_ml", ColumnType.Number, "mL", 1, "cement inside the body"),
        new("fill_pct", ColumnType.Number, "%", 1, "100 × cement_volume_ml / body_volume_ml (BCV/VBV%)"),
        new("cement_left_ml", ColumnType.Number, "mL", 1, "in-body cement on the patient's left / right of the vertebra's midsagittal plane"),
        new("cement_right_ml", ColumnType.Number, "mL", 1, "in-body cement on the patient's left / right of the vertebra's midsagittal plane"),
        new("left_fraction", ColumnType.Number, "0..1", 1, "cement_left_ml / cement_volume_ml"),
        new("asymmetry_index", ColumnType.Number, "0..1", 1, "abs(L − R) / (L + R)"),
        new("larger_side_fill_pct", ColumnType.Number, "%", 1, "100 × max(L, R) / body_volume_ml (LSBCV/VBV%)"),
        new("crosses_midline", ColumnType.Boolean, "", 1, "cement reaches at least 2 mm past the midsagittal plane into the minor side"),
        new("contralateral_reach_mm", ColumnType.Number, "mm", 1, "how far cement reaches past the midsagittal plane into the minor side (0 if not at all)"),
        new("left_reach_pct", ColumnType.Number, "%", 1, "lateral extent of cement on each side as % of that half's width"),
        new("right_reach_pct", ColumnType.Number, "%", 1, "lateral extent of cement on each side as % of that half's width"),
        new("superior_contact", ColumnType.Boolean, "", 1, "cement within the contact tolerance (default 1.0 mm) of that endplate"),
        new("inferior_contact", ColumnType.Boolean, "", 1, "cement within the contact tolerance (default 1.0 mm) of that endplate"),
        new("superior_gap_mm", ColumnType.Number, "mm", 1, "smallest cement-to-endplate distance (0 when in contact)"),
        new("inferior_gap_mm", ColumnType.Number, "mm", 1, "smallest cement-to-endplate distance (0 when in contact)"),
        new("superior_contact_pct", ColumnType.Number, "%", 1, "% of the endplate's area that has cement within tolerance beneath it"),
        new("inferior_contact_pct", ColumnType.Number, "%", 1, "% of the endplate's area that has cement within tolerance beneath it"),
        new("superior_contact_left", ColumnType.Boolean, "", 1, "the same endplate contact, on the patient's left / right half of the body"),
        new("superior_contact_right", ColumnType.Boolean, "", 1, "the same endplate contact, on the patient's left / right half of the body"),
        new("inferior_contact_left", ColumnType.Boolean, "", 1, "the same endplate contact, on the patient's left / right half of the body"),
        new("inferior_contact_right", ColumnType.Boolean, "", 1, "the same endplate contact, on the patient's left / right half of the body"),
        new("bridging_left", ColumnType.Boolean, "", 1, "one connected cement component in that half touches both endplates (a load-bearing pillar)"),
        new("bridging_right", ColumnType.Boolean, "", 1, "one connected cement component in that half touches both endplates (a load-bearing pillar)"),
        new("npec", ColumnType.Boolean, "", 1, "cement present and not (superior_contact and inferior_contact)"),
        new("npec_type", ColumnType.Text, "", 1, "`none`, `superior_only` (B1), `inferior_only` (B2), `neither` (B3)"),
        new("components", ColumnType.Integer, "", 1, "connected in-body cement components (26-connectivity, components under 0.01 mL ignored)"),
        new("sphericity", ColumnType.Number, "0..1", 1, "of the largest component, π^(1/3)(6V)^(2/3)/A"),
        new("solidity", ColumnType.Number, "0..1", 1, "largest component volume / its convex hull volume"),
        new("surface_to_volume_mm1", ColumnType.Number, "1/mm", 1, "cement surface area / volume (high for interdigitated cement)"),
        new("pattern", ColumnType.Text, "", 1, "`none`, `mass_like`, `trabecular`, `mixed`"),
        new("cleft_volume_ml", ColumnType.Number, "mL", 1, "gas (below −200 HU) or fluid-density cavity inside the body"),
        new("leakage_volume_ml", ColumnType.Number, "mL", 1, "cement outside the body attributed to this vertebra"),
        new("leak_sites", ColumnType.Text, "", 1, "`;`-joined: `intradiscal_superior`, `intradiscal_inferior`, `paravertebral`, `spinal_canal`, `foraminal`, `venous`"),
        new("threshold_hu", ColumnType.Number, "HU", 1, "the cement threshold used for this vertebra"),
        new("flags", ColumnType.Text, "", 1, "`;`-joined, see below"),
        new("qc", ColumnType.Text, "", 1, "`;`-joined quality warnings (e.g. `STREAK_ARTIFACT`, `SATURATED`, `LOW_ROI_CONFIDENCE`, `GANTRY_TILT_CORRECTED`)"),
        new("height_anterior_mm", ColumnType.Number, "mm", 2, "superior-to-inferior endplate distance along the body's cranio-caudal axis, in its midsagittal plane, 5 mm behind the anterior wall, at the middle of the body's depth, and 5 mm in front of the posterior wall (cortex included)"),
        new("height_middle_mm", ColumnType.Number, "mm", 2, "superior-to-inferior endplate distance along the body's cranio-caudal axis, in its midsagittal plane, 5 mm behind the anterior wall, at the middle of the body's depth, and 5 mm in front of the posterior wall (cortex included)"),
        new("height_posterior_mm", ColumnType.Number, "mm", 2, "superior-to-inferior endplate distance along the body's cranio-caudal axis, in its midsagittal plane, 5 mm behind the anterior wall, at the middle of the body's depth, and 5 mm in front of the posterior wall (cortex included)"),
        new("height_left_mm", ColumnType.Number, "mm", 2, "the same distance in the coronal plane through the body centroid, halfway between the midsagittal plane and the patient's left / right wall (a collapse of one half, as in the worked example, shows here, not in the midsagittal heights)"),
        new("height_right_mm", ColumnType.Number, "mm", 2, "the same distance in the coronal plane through the body centroid, halfway between the midsagittal plane and the patient's left / right wall (a collapse of one half, as in the worked example, shows here, not in the midsagittal heights)"),
        new("wedge_angle_deg", ColumnType.Number, "°", 2, "angle between the superior and inferior endplate lines in the midsagittal plane; positive when the front is lower (kyphotic)"),
        new("coronal_wedge_angle_deg", ColumnType.Number, "°", 2, "angle between the endplate lines in the coronal plane; positive when the patient's right side is lower"),
        new("kyphotic_angle_deg", ColumnType.Number, "°", 2, "local kyphosis: superior endplate of the body above to inferior endplate of the body below, in this body's midsagittal plane, positive kyphotic; empty without both neighbours"),
        new("reference_height_mm", ColumnType.Number, "mm", 2, "mean posterior height of the nearest unfractured bodies above and below (empty when none)"),
        new("height_loss_pct", ColumnType.Number, "%", 2, "100 × max(1 − Ha/Hp, 1 − Hm/Hp, 1 − Hp/reference_height, 1 − min(Hl, Hr)/max(Hl, Hr)) (negative values shown as 0)"),
        new("fracture_shape", ColumnType.Text, "", 2, "`none`, `wedge`, `biconcave`, `crush`, `lateral_wedge` (which term gives height_loss_pct)"),
        new("genant_grade", ColumnType.Integer, "", 2, "0 (< 20 %), 1 (20–25 %), 2 (25–40 %), 3 (> 40 %) from height_loss_pct"),
        new("cement_centroid_lr_mm", ColumnType.Number, "mm", 2, "in-body cement centroid in the vertebra's own frame (origin body centroid; +lr patient left, +ap posterior, +si superior)"),
        new("cement_centroid_ap_mm", ColumnType.Number, "mm", 2, "in-body cement centroid in the vertebra's own frame (origin body centroid; +lr patient left, +ap posterior, +si superior)"),
        new("cement_centroid_si_mm", ColumnType.Number, "mm", 2, "in-body cement centroid in the vertebra's own frame (origin body centroid; +lr patient left, +ap posterior, +si superior)"),
        new("patient_key", ColumnType.Text, "", 2, "pseudonymous key of the patient: keyed hash of PatientID and IssuerOfPatientID; empty where the input names no patient (it links a patient's studies for follow-up)"),
    ];

    /// <summary>radiographs.csv, in order (METRICS.md "Radiographs"): 2D analogues measured on the projection.</summary>
    public static readonly IReadOnlyList<ColumnDefinition> Radiographs =
    [
        Shared("schema_version"), Shared("study_key"), Shared("series_key"), Shared("vertebra"), Shared("label_source"),
        new("image_key", ColumnType.Text, "", 1, "pseudonymous key of the image: keyed hash of its SOPInstanceUID"),
        new("view", ColumnType.Text, "", 1, "`AP` (frontal, AP or PA) or `LAT` (lateral)"),
        new("image_row", ColumnType.Number, "pixel", 1, "body centroid's row in the image as stored, 0-based"),
        new("image_col", ColumnType.Number, "pixel", 1, "body centroid's column in the image as stored, 0-based"),
        new("body_area_mm2", ColumnType.Number, "mm²", 1, "projected area of the vertebral body"),
        new("cement_area_mm2", ColumnType.Number, "mm²", 1, "projected area of the cement inside the body"),
        new("fill_area_pct", ColumnType.Number, "%", 1, "100 × cement_area_mm2 / body_area_mm2 (correlates weakly with volumetric fill)"),
        new("left_fraction", ColumnType.Number, "0..1", 1, "AP only: share of the projected cement on the patient's left of the body's projected midline"),
        new("crosses_midline", ColumnType.Boolean, "", 1, "AP only: projected cement on both sides of the midline"),
        new("superior_gap_mm", ColumnType.Number, "mm", 1, "LAT only: shortest distance from the cement to the superior endplate (0 when touching)"),
        new("inferior_gap_mm", ColumnType.Number, "mm", 1, "LAT only: shortest distance from the cement to the inferior endplate (0 when touching)"),
        new("superior_contact", ColumnType.Boolean, "", 1, "LAT only: cement within the contact tolerance of the superior endplate"),
        new("inferior_contact", ColumnType.Boolean, "", 1, "LAT only: cement within the contact tolerance of the inferior endplate"),
        new("npec", ColumnType.Boolean, "", 1, "LAT only: cement does not touch both endplates"),
        Shared("flags"),
        new("qc", ColumnType.Text, "", 1, "quality notes, `;`-separated; always `PROJECTION_ONLY` (a projection, not a volume)"),
        Shared("patient_key"),
    ];

    /// <summary>series.csv, in order: every series seen and what became of it.</summary>
    public static readonly IReadOnlyList<ColumnDefinition> Series =
    [
        Shared("schema_version"), Shared("study_key"), Shared("series_key"),
        new("kind", ColumnType.Text, "", 1, "what the series is: `CtSlice`, `Radiograph`, `Localizer`, `NIfTI`, ..."),
        new("description", ColumnType.Text, "", 1, "what the series holds, in words (e.g. `CT volume 512×512×150`), no DICOM text"),
        new("status", ColumnType.Text, "", 1, "`ok`, `skipped` (deliberately not analysed) or `failed`"),
        new("reason", ColumnType.Text, "", 1, "why skipped or failed (files named by file_key unless --include-phi)"),
        new("files", ColumnType.Integer, "", 1, "number of input files of the series"),
        new("vertebrae", ColumnType.Integer, "", 1, "rows written for it: CT vertebrae, or radiograph rows (vertebra × view)"),
        new("cemented", ColumnType.Integer, "", 1, "of those, rows with cement"),
        new("notes", ColumnType.Text, "", 1, "stage notes, `;`-separated (geometry source, dropped duplicates, ...)"),
        Shared("patient_key"),
    ];

    /// <summary>problems.csv, in order: every file or series not used, and why.</summary>
    public static readonly IReadOnlyList<ColumnDefinition> Problems =
    [
        new("file_key", ColumnType.Text, "", 2, "pseudonymous key of the file: keyed hash of its path relative to the input"),
        new("stage", ColumnType.Text, "", 1, "where it was given up: `read`, `load`, `select`, `analyze`, `retrieve`"),
        new("reason", ColumnType.Text, "", 1, "why, in words (files named by file_key unless --include-phi)"),
        Shared("series_key"),
    ];

    /// <summary>Added to the problems table with --include-phi (empty otherwise in the database).</summary>
    public static readonly IReadOnlyList<ColumnDefinition> ProblemsPhi =
    [
        new("path", ColumnType.Text, "", 1, "the file's path relative to the input (--include-phi only)"),
    ];

    /// <summary>Added to the vertebrae, radiographs and series tables with --include-phi (NULL otherwise in the database).</summary>
    public static readonly IReadOnlyList<ColumnDefinition> Phi =
    [
        new("patient_id", ColumnType.Text, "", 1, "PatientID (0010,0020), --include-phi only"),
        new("study_uid", ColumnType.Text, "", 1, "StudyInstanceUID, --include-phi only"),
        new("series_uid", ColumnType.Text, "", 1, "SeriesInstanceUID, --include-phi only"),
        new("study_date", ColumnType.Text, "", 1, "StudyDate (yyyy-MM-dd), --include-phi only"),
    ];

    /// <summary>The database's runs table: one row per run that wrote into it.</summary>
    public static readonly IReadOnlyList<ColumnDefinition> Runs =
    [
        new("run_id", ColumnType.Text, "", 2, "random identifier of the run"),
        new("tool_version", ColumnType.Text, "", 2, "version and commit of the program (`0.1.0+<commit>`)"),
        new("started_utc", ColumnType.Text, "", 2, "start of the run, ISO 8601 UTC"),
        new("ended_utc", ColumnType.Text, "", 2, "end of the run (when its outputs were written), ISO 8601 UTC"),
        new("host_os", ColumnType.Text, "", 2, "operating system and architecture of the machine"),
        new("host_cpu", ColumnType.Text, "", 2, "CPU model of the machine"),
        new("cores", ColumnType.Integer, "", 2, "logical processors available to the run"),
        new("options", ColumnType.Text, "", 2, "every option value of the run as JSON (results.json provenance.parameters)"),
        new("input_digest", ColumnType.Text, "", 2, "SHA-256 of the run's input files' `file_key sha256` lines in file_key order"),
        new("series_ok", ColumnType.Integer, "", 2, "series analysed"),
        new("series_failed", ColumnType.Integer, "", 2, "series that failed"),
        new("series_skipped", ColumnType.Integer, "", 2, "series deliberately not analysed"),
        new("shard", ColumnType.Text, "", 2, "the part of the input this run processed (`i/N`, `1/1` for all)"),
    ];

    /// <summary>The database's reviews table and reviews.csv (`cementquant review`): reviewers' decisions, append-only.</summary>
    public static readonly IReadOnlyList<ColumnDefinition> Reviews =
    [
        new("seq", ColumnType.Integer, "", 2, "order of the decision (append-only: a later decision of the same reviewer on the same row and flag supersedes)"),
        new("row_key", ColumnType.Text, "", 2, "the reviewed row: `series_key/vertebra` (CT) or `series_key/image_key/vertebra` (radiograph)"),
        Shared("series_key"),
        new("flag", ColumnType.Text, "", 2, "the flag decided on; empty for a decision about the whole row (metrics unusable)"),
        new("decision", ColumnType.Text, "", 2, "`confirm`, `reject`, `add` (a missed flag) or `unusable` (the row's metrics)"),
        new("reason", ColumnType.Text, "", 2, "the reviewer's reason, from the short list"),
        new("note", ColumnType.Text, "", 2, "the reviewer's free text"),
        new("reviewer", ColumnType.Text, "", 2, "who decided (--reviewer)"),
        new("decided_at", ColumnType.Text, "", 2, "when, ISO 8601 UTC"),
        new("tool_version", ColumnType.Text, "", 2, "version and commit of the program (`0.1.0+<commit>`)"),
        new("metrics_hash", ColumnType.Text, "", 2, "fingerprint of the row's cells as the reviewer saw them: a rerun that changes them sets the decision aside (`needs re-review`)"),
    ];

    /// <summary>Appended to vertebrae.csv and radiographs.csv once a run has been reviewed.</summary>
    public static readonly IReadOnlyList<ColumnDefinition> ReviewStates =
    [
        new("review_state", ColumnType.Text, "", 2, "`unreviewed`, `confirmed`, `overridden` or `needs re-review` (latest decision per flag)"),
        new("reviewed_flags", ColumnType.Text, "", 2, "the row's flags after review (confirmed and added, rejected removed), `;`-separated"),
    ];

    private static ColumnDefinition Shared(string name) => Vertebrae.First(c => c.Name == name);

    /// <summary>Every definition by name (a name has one type wherever it appears; the tests check that).</summary>
    private static readonly Lazy<Dictionary<string, ColumnDefinition>> ByName = new(() =>
        Vertebrae.Concat(Radiographs).Concat(Series).Concat(Problems).Concat(ProblemsPhi).Concat(Phi).Concat(Runs).Concat(Reviews).Concat(ReviewStates)
            .GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal));

    /// <summary>The definition of a column written by any table, or null for a name no table defines.</summary>
    public static ColumnDefinition? Find(string name) => ByName.Value.GetValueOrDefault(name);

    /// <summary>The SQL type of a column (the same in SQLite and PostgreSQL); a name no table defines is a bug.</summary>
    public static string SqlType(string name) => Find(name) is { } c ? DataDictionary.SqlType(c)
        : throw new InvalidOperationException($"column '{name}' has no definition in ColumnCatalog");
}

namespace CementQuant.Phantom;

/// <summary>
/// The named phantom cases. Every case exists in two sizes: <see cref="PhantomSize.Small"/> (128 × 128 × 192,
/// 1 mm, a field cropped to the spine; the test default) and <see cref="PhantomSize.Full"/> (512 × 512 × 300
/// over the whole abdomen). Cement coordinates are in the treated vertebra's local frame: u toward the
/// patient's left, v posterior, w cranial, mm from the body's geometric centre.
/// </summary>
public static class PhantomCatalogue
{
    private static readonly (string Name, string Description, Func<PhantomSize, PhantomCase> Build)[] Entries =
    [
        ("worked-example", "L3 treated through the left pedicle: a compact 3.5 mL lump in the left half touching neither endplate, a gas cleft under the superior endplate (METRICS.md worked example)",
            s => Make(s, WorkedExampleSpine())),
        ("bipedicular-symmetric", "L3 bipedicular fill: two symmetric solid columns touching both endplates",
            s => Make(s, Lumbar().WithLevel("L3", l => l with { Cement = Bipedicular() }))),
        ("unipedicular-crossing", "L3 unipedicular fill from the left crossing the midline by 6 mm, touching both endplates",
            s => Make(s, Lumbar().WithLevel("L3", l => l with { Cement = new CementModel(new CementEllipsoid(new Vec3(8, -2, 0), new Vec3(14, 11, 15))) }))),
        ("superior-only", "L3 bipedicular columns touching only the superior endplate (5 mm short of the inferior): NPEC B1",
            s => Make(s, Lumbar().WithLevel("L3", l => l with { Cement = Bipedicular(inferiorGap: 5) }))),
        ("inferior-only", "L3 bipedicular columns touching only the inferior endplate (5 mm short of the superior): NPEC B2",
            s => Make(s, Lumbar().WithLevel("L3", l => l with { Cement = Bipedicular(superiorGap: 5) }))),
        ("trabecular-sponge", "L2 interdigitating (trabecular, spongy) cement filling the trabecular spaces of a central region",
            s => Make(s, Lumbar().WithLevel("L2", l => l with { Cement = new CementModel(new CementEllipsoid(new Vec3(0, -2, 0), new Vec3(17, 12, 14), Interdigitated: true)) }))),
        ("leak-disc-superior", "L3 bipedicular fill with an intradiscal leak into the disc above",
            s => Make(s, Lumbar().WithLevel("L3", l => l with { Cement = BipedicularWith(new CementEllipsoid(new Vec3(-4, -3, 17), new Vec3(8, 6, 4), CementSite.IntradiscalSuperior)) }))),
        ("leak-disc-inferior", "L3 bipedicular fill with an intradiscal leak into the disc below",
            s => Make(s, Lumbar().WithLevel("L3", l => l with { Cement = BipedicularWith(new CementEllipsoid(new Vec3(5, -4, -17), new Vec3(7, 6, 4), CementSite.IntradiscalInferior)) }))),
        ("leak-paravertebral", "L4 left unipedicular column with a paravertebral leak beside the left side of the body",
            s => Make(s, Lumbar().WithLevel("L4", l => l with { Cement = new CementModel(
                new CementColumn(10, -1, 8, 10),
                new CementEllipsoid(new Vec3(27, -5, 0), new Vec3(6, 6, 7), CementSite.Paravertebral)) }))),
        ("leak-canal", "L3 bipedicular fill with a leak through the posterior wall into the spinal canal",
            s => Make(s, Lumbar().WithLevel("L3", l => l with { Cement = BipedicularWith(new CementEllipsoid(new Vec3(-3, 17.5, 0), new Vec3(4, 4, 6), CementSite.SpinalCanal)) }))),
        ("leak-venous", "L2 bipedicular fill with a thin (2.4 mm) venous leak leaving the right anterolateral wall",
            s => Make(s, Lumbar().WithLevel("L2", l => l with { Cement = BipedicularWith(new CementTube(
                [new Vec3(-10, -12, -3), new Vec3(-17, -19, -4), new Vec3(-23, -27, -8), new Vec3(-25, -36, -14)], 1.2, CementSite.Venous)) }))),
        ("no-cement", "an untreated osteoporotic lumbar spine", s => Make(s, Lumbar())),
        ("multi-level", "L1 bipedicular, L2 unipedicular crossing, L4 superior-only spongy fill, L3 and L5 untreated",
            s => Make(s, Lumbar()
                .WithLevel("L1", l => l with { Cement = Bipedicular(radiusU: 6, radiusV: 8, u: 10) })
                .WithLevel("L2", l => l with { Cement = new CementModel(new CementEllipsoid(new Vec3(-6, -2, 0), new Vec3(12, 10, 15))) })
                .WithLevel("L4", l => l with { Cement = new CementModel(new CementColumn(0, -2, 16, 11, SuperiorGap: 0, InferiorGap: 6, Interdigitated: true)) }))),
        ("feet-first-prone", "the worked example scanned feet first, prone (FFP)",
            s => Make(s, WorkedExampleSpine(), a => a with { PatientPosition = PatientPosition.FFP })),
        ("feet-first-supine", "the worked example scanned feet first, supine (FFS)",
            s => Make(s, WorkedExampleSpine(), a => a with { PatientPosition = PatientPosition.FFS })),
        ("head-first-prone", "the worked example scanned head first, prone (HFP)",
            s => Make(s, WorkedExampleSpine(), a => a with { PatientPosition = PatientPosition.HFP })),
        ("mirrored-rows", "the worked example stored with each row reversed and the row direction cosine negated",
            s => Make(s, WorkedExampleSpine(), a => a with { MirroredRows = true })),
        ("thick-slices-3mm", "the worked example reconstructed with 3 mm slices at 3 mm spacing",
            s => Make(s, WorkedExampleSpine(), a => a with { SliceSpacing = 3, SliceThickness = 3, Slices = 64 })),
        ("unsigned-shuffled", "the worked example stored unsigned with RescaleIntercept −1024 and shuffled file names",
            s => Make(s, WorkedExampleSpine(), a => a with { SignedStorage = false, RescaleIntercept = -1024, ShuffledFileNames = true })),
        ("streak-artifacts", "the worked example with bright and dark cement streak artefacts",
            s => Make(s, WorkedExampleSpine(), a => a with { CementStreaks = true })),
        ("rotated-scoliotic", "a scoliotic spine (lateral shifts, tilts, axial rotation up to 14°); L3 carries the worked example's lump",
            s => Make(s, RotatedScolioticSpine())),
        ("t12-to-sacrum", "T12 to the top of the sacrum, L1 bipedicular: for vertebra counting and labelling",
            s => Make(s, SpineSpec.Lumbar(includeT12: true, includeSacrum: true).WithLevel("L1", l => l with { Cement = Bipedicular(radiusU: 6, radiusV: 8, u: 10) }),
                a => a with { Slices = s == PhantomSize.Full ? a.Slices : 256, SliceSpacing = s == PhantomSize.Full ? 0.8 : a.SliceSpacing, SliceThickness = s == PhantomSize.Full ? 0.8 : a.SliceThickness })),
    ];

    /// <summary>
    /// Fractured spines (METRICS.md "Fracture geometry"; issue 15): each case's truth carries the true heights, angles and
    /// Genant grade. Kept apart from <see cref="Names"/> so the cement suites keep their cases; <see cref="Get"/> finds them.
    /// </summary>
    private static readonly (string Name, string Description, Func<PhantomSize, PhantomCase> Build)[] FractureEntries =
    [
        ("fracture-wedge", "L2 anterior wedge fracture (superior endplate 14 mm lower at the front edge, nothing at the back), uncemented",
            s => Make(s, Lumbar().WithLevel("L2", l => l with { Fracture = new FractureModel(WedgeMm: 14) }))),
        ("fracture-biconcave", "L3 biconcave fracture (both endplates 5 mm deeper at the centre), uncemented",
            s => Make(s, Lumbar().WithLevel("L3", l => l with { Fracture = new FractureModel(BiconcaveMm: 5) }))),
        ("fracture-crush", "L4 crush fracture: 15 mm high where its neighbours are 27 and 26, uncemented",
            s => Make(s, Lumbar().WithLevel("L4", l => l with { Height = 15, EndplateConcavity = 1 }))),
        ("fracture-lateral", "the worked example's re-fracture: L3 with its left-only lump and cleft, the right half collapsed (superior endplate 16 mm lower at the right wall)",
            s => Make(s, WorkedExampleSpine().WithLevel("L3", l => l with { Fracture = new FractureModel(RightCollapseMm: 16) }))),
        ("fracture-cleft", "a pre-operative L1: anterior wedge collapse (18 mm at the front edge) with a gas cleft, no cement: FRACTURE;CLEFT",
            s => Make(s, Lumbar().WithLevel("L1", l => l with { Fracture = new FractureModel(WedgeMm: 18), Cleft = new CleftModel(new Vec3(0, 3, -2), new Vec3(7, 5, 2.2)) }))),
    ];

    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    /// <summary>The fractured-spine cases (<see cref="FractureEntries"/>), by name.</summary>
    public static IReadOnlyList<string> FractureNames { get; } = FractureEntries.Select(e => e.Name).ToArray();

    /// <summary>Every case at the small (test) size, in catalogue order.</summary>
    public static IReadOnlyList<PhantomCase> All => AllOf(PhantomSize.Small);

    /// <summary>Every case at the given size, in catalogue order.</summary>
    public static IReadOnlyList<PhantomCase> AllOf(PhantomSize size) =>
        Entries.Select(e => Named(e, size)).ToArray();

    public static PhantomCase Get(string name, PhantomSize size = PhantomSize.Small)
    {
        foreach (var e in Entries.Concat(FractureEntries))
            if (string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase)) return Named(e, size);
        throw new ArgumentException($"unknown phantom case '{name}'; known: {string.Join(", ", Names.Concat(FractureNames))}", nameof(name));
    }

    private static PhantomCase Named((string Name, string Description, Func<PhantomSize, PhantomCase> Build) e, PhantomSize size) =>
        e.Build(size) with { Name = e.Name, Description = e.Description };

    private static PhantomCase Make(PhantomSize size, SpineSpec spine, Func<AcquisitionOptions, AcquisitionOptions>? change = null)
    {
        var acq = AcquisitionOptions.ForSize(size);
        if (change is not null) acq = change(acq);
        var radiograph = size == PhantomSize.Full ? new RadiographOptions { PixelSpacing = 0.4 } : new RadiographOptions();
        return new PhantomCase("", "", spine, acq) { Radiograph = radiograph };
    }

    private static SpineSpec Lumbar() => SpineSpec.Lumbar();

    /// <summary>The METRICS.md worked example: L3, left pedicle only, 3.5 mL, mass-like lump in the left half
    /// reaching to 0.5 mm of the midline, 3.7 and 5.7 mm short of the inferior and superior endplates, and a
    /// gas cleft under the superior endplate.</summary>
    public static CementModel WorkedExampleCement() =>
        new(new CementEllipsoid(new Vec3(10.5, -2, -1), new Vec3(10, 11.5, 7.3)));

    public static CleftModel WorkedExampleCleft() => new(new Vec3(6, -3, 9.5), new Vec3(8, 7, 2.0));

    private static SpineSpec WorkedExampleSpine() =>
        Lumbar().WithLevel("L3", l => l with { Cement = WorkedExampleCement(), Cleft = WorkedExampleCleft() });

    /// <summary>Bipedicular columns at u = ±<paramref name="u"/>, plus any extra (leak) shapes.</summary>
    public static CementModel BipedicularWith(params CementShape[] extra) => Bipedicular(0, 0, extra);

    public static CementModel Bipedicular(double superiorGap = 0, double inferiorGap = 0, CementShape[]? extra = null,
        double u = 11, double radiusU = 7, double radiusV = 9) =>
        new([new CementColumn(u, -1, radiusU, radiusV, superiorGap, inferiorGap),
             new CementColumn(-u, -1, radiusU, radiusV, superiorGap, inferiorGap), .. extra ?? []]);

    private static SpineSpec RotatedScolioticSpine()
    {
        var spec = Lumbar();
        double[] shift = [-4, 3, 8, 5, -1];
        double[] tilt = [-6, -9, 2, 8, 5];
        double[] rot = [-5, 4, 14, 8, 0];
        var levels = spec.Levels.Select((l, i) => l with
        {
            Offset = new Vec3(shift[i], 0, 0),
            LateralTiltDeg = tilt[i],
            AxialRotationDeg = rot[i],
            Cement = l.Name == "L3" ? WorkedExampleCement() : null,
            Cleft = l.Name == "L3" ? WorkedExampleCleft() : null,
        }).ToArray();
        return spec with { Levels = levels };
    }
}

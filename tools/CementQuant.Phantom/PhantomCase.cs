namespace CementQuant.Phantom;

/// <summary>
/// A named phantom: the patient model (<see cref="Spine"/>, evaluated as <see cref="Model"/>) and how it is
/// scanned (<see cref="Acquisition"/>) and radiographed (<see cref="Radiograph"/>). Immutable; derive variants
/// with <c>with</c>.
/// </summary>
public sealed record PhantomCase
{
    private readonly SpineSpec _spine = null!;

    public PhantomCase(string name, string description, SpineSpec spine, AcquisitionOptions? acquisition = null)
    {
        Name = name;
        Description = description;
        Spine = spine;
        Acquisition = acquisition ?? new AcquisitionOptions();
    }

    public string Name { get; init; }
    public string Description { get; init; }

    public SpineSpec Spine
    {
        get => _spine;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _spine = value;
            Model = new SpineModel(value);
        }
    }

    /// <summary>The evaluated model of <see cref="Spine"/> (rebuilt whenever Spine is replaced).</summary>
    public SpineModel Model { get; private init; } = null!;

    public AcquisitionOptions Acquisition { get; init; }

    public RadiographOptions Radiograph { get; init; } = new();

    /// <summary>Contact tolerance used for the truth (METRICS.md default 1.0 mm).</summary>
    public double ContactToleranceMm { get; init; } = 1.0;
}

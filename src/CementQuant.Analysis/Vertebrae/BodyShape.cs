namespace CementQuant.Analysis.Vertebrae;

/// <summary>What <see cref="BodyGeometry.Measure"/> derives from a body mask.</summary>
internal sealed record BodyShape(LocalFrame Frame, Vec3 Centroid, double VolumeMl, EndplateSurface Superior,
    EndplateSurface Inferior, Vec3 MidsagittalPoint, Vec3 MidsagittalNormal, double SymmetryScore, bool TouchesFov)
{
    /// <summary>The ROI of a body with this shape, whichever stage (detection or import) found its mask.</summary>
    public VertebraRoi ToRoi(int index, string label, string labelSource, RoiMask mask, double confidence, IReadOnlyList<string> qc, bool isSacrum) => new()
    {
        Index = index,
        Label = label,
        LabelSource = labelSource,
        Body = mask,
        Frame = Frame,
        Centroid = Centroid,
        VolumeMl = VolumeMl,
        Superior = Superior,
        Inferior = Inferior,
        MidsagittalPoint = MidsagittalPoint,
        MidsagittalNormal = MidsagittalNormal,
        Confidence = confidence,
        Qc = qc,
        IsSacrum = isSacrum,
    };
}

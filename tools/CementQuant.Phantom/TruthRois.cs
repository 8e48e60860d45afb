namespace CementQuant.Phantom;

/// <summary>
/// Vertebra ROIs built from a phantom's ground truth (true body mask, frame, concave endplates, midsagittal
/// plane), so later stages (cement, report) can be measured against truth without the locator's own errors.
/// </summary>
public static class TruthRois
{
    public static List<VertebraRoi> FromTruth(RenderedCt ct, PhantomTruth truth)
    {
        var model = ct.Case.Model;
        var rois = new List<VertebraRoi>();
        var index = 0;
        foreach (var t in truth.Vertebrae)
        {
            var v = model.Vertebrae.Single(m => m.Label == t.Label);
            if (v.Spec.IsSacrum) continue;
            rois.Add(new VertebraRoi
            {
                Index = ++index,
                Label = t.Vertebra,
                LabelSource = "segmentation",
                Body = Mask(ct.BodyLabels, (byte)t.Label),
                Frame = new CementQuant.LocalFrame(t.Frame.Origin, t.Frame.U, t.Frame.V, t.Frame.W),
                Centroid = t.Center,
                VolumeMl = t.BodyVolumeMl,
                Superior = Surface(v, v.SuperiorEndplateW),
                Inferior = Surface(v, v.InferiorEndplateW),
                MidsagittalPoint = t.MidsagittalPoint,
                MidsagittalNormal = t.MidsagittalNormal,
            });
        }
        return rois;
    }

    private static RoiMask Mask(Volume<byte> labels, byte label)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, z0 = int.MaxValue, x1 = -1, y1 = -1, z1 = -1;
        for (var z = 0; z < labels.SizeZ; z++)
            for (var y = 0; y < labels.SizeY; y++)
            {
                var row = labels.Row(y, z);
                for (var x = 0; x < row.Length; x++)
                {
                    if (row[x] != label) continue;
                    x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y); z0 = Math.Min(z0, z); z1 = Math.Max(z1, z);
                }
            }
        var mask = new RoiMask(x0, y0, z0, x1 - x0 + 1, y1 - y0 + 1, z1 - z0 + 1);
        for (var z = z0; z <= z1; z++)
            for (var y = y0; y <= y1; y++)
                for (var x = x0; x <= x1; x++)
                    if (labels[x, y, z] == label) mask.Mask[mask.Index(x, y, z)] = 1;
        return mask;
    }

    private static EndplateSurface Surface(VertebraModel v, Func<double, double, double> height)
    {
        const double step = 0.5;
        var nu = (int)Math.Ceiling(2 * v.HalfWidth / step) + 1;
        var nv = (int)Math.Ceiling(2 * v.HalfDepth / step) + 1;
        var h = new float[nu * nv];
        for (var j = 0; j < nv; j++)
            for (var i = 0; i < nu; i++)
            {
                double u = -v.HalfWidth + i * step, w = -v.HalfDepth + j * step;
                h[j * nu + i] = v.NormalizedRadius(u, w) <= 1 ? (float)height(u, w) : float.NaN;
            }
        return new EndplateSurface(-v.HalfWidth, -v.HalfDepth, step, nu, nv, h);
    }
}

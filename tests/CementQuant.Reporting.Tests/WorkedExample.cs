using CementQuant.Analysis.Cement;
using CementQuant.Phantom;
using CementQuant.Reporting.Report;

namespace CementQuant.Reporting.Tests;

/// <summary>A phantom case rendered once per test class: CT, truth, ROIs from truth and the cement stage's output.</summary>
public sealed class PhantomSeries
{
    public PhantomSeries(string name, bool analyze = true)
    {
        Phantom = PhantomCatalogue.Get(name, PhantomSize.Small);
        Ct = CtRenderer.Render(Phantom, seed: 1);
        Truth = TruthCalculator.Compute(Phantom);
        Rois = TruthRois.FromTruth(Ct, Truth);
        Vertebrae = analyze
            ? [.. new CementAnalyzer(new CementOptions()).Analyze(Ct.Hu, Rois).Select(c => new ReportVertebra(c.Metrics, c.InBodyVoxels, c.LeakVoxels))]
            : [.. Rois.Select(TrueCement)];
    }

    public PhantomCase Phantom { get; }
    public RenderedCt Ct { get; }
    public PhantomTruth Truth { get; }
    public List<VertebraRoi> Rois { get; }
    public List<ReportVertebra> Vertebrae { get; }

    public VertebraRoi Roi(string label) => Rois.Single(r => r.Label == label);
    public ReportVertebra Vertebra(string label) => Vertebrae.Single(v => v.Metrics.Vertebra == label);

    /// <summary>The phantom's exact in-body cement of a vertebra as a report input (metrics from truth's flags only).</summary>
    private ReportVertebra TrueCement(VertebraRoi roi)
    {
        var t = Truth.Vertebrae.Single(v => v.Vertebra == roi.Label);
        var voxels = new List<long>();
        for (long i = 0; i < Ct.Hu.Length; i++)
            if (Ct.Cement.Data[i] != 0 && Ct.BodyLabels.Data[i] == t.Label) voxels.Add(i);
        var metrics = new VertebraMetrics
        {
            Vertebra = roi.Label, LabelSource = "segmentation", Center = roi.Centroid, BodyVolumeMl = t.BodyVolumeMl,
            CementVolumeMl = t.CementVolumeMl, FillPct = 100 * t.CementVolumeMl / t.BodyVolumeMl, Npec = false, NpecType = "none", Pattern = "none",
        };
        return new ReportVertebra(metrics, [.. voxels], []);
    }
}

public sealed class WorkedExampleFixture
{
    public PhantomSeries Series { get; } = new("worked-example");
}

using System.Diagnostics;
using System.Globalization;
using CementQuant.Dicom;
using CementQuant.Dicom.Series;
using CementQuant.Phantom;

namespace CementQuant.Cli;

/// <summary>Writes a phantom case as a DICOM study (CT series + AP and lateral DX) with its truth.json.</summary>
internal static class PhantomExport
{
    public sealed record Written(string Folder, int CtFiles, double Seconds);

    public static Written Write(PhantomCase phantom, string outRoot, int seed, bool radiographs = true)
    {
        var sw = Stopwatch.StartNew();
        var folder = Path.Combine(outRoot, phantom.Name);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var a = phantom.Acquisition;
        var ct = CtRenderer.Render(phantom, seed);
        var study = DicomWriter.UidFrom($"cementquant-phantom/{phantom.Name}/{seed}/study");
        var files = CtSeriesWriter.Write(Path.Combine(folder, "ct"), ct.Hu, new CtSeriesWriteOptions
        {
            PatientName = $"PHANTOM^{phantom.Name.ToUpperInvariant()}",
            PatientId = $"CQ-{phantom.Name}",
            StudyInstanceUid = study,
            SeriesInstanceUid = DicomWriter.UidFrom($"cementquant-phantom/{phantom.Name}/{seed}/ct"),
            FrameOfReferenceUid = DicomWriter.UidFrom($"cementquant-phantom/{phantom.Name}/{seed}/for"),
            StudyDescription = "CementQuant phantom " + phantom.Name,
            SeriesDescription = "phantom CT",
            PatientPosition = ct.PatientPosition,
            SignedStorage = a.SignedStorage,
            RescaleIntercept = (int)Math.Round(a.RescaleIntercept),
            SliceThickness = a.SliceThickness,
            ShuffleSeed = a.ShuffledFileNames ? seed : null,
        });
        var xr = new List<RenderedRadiograph>();
        if (radiographs)
        {
            foreach (var view in new[] { View.AP, View.Lateral })
            {
                var r = RadiographRenderer.Render(phantom, view, seed);
                xr.Add(r);
                Directory.CreateDirectory(Path.Combine(folder, "xr"));
                RadiographWriter.Write(Path.Combine(folder, "xr", view == View.AP ? "AP.dcm" : "LAT.dcm"), r.Image.Width, r.Image.Height, r.Image.Data, new RadiographWriteOptions
                {
                    PatientName = $"PHANTOM^{phantom.Name.ToUpperInvariant()}",
                    PatientId = $"CQ-{phantom.Name}",
                    StudyInstanceUid = study,
                    SeriesInstanceUid = DicomWriter.UidFrom($"cementquant-phantom/{phantom.Name}/{seed}/xr/{view}"),
                    SopInstanceUid = DicomWriter.UidFrom($"cementquant-phantom/{phantom.Name}/{seed}/xr/{view}/image"),
                    SeriesNumber = view == View.AP ? 100 : 101,
                    ImagerPixelSpacing = r.ImagerPixelSpacing,
                    PhotometricInterpretation = r.PhotometricInterpretation,
                    PatientOrientation = r.PatientOrientation,
                    ViewPosition = r.ViewPosition,
                    BitsStored = r.BitsStored,
                });
            }
        }
        TruthJson.Write(Path.Combine(folder, "truth.json"), phantom, TruthCalculator.Compute(phantom), xr);
        return new Written(folder, files.Count, sw.Elapsed.TotalSeconds);
    }

    public static PhantomSize ParseSize(string? text) => text?.ToLowerInvariant() switch
    {
        null or "full" => PhantomSize.Full,
        "small" => PhantomSize.Small,
        _ => throw new CliException(ExitCodes.Usage, $"--size expects full or small, got '{text}'"),
    };

    public static string Describe(Written w) =>
        string.Create(CultureInfo.InvariantCulture, $"{w.Folder}: {w.CtFiles} CT slices{(Directory.Exists(Path.Combine(w.Folder, "xr")) ? " + AP and lateral radiographs" : "")} + truth.json ({w.Seconds:0.0} s)");
}

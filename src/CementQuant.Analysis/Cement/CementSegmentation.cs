namespace CementQuant.Analysis.Cement;

/// <summary>
/// The cement of one vertebral body as segmented, in a region cropped around it (<see cref="CementSegmenter"/>): the
/// region's HU and body labels (1 this body, 2 other bodies), the cement labels (1 in this body, 2 leaked), the region
/// indices of in-body and leaked cement, the threshold used, the cleft volume and the QC notes so far.
/// </summary>
internal sealed record CementSegmentation(
    VertebraRoi Roi, VoxelRegion Region, short[] Values, byte[] Body, byte[] Cement, List<int> InBody, List<int> Leaks,
    double? ThresholdHu, int MinVoxels, double VoxelMl, double CleftMl, bool HasCement, List<string> Qc);

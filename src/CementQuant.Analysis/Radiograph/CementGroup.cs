namespace CementQuant.Analysis.Radiograph;

/// <summary>Cement pixels that belong to one vertebra (components whose rows overlap), in working-image indices.</summary>
internal sealed record CementGroup(IReadOnlyList<int> Pixels, int X0, int X1, int Y0, int Y1, int MainX0, int MainX1, int MainY0, int MainY1);

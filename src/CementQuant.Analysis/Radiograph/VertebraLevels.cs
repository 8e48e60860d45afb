namespace CementQuant.Analysis.Radiograph;

/// <summary>
/// Level labels for the cemented bodies of one radiograph (sorted superior to inferior): a walk down the column from
/// the top cemented body, one body height and a disc at a time, finds the bodies between and below them. On a lateral
/// view a body turned more than <see cref="SacralTurnDeg"/> from the one above is the sacrum, and the bodies are counted
/// up from it (L5 directly above, then L4 … L1, T12 …; label source "counted"). Otherwise they are numbered V1, V2, …
/// from the top cemented body, counting the bodies passed between (label source "index").
/// </summary>
internal static class VertebraLevels
{
    /// <summary>Turn between the last lumbar body and the sacrum's first (the sacral slope is 30–50° against L5's 10–20°).</summary>
    public const double SacralTurnDeg = 15;
    private const int MaxSteps = 8;

    public static (string[] Labels, string Source) Label(IReadOnlyList<BodyOutline> cemented, Func<double, double, BodyOutline?> findAt, bool lateral, Action<string>? trace)
    {
        var n = cemented.Count;
        var labels = new string[n];
        if (n == 0) return (labels, "index");
        // Sequence index of each cemented body along the walk; −1 until reached.
        var at = new int[n];
        Array.Fill(at, -1);
        at[0] = 0;
        var current = cemented[0];
        int step = 0, next = 1, sacrum = -1;
        while (step < MaxSteps + n)
        {
            var (px, py) = Below(current);
            BodyOutline? found = null;
            if (next < n && Distance(Centre(cemented[next]), (px, py), current) <= 12) found = cemented[next];
            else if (next < n || lateral) found = findAt(px, py);
            if (found is null || Distance(Centre(found), (px, py), current) > 15) break;
            step++;
            if (next < n && ReferenceEquals(found, cemented[next])) at[next++] = step;
            else if (lateral && Math.Abs(Tilt(found) - Tilt(current)) * 180 / Math.PI > SacralTurnDeg) { sacrum = step; break; }
            current = found;
            if (next >= n && !lateral) break;
        }
        trace?.Invoke($"level walk: {step} steps, cemented at [{string.Join(", ", at)}], sacrum at {sacrum}");
        if (sacrum > 0 && at.All(a => a >= 0))
        {
            for (var k = 0; k < n; k++)
            {
                var fromSacrum = sacrum - at[k]; // 1 = L5
                labels[k] = fromSacrum <= 5 ? $"L{6 - fromSacrum}" : $"T{18 - fromSacrum}";
            }
            return (labels, "counted");
        }
        var last = 0;
        for (var k = 0; k < n; k++)
        {
            last = at[k] >= 0 ? at[k] : last + 1;
            labels[k] = $"V{last + 1}";
        }
        return (labels, "index");
    }

    private static (double X, double Y) Centre(BodyOutline b) => b.Window.ToCanonical(b.CentroidX, b.CentroidY);

    /// <summary>The body's axis angle, radians: its window's turn plus the mean slope of its walls and endplates there.</summary>
    private static double Tilt(BodyOutline b) =>
        b.Window.Angle + (Math.Atan(-(b.First.B + b.Second.B) / 2) + Math.Atan((b.Superior.B + b.Inferior.B) / 2)) / 2;

    /// <summary>Where the next body down should be centred: one body height and a third more along the body's axis.</summary>
    private static (double X, double Y) Below(BodyOutline b)
    {
        var height = b.Inferior.At(b.CentroidX) - b.Superior.At(b.CentroidX);
        return b.Window.ToCanonical(b.CentroidX, b.CentroidY + 1.35 * height);
    }

    /// <summary>Distance in mm between two working-image positions (through the body's window, whose pixels are square).</summary>
    private static double Distance((double X, double Y) a, (double X, double Y) p, BodyOutline frame)
    {
        var (ai, aj) = frame.Window.FromCanonical(a.X, a.Y);
        var (pi, pj) = frame.Window.FromCanonical(p.X, p.Y);
        return double.Hypot(ai - pi, aj - pj) * frame.Window.S;
    }
}

using OpenCvSharp;

namespace CementQuant.Analysis.Radiograph;

/// <summary>Small OpenCV helpers on float arrays (one place where Mats are created and disposed).</summary>
internal static class Cv
{
    public static Mat ToMat(float[] data, int width, int height)
    {
        var m = new Mat(height, width, MatType.CV_32FC1);
        m.SetArray(data);
        return m;
    }

    public static float[] ToArray(Mat m)
    {
        m.GetArray(out float[] a);
        return a;
    }

    public static float[] Blur(float[] data, int width, int height, double sigmaPx)
    {
        using var m = ToMat(data, width, height);
        using var o = new Mat();
        Cv2.GaussianBlur(m, o, new Size(0, 0), sigmaPx, sigmaPx, BorderTypes.Reflect);
        return ToArray(o);
    }

    public static float[] Open(float[] data, int width, int height, double diameterPx)
    {
        var d = Math.Max(1, (int)Math.Round(diameterPx)) | 1;
        using var m = ToMat(data, width, height);
        using var k = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(d, d));
        using var o = new Mat();
        Cv2.MorphologyEx(m, o, MorphTypes.Open, k, null, 1, BorderTypes.Reflect);
        return ToArray(o);
    }

    public static float[] Resize(float[] data, int width, int height, int newWidth, int newHeight)
    {
        using var m = ToMat(data, width, height);
        using var o = new Mat();
        Cv2.Resize(m, o, new Size(newWidth, newHeight), 0, 0, newWidth < width ? InterpolationFlags.Area : InterpolationFlags.Linear);
        return ToArray(o);
    }

    /// <summary>Binary close (dilate then erode) of a 0/1 mask with an ellipse.</summary>
    public static byte[] Close(byte[] mask, int width, int height, double diameterPx) => Morph(mask, width, height, diameterPx, MorphTypes.Close);

    /// <summary>Binary open (erode then dilate) of a 0/1 mask with an ellipse.</summary>
    public static byte[] OpenMask(byte[] mask, int width, int height, double diameterPx) => Morph(mask, width, height, diameterPx, MorphTypes.Open);

    private static byte[] Morph(byte[] mask, int width, int height, double diameterPx, MorphTypes type)
    {
        var d = Math.Max(1, (int)Math.Round(diameterPx)) | 1;
        using var m = new Mat(height, width, MatType.CV_8UC1);
        m.SetArray(mask);
        using var k = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(d, d));
        using var o = new Mat();
        Cv2.MorphologyEx(m, o, type, k, null, 1, BorderTypes.Constant, new Scalar(0));
        o.GetArray(out byte[] a);
        return a;
    }

    public static byte[] Dilate(byte[] mask, int width, int height, double diameterPx)
    {
        var d = Math.Max(1, (int)Math.Round(diameterPx)) | 1;
        using var m = new Mat(height, width, MatType.CV_8UC1);
        m.SetArray(mask);
        using var k = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(d, d));
        using var o = new Mat();
        Cv2.Dilate(m, o, k);
        o.GetArray(out byte[] a);
        return a;
    }

    /// <summary>8-connected components of a 0/1 mask: label per pixel (0 = background) and the count including background.</summary>
    public static (int[] Labels, int Count) Components(byte[] mask, int width, int height)
    {
        using var m = new Mat(height, width, MatType.CV_8UC1);
        m.SetArray(mask);
        using var labels = new Mat();
        var n = Cv2.ConnectedComponents(m, labels, PixelConnectivity.Connectivity8, MatType.CV_32SC1);
        labels.GetArray(out int[] a);
        return (a, n);
    }

    public static double Percentile(float[] values, double p)
    {
        if (values.Length == 0) return 0;
        var copy = (float[])values.Clone();
        var k = (int)Math.Clamp(Math.Round(p * (copy.Length - 1)), 0, copy.Length - 1);
        return Select(copy, k);
    }

    private static float Select(float[] a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        while (lo < hi)
        {
            var pivot = a[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) { (a[i], a[j]) = (a[j], a[i]); i++; j--; }
            }
            if (k <= j) hi = j; else if (k >= i) lo = i; else return a[k];
        }
        return a[k];
    }
}

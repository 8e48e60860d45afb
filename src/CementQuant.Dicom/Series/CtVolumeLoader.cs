using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using CementQuant.Dicom.Codecs;
using CementQuant.Kernels;

namespace CementQuant.Dicom.Series;

/// <summary>A CT volume in Hounsfield units with its exact patient geometry and what loading noticed.</summary>
public sealed record CtVolume(Volume<short> Hu, IReadOnlyList<string> Notes, double? SliceThickness, string PatientPosition)
{
    /// <summary>SHA-256 (lower-case hex) of every file read, by path, when loading was asked to hash: computed on the
    /// bytes already read for decoding, so provenance costs no second pass over the series.</summary>
    public IReadOnlyDictionary<string, string> FileSha256 { get; init; } = new Dictionary<string, string>();

    public ImageGeometry Geometry => Hu.Geometry;

    /// <summary>The SOP Instance UID of each slice in volume order (z = index): what a derived SEG or SR references
    /// (shared/spec/METRICS.md "DICOM outputs"). Enhanced CT: the one instance's UID for every frame.</summary>
    public IReadOnlyList<string> SliceSopInstanceUids { get; init; } = [];

    /// <summary>The series' SOP Class UID (CT Image Storage or Enhanced CT), for derivation references.</summary>
    public string SopClassUid { get; init; } = "";

    /// <summary>The CT's Frame of Reference UID: a derived SEG lies on the same frame.</summary>
    public string FrameOfReferenceUid { get; init; } = "";
}

/// <summary>
/// Assembles a CT series into one <see cref="Volume{T}"/> of HU: slices sorted by their position along
/// the slice normal (never by file name or InstanceNumber), spacing checked (a gap or a duplicate
/// position fails the series with the positions named), each file decoded straight into its slice of
/// the one volume buffer with that file's own rescale.
/// </summary>
public static class CtVolumeLoader
{
    /// <summary>HU given to pixel padding (outside the reconstructed field of view): air.</summary>
    public const short PaddingHu = -1024;

    /// <summary>Relative deviation of one slice step from the median that counts as a gap or irregular spacing.</summary>
    public const double SpacingTolerance = 0.1;

    private sealed record SliceRef(InstanceHeader Header, int Frame, Vec3 Position, double Distance);

    /// <param name="cancel">Checked between slices (a time limit): the load stops with <see cref="OperationCanceledException"/>.</param>
    public static CtVolume Load(SeriesGroup group, int jobs = 0, bool hashFiles = false, CancellationToken cancel = default)
    {
        if (!group.Usable) throw new SeriesAssemblyException(Name(group), group.Reason);
        var notes = new List<string>();
        var first = group.First;
        var slices = CollectSlices(group);
        var rowCos = first.RowCosines!.Value;
        var colCos = first.ColumnCosines!.Value;
        CheckOrientation(group, rowCos, colCos);
        var normal = rowCos.Cross(colCos).Normalized();

        slices = [.. slices.Select(s => s with { Distance = s.Position.Dot(normal) }).OrderBy(s => s.Distance).ThenBy(s => s.Header.Path, StringComparer.Ordinal)];
        slices = RemoveExactDuplicates(group, slices, notes);
        var n = slices.Count;
        Vec3 step;
        if (n == 1)
        {
            // One slice: a volume one voxel thick, as thick as the slice says (as dcm2niix does).
            var thickness = first.SpacingBetweenSlices is > 0 ? first.SpacingBetweenSlices.Value : first.SliceThickness is > 0 ? first.SliceThickness.Value : 1.0;
            step = normal * thickness;
            notes.Add("SINGLE_SLICE");
        }
        else
        {
            CheckSpacing(group, slices);
            step = (slices[n - 1].Position - slices[0].Position) / (n - 1);
        }
        // Every slice must lie on the line from the first to the last (a stack, possibly sheared by tilt).
        for (var k = 0; k < n; k++)
        {
            var expected = slices[0].Position + step * k;
            var off = (slices[k].Position - expected).Length;
            if (off > Math.Max(0.05, 0.05 * step.Length))
                throw new SeriesAssemblyException(Name(group), string.Create(CultureInfo.InvariantCulture,
                    $"slice {k + 1} of {n} ('{System.IO.Path.GetFileName(slices[k].Header.Path)}') is {off:0.###} mm off the line through the other slices"));
        }
        CheckSize(group, n, step);
        var spacing = first.PixelSpacing!.Value;
        var geometry = ImageGeometry.FromDicom(slices[0].Position, rowCos, colCos, spacing.Row, spacing.Column, step);
        if (geometry.IsSheared)
        {
            var angle = Math.Acos(Math.Clamp(Math.Abs(step.Normalized().Dot(normal)), 0, 1)) * 180 / Math.PI;
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"GANTRY_TILT {angle:0.##} deg (sheared grid kept exact)"));
        }

        var volume = new Volume<short>(first.Columns, first.Rows, n, geometry);
        var errors = new string?[n];
        var hashes = hashFiles ? new string?[n] : null;
        var options = new ParallelOptions { MaxDegreeOfParallelism = jobs > 0 ? jobs : Environment.ProcessorCount, CancellationToken = cancel };
        // Enhanced CT: all frames come from one file, read it once.
        DicomFile? shared = group.Kind == InstanceKind.EnhancedCt ? DicomFile.Open(first.Path) : null;
        if (shared is not null && hashes is not null) hashes[0] = HashFile(first.Path);
        Parallel.For(0, n, options, () => new byte[first.Rows * first.Columns * 2], (k, _, scratch) =>
        {
            try
            {
                var sha = LoadSlice(slices[k], shared, volume, k, ref scratch, hashes is not null);
                if (sha is not null) hashes![k] = sha;
            }
            catch (DicomReadException ex)
            {
                errors[k] = ex.Message;
            }
            return scratch;
        }, _ => { });
        var failed = errors.Where(e => e is not null).ToList();
        if (failed.Count > 0)
            throw new SeriesAssemblyException(Name(group), $"{failed.Count} of {n} slices could not be decoded; first: {failed[0]}");
        var fileHashes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (hashes is not null)
            for (var k = 0; k < n; k++)
                if (hashes[k] is { } h) fileHashes[(shared is null ? slices[k].Header.Path : first.Path)] = h;
        return new CtVolume(volume, notes, first.SliceThickness, first.PatientPosition)
        {
            FileSha256 = fileHashes,
            SliceSopInstanceUids = [.. slices.Select(s => s.Header.SopInstanceUid)],
            SopClassUid = first.SopClassUid,
            FrameOfReferenceUid = first.FrameOfReferenceUid,
        };
    }

    /// <summary>The volume's declared size, bounded before its buffer is allocated (each file passed <see cref="HeaderSanity"/>;
    /// the stack they make together is checked here).</summary>
    private static void CheckSize(SeriesGroup group, int n, Vec3 step)
    {
        var first = group.First;
        var voxels = (long)first.Columns * first.Rows * n;
        if (voxels > HeaderSanity.MaxCtVoxels)
            throw new SeriesAssemblyException(Name(group), string.Create(CultureInfo.InvariantCulture,
                $"{first.Columns} × {first.Rows} × {n} voxels exceed the limit of {HeaderSanity.MaxCtVoxels} for one CT volume"));
        var length = step.Length;
        if (!double.IsFinite(length) || length < HeaderSanity.MinSpacingMm || length * Math.Max(1, n - 1) > HeaderSanity.MaxStackMm)
            throw new SeriesAssemblyException(Name(group), string.Create(CultureInfo.InvariantCulture,
                $"slice step of {length:0.######} mm over {n} slices: expected at least {HeaderSanity.MinSpacingMm} mm and a stack of at most {HeaderSanity.MaxStackMm} mm"));
    }

    private static string HashFile(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(s));
    }

    private static string Name(SeriesGroup g) => $"#{g.Index + 1} ({g.Describe()}, first file '{g.First.Path}')";

    private static List<SliceRef> CollectSlices(SeriesGroup group)
    {
        if (group.Kind == InstanceKind.EnhancedCt)
        {
            var h = group.First;
            return [.. h.FramePositions!.Select((p, f) => new SliceRef(h, f, p, 0))];
        }
        return [.. group.Instances.Select(h => new SliceRef(h, 0, h.Position!.Value, 0))];
    }

    private static void CheckOrientation(SeriesGroup group, Vec3 row, Vec3 col)
    {
        if (Math.Abs(row.Length - 1) > 0.01 || Math.Abs(col.Length - 1) > 0.01 || Math.Abs(row.Dot(col)) > 0.01)
            throw new SeriesAssemblyException(Name(group), $"ImageOrientationPatient {row} {col} is not two orthogonal unit vectors");
    }

    private static List<SliceRef> RemoveExactDuplicates(SeriesGroup group, List<SliceRef> slices, List<string> notes)
    {
        var result = new List<SliceRef> { slices[0] };
        for (var k = 1; k < slices.Count; k++)
        {
            var prev = result[^1];
            if (Math.Abs(slices[k].Distance - prev.Distance) > 1e-3) { result.Add(slices[k]); continue; }
            var sameInstance = slices[k].Header.SopInstanceUid.Length > 0 && slices[k].Header.SopInstanceUid == prev.Header.SopInstanceUid && slices[k].Frame == prev.Frame;
            if (sameInstance)
            {
                notes.Add($"DUPLICATE_FILE '{System.IO.Path.GetFileName(slices[k].Header.Path)}' repeats '{System.IO.Path.GetFileName(prev.Header.Path)}' (same SOP instance); one kept");
                continue;
            }
            throw new SeriesAssemblyException(Name(group), string.Create(CultureInfo.InvariantCulture,
                $"two slices at the same position {slices[k].Distance:0.###} mm along the slice normal ('{System.IO.Path.GetFileName(prev.Header.Path)}' and '{System.IO.Path.GetFileName(slices[k].Header.Path)}')"));
        }
        return result;
    }

    private static void CheckSpacing(SeriesGroup group, List<SliceRef> slices)
    {
        var steps = new double[slices.Count - 1];
        for (var k = 0; k < steps.Length; k++) steps[k] = slices[k + 1].Distance - slices[k].Distance;
        var sorted = steps.Order().ToArray();
        var median = sorted[sorted.Length / 2];
        for (var k = 0; k < steps.Length; k++)
        {
            if (Math.Abs(steps[k] - median) <= Math.Max(SpacingTolerance * median, 0.02)) continue;
            var ratio = steps[k] / median;
            var missing = Math.Round(ratio) - 1;
            var what = missing >= 1 && Math.Abs(ratio - Math.Round(ratio)) < SpacingTolerance
                ? $"{missing} missing slice{(missing > 1 ? "s" : "")}"
                : "irregular slice spacing";
            throw new SeriesAssemblyException(Name(group), string.Create(CultureInfo.InvariantCulture,
                $"{what} between {slices[k].Distance:0.###} and {slices[k + 1].Distance:0.###} mm along the slice normal (step {steps[k]:0.###} mm, expected {median:0.###} mm; files '{System.IO.Path.GetFileName(slices[k].Header.Path)}' and '{System.IO.Path.GetFileName(slices[k + 1].Header.Path)}')"));
        }
    }

    /// <returns>The file's SHA-256 when <paramref name="hash"/> is set and the whole file was read, else null.</returns>
    private static string? LoadSlice(SliceRef slice, DicomFile? shared, Volume<short> volume, int k, ref byte[] scratch, bool hash)
    {
        byte[]? rented = null;
        string? sha = null;
        try
        {
            DicomFile file;
            if (shared is not null)
            {
                file = shared;
            }
            else
            {
                using var stream = new FileStream(slice.Header.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                var length = (int)Math.Min(stream.Length, DicomFile.MaxFileBytes);
                rented = ArrayPool<byte>.Shared.Rent(length);
                stream.ReadExactly(rented, 0, length);
                if (hash && length == stream.Length) sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(rented.AsSpan(0, length)));
                file = DicomFile.Parse(rented.AsMemory(0, length), slice.Header.Path);
            }
            var info = DicomPixelData.GetFrameInfo(file.Dataset, file.Path);
            if (info.Rows != volume.SizeY || info.Columns != volume.SizeX)
                throw new DicomReadException(file.Path, $"image is {info.Columns}×{info.Rows}, the series is {volume.SizeX}×{volume.SizeY}");
            if (info.SamplesPerPixel != 1) throw new DicomReadException(file.Path, $"{info.SamplesPerPixel} samples per pixel in a CT series");
            if (scratch.Length < info.FrameBytes) scratch = new byte[info.FrameBytes];
            var raw = scratch.AsSpan(0, (int)info.FrameBytes);
            DicomPixelData.DecodeFrame(file, info, slice.Frame, raw);
            var transform = PixelTransform.From(file.Dataset, slice.Header, slice.Frame, info);
            transform.Apply(raw, info, volume.Slice(k));
            return sha;
        }
        catch (IOException ex)
        {
            throw new DicomReadException(slice.Header.Path, $"cannot read the file: {ex.Message}", ex);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}

/// <summary>Stored value → HU for one frame: rescale or Modality LUT, then pixel padding to air.</summary>
internal sealed record PixelTransform(double Slope, double Intercept, ushort[]? Lut, int LutFirst, int? PaddingValue, int? PaddingLimit)
{
    public static PixelTransform From(DicomDataset ds, InstanceHeader header, int frame, FrameInfo info)
    {
        try
        {
            var (slope, intercept) = header.FrameRescale is { } fr ? fr[frame] : (header.RescaleSlope, header.RescaleIntercept);
            ushort[]? lut = null;
            var lutFirst = 0;
            var mlut = ds.GetItem(DicomTag.ModalityLUTSequence);
            if (mlut is not null && !ds.Contains(DicomTag.RescaleSlope))
            {
                var desc = mlut.Get(DicomTag.LUTDescriptor) ?? throw new FormatException("ModalityLUTSequence item without LUTDescriptor (0028,3002)");
                var data = mlut.Get(DicomTag.LUTData) ?? throw new FormatException("ModalityLUTSequence item without LUTData (0028,3006)");
                var entries = desc.GetUInt16(0) == 0 ? 65536 : desc.GetUInt16(0);
                lutFirst = info.Signed ? desc.GetInt16(1) : desc.GetUInt16(1);
                lut = new ushort[Math.Min(entries, data.Value.Length / 2)];
                for (var i = 0; i < lut.Length; i++) lut[i] = data.GetUInt16(i);
                if (lut.Length == 0) throw new FormatException("Modality LUT has no entries");
            }
            int? padding = null, limit = null;
            var pe = ds.Get(DicomTag.PixelPaddingValue);
            if (pe is not null && pe.Value.Length >= 2) padding = info.Signed ? pe.GetInt16() : pe.GetUInt16();
            var le = ds.Get(DicomTag.PixelPaddingRangeLimit);
            if (le is not null && le.Value.Length >= 2) limit = info.Signed ? le.GetInt16() : le.GetUInt16();
            return new PixelTransform(slope, intercept, lut, lutFirst, padding, limit);
        }
        catch (FormatException ex)
        {
            throw new DicomReadException(header.Path, ex.Message, ex);
        }
    }

    public void Apply(ReadOnlySpan<byte> raw, FrameInfo info, Span<short> hu)
    {
        var count = info.Rows * info.Columns;
        if (Lut is not null)
        {
            for (var i = 0; i < count; i++)
            {
                var v = StoredValue(raw, info, i);
                var idx = Math.Clamp(v - LutFirst, 0, Lut.Length - 1);
                hu[i] = (short)Math.Clamp((int)Lut[idx], short.MinValue, short.MaxValue);
            }
        }
        else if (info.BytesPerSample == 2)
        {
            VoxelKernels.RescaleToHu(MemoryMarshal.Cast<byte, ushort>(raw)[..count], hu, info.BitsStored, info.Signed, Slope, Intercept);
        }
        else if (info.BytesPerSample == 1)
        {
            VoxelKernels.RescaleToHu(raw[..count], hu, info.BitsStored, info.Signed, Slope, Intercept);
        }
        else
        {
            for (var i = 0; i < count; i++)
                hu[i] = (short)Math.Clamp(Math.Round(StoredValue(raw, info, i) * Slope + Intercept, MidpointRounding.AwayFromZero), short.MinValue, short.MaxValue);
        }
        if (PaddingValue is { } pad) ApplyPadding(raw, info, hu, pad, PaddingLimit ?? pad);
    }

    private static void ApplyPadding(ReadOnlySpan<byte> raw, FrameInfo info, Span<short> hu, int a, int b)
    {
        var (lo, hi) = a <= b ? (a, b) : (b, a);
        var count = info.Rows * info.Columns;
        for (var i = 0; i < count; i++)
        {
            var v = StoredValue(raw, info, i);
            if (v >= lo && v <= hi) hu[i] = CtVolumeLoader.PaddingHu;
        }
    }

    private static int StoredValue(ReadOnlySpan<byte> raw, FrameInfo info, int i)
    {
        var shift = 32 - info.BitsStored;
        int v = info.BytesPerSample switch
        {
            1 => raw[i],
            2 => MemoryMarshal.Cast<byte, ushort>(raw)[i],
            _ => MemoryMarshal.Cast<byte, int>(raw)[i],
        };
        return info.Signed ? (v << shift) >> shift : (int)((uint)v << shift >> shift);
    }
}

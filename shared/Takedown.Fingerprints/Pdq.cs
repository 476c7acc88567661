namespace Takedown.Fingerprints;

/// <summary>
/// Meta's PDQ perceptual image hash, written from the algorithm in facebook/ThreatExchange (BSD licence) and
/// matching the C++ reference's arithmetic (float luma and filtering, double-precision decimation indices) so
/// that the same pixels give the same bits.
/// </summary>
public static class Pdq
{
    /// <summary>Images smaller than this on either side hash to zero with quality 0, as in the reference.</summary>
    public const int MinHashableDimension = 5;

    private const int Downsampled = 64;
    private const int DctSize = 16;
    private const int JaroszPasses = 2;

    private static readonly float[] DctMatrix = BuildDctMatrix();

    public static PdqHash FromRgb24(ReadOnlySpan<byte> rgb, int width, int height)
    {
        var coefficients = DctCoefficients(rgb, width, height, out var quality);
        return coefficients is null ? new PdqHash(0, 0, 0, 0, 0) : ToHash(coefficients, quality);
    }

    /// <summary>
    /// The hashes of the image under all eight symmetries, derived from one DCT by sign changes and transposes
    /// (the reference's shortcut), indexed by <see cref="Dihedral"/>. Rotate90 is a quarter turn anticlockwise,
    /// FlipX mirrors top to bottom, FlipY left to right, FlipPlus transposes about the main diagonal.
    /// </summary>
    public static PdqHash[] DihedralFromRgb24(ReadOnlySpan<byte> rgb, int width, int height)
    {
        var a = DctCoefficients(rgb, width, height, out var quality);
        var hashes = new PdqHash[8];
        if (a is null)
        {
            return hashes;
        }
        var b = new float[DctSize * DctSize];
        for (var d = 0; d < 8; d++)
        {
            for (var i = 0; i < DctSize; i++)
            {
                for (var j = 0; j < DctSize; j++)
                {
                    var v = a[i * DctSize + j];
                    var odd = (i + j & 1) == 1;
                    switch ((Dihedral)d)
                    {
                        case Dihedral.Original: b[i * DctSize + j] = v; break;
                        case Dihedral.Rotate90: b[j * DctSize + i] = (j & 1) == 1 ? v : -v; break;
                        case Dihedral.Rotate180: b[i * DctSize + j] = odd ? -v : v; break;
                        case Dihedral.Rotate270: b[j * DctSize + i] = (i & 1) == 1 ? v : -v; break;
                        case Dihedral.FlipX: b[i * DctSize + j] = (i & 1) == 1 ? v : -v; break;
                        case Dihedral.FlipY: b[i * DctSize + j] = (j & 1) == 1 ? v : -v; break;
                        case Dihedral.FlipPlus: b[j * DctSize + i] = v; break;
                        default: b[j * DctSize + i] = odd ? -v : v; break;
                    }
                }
            }
            hashes[d] = ToHash(b, quality);
        }
        return hashes;
    }

    private static float[]? DctCoefficients(ReadOnlySpan<byte> rgb, int width, int height, out int quality)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if (rgb.Length != checked(width * height * 3))
        {
            throw new ArgumentException($"Expected {width * height * 3} bytes of RGB24 for {width}x{height}; got {rgb.Length}.", nameof(rgb));
        }
        quality = 0;
        if (width < MinHashableDimension || height < MinHashableDimension)
        {
            return null;
        }

        var luma = new float[width * height];
        var scratch = new float[width * height];
        for (var p = 0; p < luma.Length; p++)
        {
            luma[p] = 0.299f * rgb[3 * p] + 0.587f * rgb[3 * p + 1] + 0.114f * rgb[3 * p + 2];
        }

        JaroszFilter(luma, scratch, height, width);
        var small = Decimate(luma, height, width);
        quality = Quality(small);
        return Dct64To16(small);
    }

    // Reference: window = ceil(oldDimension / (2 * newDimension)), in integer arithmetic.
    private static int JaroszWindow(int oldDimension) => (oldDimension + 2 * Downsampled - 1) / (2 * Downsampled);

    private static void JaroszFilter(float[] buffer, float[] scratch, int rows, int cols)
    {
        var alongRows = JaroszWindow(cols);
        var alongCols = JaroszWindow(rows);
        for (var pass = 0; pass < JaroszPasses; pass++)
        {
            for (var r = 0; r < rows; r++)
            {
                Box1D(buffer, scratch, r * cols, cols, 1, alongRows);
            }
            for (var c = 0; c < cols; c++)
            {
                Box1D(scratch, buffer, c, rows, cols, alongCols);
            }
        }
    }

    // A running-sum box filter whose window is centred (shrinking at the ends), in the reference's four phases
    // so that float rounding matches: sums accumulate and decay in the same order.
    private static void Box1D(float[] input, float[] output, int start, int length, int stride, int window)
    {
        var half = (window + 2) / 2;
        var leadIn = half - 1;
        var rampUp = window - half + 1;
        var steady = length - window;
        var rampDown = half - 1;

        var left = start;
        var right = start;
        var outAt = start;
        var sum = 0.0f;
        var count = 0;

        for (var n = 0; n < leadIn; n++)
        {
            sum += input[right];
            count++;
            right += stride;
        }
        for (var n = 0; n < rampUp; n++)
        {
            sum += input[right];
            count++;
            output[outAt] = sum / count;
            right += stride;
            outAt += stride;
        }
        for (var n = 0; n < steady; n++)
        {
            sum += input[right];
            sum -= input[left];
            output[outAt] = sum / count;
            left += stride;
            right += stride;
            outAt += stride;
        }
        for (var n = 0; n < rampDown; n++)
        {
            sum -= input[left];
            count--;
            output[outAt] = sum / count;
            left += stride;
            outAt += stride;
        }
    }

    private static float[] Decimate(float[] input, int rows, int cols)
    {
        var output = new float[Downsampled * Downsampled];
        for (var i = 0; i < Downsampled; i++)
        {
            var sourceRow = (int)((i + 0.5) * rows / Downsampled);
            for (var j = 0; j < Downsampled; j++)
            {
                var sourceCol = (int)((j + 0.5) * cols / Downsampled);
                output[i * Downsampled + j] = input[sourceRow * cols + sourceCol];
            }
        }
        return output;
    }

    // Sum of truncated neighbour differences on a 0..100 scale; the reference divides by 90 and caps at 100.
    private static int Quality(float[] a)
    {
        var gradientSum = 0;
        for (var i = 0; i < Downsampled - 1; i++)
        {
            for (var j = 0; j < Downsampled; j++)
            {
                gradientSum += Math.Abs((int)((a[i * Downsampled + j] - a[(i + 1) * Downsampled + j]) * 100 / 255));
            }
        }
        for (var i = 0; i < Downsampled; i++)
        {
            for (var j = 0; j < Downsampled - 1; j++)
            {
                gradientSum += Math.Abs((int)((a[i * Downsampled + j] - a[i * Downsampled + j + 1]) * 100 / 255));
            }
        }
        return Math.Min(100, gradientSum / 90);
    }

    // B = D A D^T with D the 16x64 DCT-II basis without the DC row.
    private static float[] Dct64To16(float[] a)
    {
        var d = DctMatrix;
        var t = new float[DctSize * Downsampled];
        for (var i = 0; i < DctSize; i++)
        {
            for (var j = 0; j < Downsampled; j++)
            {
                var sum = 0.0f;
                for (var k = 0; k < Downsampled; k++)
                {
                    sum += d[i * Downsampled + k] * a[k * Downsampled + j];
                }
                t[i * Downsampled + j] = sum;
            }
        }
        var b = new float[DctSize * DctSize];
        for (var i = 0; i < DctSize; i++)
        {
            for (var j = 0; j < DctSize; j++)
            {
                var sum = 0.0f;
                for (var k = 0; k < Downsampled; k++)
                {
                    sum += t[i * Downsampled + k] * d[j * Downsampled + k];
                }
                b[i * DctSize + j] = sum;
            }
        }
        return b;
    }

    private static float[] BuildDctMatrix()
    {
        var d = new float[DctSize * Downsampled];
        var scale = Math.Sqrt(2.0 / Downsampled);
        for (var i = 0; i < DctSize; i++)
        {
            for (var j = 0; j < Downsampled; j++)
            {
                d[i * Downsampled + j] = (float)(scale * Math.Cos(Math.PI / 2 / Downsampled * (i + 1) * (2 * j + 1)));
            }
        }
        return d;
    }

    private static PdqHash ToHash(float[] coefficients, int quality)
    {
        // The reference thresholds at Torben's median, which for 256 values is the lower middle one (128th).
        var sorted = (float[])coefficients.Clone();
        Array.Sort(sorted);
        var median = sorted[(sorted.Length - 1) / 2];
        Span<bool> bits = stackalloc bool[PdqHash.BitCount];
        for (var k = 0; k < PdqHash.BitCount; k++)
        {
            bits[k] = coefficients[k] > median;
        }
        return PdqHash.FromBits(bits, quality);
    }
}

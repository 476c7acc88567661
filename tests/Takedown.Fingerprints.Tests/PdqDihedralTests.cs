using Takedown.Fingerprints;

namespace Takedown.Fingerprints.Tests;

public class PdqDihedralTests
{
    private static readonly string DataDir = Path.Combine(AppContext.BaseDirectory, "TestData", "pdq");

    public static TheoryData<Dihedral> AllSymmetries() => new(Enum.GetValues<Dihedral>());

    [Theory]
    [MemberData(nameof(AllSymmetries))]
    public void Each_variant_matches_hashing_the_transformed_pixels(Dihedral symmetry)
    {
        // At 64x64 the box window is 1 and decimation is the identity, so the pipeline commutes with the
        // symmetries. Larger images do not: even windows and the decimation grid are off-centre by half a
        // pixel, so a mirrored image is sampled one pixel over and the shortcut is only close to it.
        const int width = 64, height = 64;
        var rgb = EveryOtherPixel(File.ReadAllBytes(Path.Combine(DataDir, "rgb", "square-128x128.rgb24")), 128);

        var (transformed, newWidth, newHeight) = Transform(rgb, width, height, symmetry);
        var direct = Pdq.FromRgb24(transformed, newWidth, newHeight);
        var derived = Pdq.DihedralFromRgb24(rgb, width, height)[(int)symmetry];

        Assert.Equal(direct, derived);
    }

    private static byte[] EveryOtherPixel(byte[] rgb, int side)
    {
        var half = side / 2;
        var output = new byte[half * half * 3];
        for (var r = 0; r < half; r++)
        {
            for (var c = 0; c < half; c++)
            {
                rgb.AsSpan((2 * r * side + 2 * c) * 3, 3).CopyTo(output.AsSpan((r * half + c) * 3, 3));
            }
        }
        return output;
    }

    private static (byte[] Rgb, int Width, int Height) Transform(byte[] rgb, int w, int h, Dihedral symmetry)
    {
        var transposes = symmetry is Dihedral.Rotate90 or Dihedral.Rotate270 or Dihedral.FlipPlus or Dihedral.FlipMinus;
        var (nw, nh) = transposes ? (h, w) : (w, h);
        var output = new byte[rgb.Length];
        for (var r = 0; r < nh; r++)
        {
            for (var c = 0; c < nw; c++)
            {
                var (sr, sc) = symmetry switch
                {
                    Dihedral.Original => (r, c),
                    Dihedral.Rotate90 => (c, w - 1 - r),
                    Dihedral.Rotate180 => (h - 1 - r, w - 1 - c),
                    Dihedral.Rotate270 => (h - 1 - c, r),
                    Dihedral.FlipX => (h - 1 - r, c),
                    Dihedral.FlipY => (r, w - 1 - c),
                    Dihedral.FlipPlus => (c, r),
                    _ => (h - 1 - c, w - 1 - r),
                };
                rgb.AsSpan((sr * w + sc) * 3, 3).CopyTo(output.AsSpan((r * nw + c) * 3, 3));
            }
        }
        return (output, nw, nh);
    }
}

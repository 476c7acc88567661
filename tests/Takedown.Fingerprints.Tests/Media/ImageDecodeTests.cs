using Takedown.Fingerprints.Media;

namespace Takedown.Fingerprints.Tests.Media;

public class ImageDecodeTests
{
    private static readonly string PdqDir = Path.Combine(AppContext.BaseDirectory, "TestData", "pdq");
    private static readonly string MediaDir = Path.Combine(AppContext.BaseDirectory, "TestData", "media");
    private static readonly MediaFingerprinter Fingerprinter = new();

    public static TheoryData<string, int, int, string, int> LibjpegRows() => ReferenceTables.HashRows("expected-decoded-by-libjpeg.csv");

    [Fact]
    public void The_libjpeg_table_has_all_29_images()
    {
        Assert.Equal(29, LibjpegRows().Count);
    }

    [Theory]
    [MemberData(nameof(LibjpegRows))]
    public async Task Jpegs_decoded_by_ffmpeg_hash_close_to_the_reference_decoded_by_libjpeg(string file, int width, int height, string expectedHex, int expectedQuality)
    {
        var fingerprint = await Fingerprinter.HashImageAsync(await File.ReadAllBytesAsync(Path.Combine(PdqDir, file)));

        Assert.Equal((width, height), (fingerprint.Width, fingerprint.Height));
        if (expectedQuality >= 80)
        {
            // The reference project's bar for another JPEG decoder is 10 bits; measured: at most 4 (q0122).
            Assert.InRange(fingerprint.Hash.Distance(PdqHash.Parse(expectedHex)), 0, 10);
            Assert.InRange(fingerprint.Quality, 80, 100);
            Assert.True(fingerprint.IsUsableForMatching);
        }
        else
        {
            // Flat images: the quality agrees even where the bits (meaningless at this quality) do not.
            Assert.Equal(expectedQuality, fingerprint.Quality);
            Assert.False(fingerprint.IsUsableForMatching);
        }
    }

    [Fact]
    public async Task A_stream_hashes_the_same_as_its_bytes()
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(PdqDir, "images", "labelme", "q2821.jpg"));

        var fromStream = await Fingerprinter.HashImageAsync(new MemoryStream(bytes));

        Assert.Equal(await Fingerprinter.HashImageAsync(bytes), fromStream);
        Assert.Equal("b150231ffae4710ffcf4f18bb574b109a576f14bb8543189f8743289f174b109", fromStream.Hash.ToHex());
    }

    public static TheoryData<int> Orientations() => new(Enumerable.Range(1, 8));

    [Theory]
    [MemberData(nameof(Orientations))]
    public async Task A_jpeg_with_an_exif_orientation_hashes_as_displayed(int orientation)
    {
        // Each file stores the upright picture turned the opposite way and carries the tag that turns it back.
        var upright = await HashFile("upright.png");
        var bytes = await File.ReadAllBytesAsync(Path.Combine(MediaDir, $"orientation-{orientation}.jpg"));

        var fingerprint = await Fingerprinter.HashImageAsync(bytes);

        Assert.Equal((ImageOrientation)orientation, fingerprint.Orientation);
        Assert.Equal((320, 200), (fingerprint.Width, fingerprint.Height));
        // Only JPEG loss remains (measured: at most 4 bits); a wrong turn would be ~128 bits away.
        Assert.InRange(fingerprint.Hash.Distance(upright.Hash), 0, 6);
    }

    [Fact]
    public async Task Ignoring_the_orientation_would_not_match_so_the_tag_matters()
    {
        var upright = await HashFile("upright.png");
        var bytes = await File.ReadAllBytesAsync(Path.Combine(MediaDir, "orientation-6.jpg"));
        var image = await Fingerprinter.DecodeImageAsync(bytes);
        var (stored, width, height) = ExifOrientation.Apply(image.Rgb, image.Width, image.Height, ImageOrientation.Rotate90Anticlockwise);

        Assert.Equal((200, 320), (width, height));
        Assert.True(Pdq.FromRgb24(stored, width, height).Distance(upright.Hash) > PdqHash.MatchThreshold);
    }

    [Fact]
    public async Task Greyscale_decodes_to_equal_channels_and_hashes_close_to_the_colour_original()
    {
        var grey = await Decode("grey.png");

        Assert.All(Enumerable.Range(0, grey.Width * grey.Height), p =>
            Assert.True(grey.Rgb[3 * p] == grey.Rgb[3 * p + 1] && grey.Rgb[3 * p] == grey.Rgb[3 * p + 2]));
        Assert.InRange(Pdq.FromRgb24(grey.Rgb, grey.Width, grey.Height).Distance((await HashFile("upright.png")).Hash), 0, 8);
    }

    [Fact]
    public async Task Sixteen_bit_grey_is_reduced_to_the_same_eight_bit_pixels()
    {
        var grey8 = await Decode("grey.png");
        var grey16 = await Decode("grey16.png");

        Assert.Equal((grey8.Width, grey8.Height), (grey16.Width, grey16.Height));
        Assert.InRange(MaxDifference(grey8.Rgb, grey16.Rgb), 0, 1);
        Assert.InRange((await HashFile("grey16.png")).Hash.Distance((await HashFile("grey.png")).Hash), 0, 2);
    }

    [Fact]
    public async Task Sixteen_bit_colour_is_reduced_to_the_same_eight_bit_pixels()
    {
        var rgb8 = await Decode("upright.png");
        var rgb48 = await Decode("rgb48.png");

        Assert.InRange(MaxDifference(rgb8.Rgb, rgb48.Rgb), 0, 1);
        Assert.InRange((await HashFile("rgb48.png")).Hash.Distance((await HashFile("upright.png")).Hash), 0, 2);
    }

    [Fact]
    public async Task A_palette_image_decodes_to_its_palette_colours_and_hashes_close_to_the_original()
    {
        var palette = await Decode("palette.png");

        var colours = Enumerable.Range(0, palette.Width * palette.Height)
            .Select(p => (palette.Rgb[3 * p], palette.Rgb[3 * p + 1], palette.Rgb[3 * p + 2]))
            .Distinct()
            .Count();
        Assert.InRange(colours, 2, 64);
        Assert.InRange((await HashFile("palette.png")).Hash.Distance((await HashFile("upright.png")).Hash), 0, 16);
    }

    [Fact]
    public async Task Transparent_pixels_become_white_whatever_colour_they_hide()
    {
        var alpha = await Decode("alpha.png");
        var expected = await Decode("alpha-on-white.png");

        Assert.Equal(expected.Rgb, alpha.Rgb);
        Assert.Equal((await HashFile("alpha-on-white.png")).Hash, (await HashFile("alpha.png")).Hash);
        Assert.True((await HashFile("alpha.png")).Hash.Distance((await HashFile("upright.png")).Hash) > PdqHash.MatchThreshold);
    }

    [Fact]
    public async Task Half_transparent_pixels_are_blended_with_white()
    {
        var opaque = await Decode("upright.png");
        var half = await Decode("half-alpha.png");

        // alpha 128 of 255: 128/255 of the colour plus 127/255 of white, rounded.
        var expected = opaque.Rgb.Select(c => (byte)((c * 128 + 255 * 127 + 127) / 255)).ToArray();
        Assert.Equal(expected, half.Rgb);
    }

    [Fact]
    public async Task Low_quality_images_are_marked_unusable_for_matching()
    {
        var flat = await Fingerprinter.HashImageAsync(await File.ReadAllBytesAsync(Path.Combine(PdqDir, "images", "misc", "small.jpg")));

        Assert.Equal(0, flat.Quality);
        Assert.False(flat.IsUsableForMatching);
    }

    private static async Task<DecodedImage> Decode(string file) =>
        await Fingerprinter.DecodeImageAsync(await File.ReadAllBytesAsync(Path.Combine(MediaDir, file)));

    private static async Task<ImageFingerprint> HashFile(string file) =>
        await Fingerprinter.HashImageAsync(await File.ReadAllBytesAsync(Path.Combine(MediaDir, file)));

    private static int MaxDifference(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
    }
}

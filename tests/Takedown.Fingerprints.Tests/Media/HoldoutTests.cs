using Takedown.Fingerprints.Media;

namespace Takedown.Fingerprints.Tests.Media;

/// <summary>
/// The reference set's lossless holdout images (edits of the bridge and LabelMe photos, no expected hashes given):
/// what PDQ through our decode path recognises, and the edits it is known not to survive.
/// </summary>
public class HoldoutTests
{
    private static readonly string PdqDir = Path.Combine(AppContext.BaseDirectory, "TestData", "pdq");
    private static readonly MediaFingerprinter Fingerprinter = new();

    private const string BridgeReference = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

    [Fact]
    public async Task The_bridge_at_800_pixels_hashes_like_the_1600_pixel_reference()
    {
        var small = await Hash("holdout/hold-01-original-800.png");

        Assert.Equal((800, 502), (small.Width, small.Height));
        Assert.InRange(small.Hash.Distance(PdqHash.Parse(BridgeReference)), 0, 10);
    }

    [Fact]
    public async Task A_greyscale_copy_matches_the_colour_original()
    {
        var grey = await Hash("holdout/hold-09-bridge-grey.png");
        var original = await Hash("holdout/hold-01-original-800.png");

        Assert.InRange(grey.Hash.Distance(original.Hash), 0, 4);
    }

    [Fact]
    public async Task A_rotated_copy_matches_only_through_the_rotation_variant()
    {
        var rotated = await Hash("holdout/hold-08-bridge-rot90.png");
        var variants = await Variants("holdout/hold-01-original-800.png");

        Assert.True(rotated.Hash.Distance(variants[(int)Dihedral.Original]) > PdqHash.MatchThreshold);
        var best = Enum.GetValues<Dihedral>().MinBy(d => rotated.Hash.Distance(variants[(int)d]));
        Assert.Equal(Dihedral.Rotate270, best);
        Assert.True(rotated.Hash.Matches(variants[(int)best]));
    }

    [Fact]
    public async Task A_mirrored_copy_matches_through_the_mirror_variant()
    {
        var flipped = await Hash("holdout/hold-11-q0291-flip.png");
        var variants = await Variants("images/labelme/q0291.jpg");

        Assert.True(flipped.Hash.Distance(variants[(int)Dihedral.Original]) > PdqHash.MatchThreshold);
        Assert.True(flipped.Hash.Matches(variants[(int)Dihedral.FlipY]));
    }

    [Fact]
    public async Task A_contrast_change_still_matches()
    {
        var contrast = await Hash("holdout/hold-14-q0122-contrast.png");
        var original = await Hash("images/labelme/q0122.jpg");

        Assert.True(contrast.Hash.Matches(original.Hash));
    }

    [Theory]
    [InlineData("holdout/hold-07-bridge-crop90.png", "holdout/hold-01-original-800.png")]
    [InlineData("holdout/hold-10-bridge-letterbox.png", "holdout/hold-01-original-800.png")]
    [InlineData("holdout/hold-13-q2821-crop.png", "images/labelme/q2821.jpg")]
    [InlineData("holdout/hold-12-q1050-97px.png", "images/labelme/q1050.jpg")]
    public async Task Crops_letterboxing_and_tiny_thumbnails_defeat_PDQ_a_documented_limitation(string edited, string original)
    {
        var a = await Hash(edited);
        var variants = await Variants(original);

        Assert.True(a.IsUsableForMatching);
        Assert.All(variants, v => Assert.False(a.Hash.Matches(v)));
    }

    [Fact]
    public async Task A_four_pixel_image_hashes_to_zero_and_is_not_usable()
    {
        var tiny = await Hash("holdout/hold-15-tiny-4px.png");

        Assert.Equal((4, 4), (tiny.Width, tiny.Height));
        Assert.Equal(new PdqHash(0, 0, 0, 0, 0), tiny.Hash);
        Assert.False(tiny.IsUsableForMatching);
    }

    private static async Task<ImageFingerprint> Hash(string file) =>
        await Fingerprinter.HashImageAsync(await File.ReadAllBytesAsync(Path.Combine(PdqDir, file)));

    private static async Task<PdqHash[]> Variants(string file)
    {
        var image = await Fingerprinter.DecodeImageAsync(await File.ReadAllBytesAsync(Path.Combine(PdqDir, file)));
        return Pdq.DihedralFromRgb24(image.Rgb, image.Width, image.Height);
    }
}

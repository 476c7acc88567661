using Takedown.Fingerprints;

namespace Takedown.Fingerprints.Tests;

public class PdqReferenceVectorTests
{
    private static readonly string DataDir = Path.Combine(AppContext.BaseDirectory, "TestData", "pdq");

    public static TheoryData<string, int, int, string, int> ReferenceRows() => ReferenceTables.HashRows("expected-from-rgb24.csv");

    [Fact]
    public void All_thirteen_reference_rows_are_present()
    {
        Assert.Equal(13, ReferenceRows().Count);
    }

    [Theory]
    [MemberData(nameof(ReferenceRows))]
    public void Hash_and_quality_match_the_reference_bit_for_bit(string file, int width, int height, string expectedHex, int expectedQuality)
    {
        var rgb = File.ReadAllBytes(Path.Combine(DataDir, file));

        var hash = Pdq.FromRgb24(rgb, width, height);

        Assert.Equal(expectedHex, hash.ToHex());
        Assert.Equal(expectedQuality, hash.Quality);
    }

    [Theory]
    [MemberData(nameof(ReferenceRows))]
    public void The_original_dihedral_variant_is_the_plain_hash(string file, int width, int height, string expectedHex, int expectedQuality)
    {
        var rgb = File.ReadAllBytes(Path.Combine(DataDir, file));

        var original = Pdq.DihedralFromRgb24(rgb, width, height)[(int)Dihedral.Original];

        Assert.Equal(PdqHash.Parse(expectedHex, expectedQuality), original);
    }
}

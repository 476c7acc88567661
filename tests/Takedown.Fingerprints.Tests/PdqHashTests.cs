using Takedown.Fingerprints;

namespace Takedown.Fingerprints.Tests;

public class PdqHashTests
{
    // Two rows of expected-from-rgb24.csv: the bridge square at 256x256 and at 512x512.
    private const string Bridge256 = "d8f8f0cec4f4a84f0637022a078f67f0b36e2ee5b6621e1d33e6239c4e9c9b22";
    private const string Bridge512 = "d8f8f0cec0f4a84f0637022a278f67f0b36e2ed596621e1d33e6339c4e9c9b22";

    [Fact]
    public void Parse_then_ToHex_round_trips()
    {
        var hash = PdqHash.Parse(Bridge256);

        Assert.Equal(Bridge256, hash.ToHex());
        Assert.Equal(hash, PdqHash.Parse(hash.ToHex()));
    }

    [Fact]
    public void Parse_accepts_upper_case_and_writes_lower_case()
    {
        Assert.Equal(Bridge256, PdqHash.Parse(Bridge256.ToUpperInvariant()).ToHex());
    }

    [Theory]
    [InlineData("")]
    [InlineData("d8f8")]
    [InlineData("g8f8f0cec4f4a84f0637022a078f67f0b36e2ee5b6621e1d33e6239c4e9c9b22")]
    [InlineData("d8f8f0cec4f4a84f0637022a078f67f0b36e2ee5b6621e1d33e6239c4e9c9b2200")]
    public void Parse_rejects_anything_but_64_hex_digits(string hex)
    {
        Assert.Throws<FormatException>(() => PdqHash.Parse(hex));
    }

    [Fact]
    public void Hex_order_puts_bit_255_first_and_bit_0_last()
    {
        var top = PdqHash.Parse("8000" + new string('0', 60));
        var bottom = PdqHash.Parse(new string('0', 63) + "1");

        Assert.True(top[255]);
        Assert.Equal(1, top.Distance(default));
        Assert.True(bottom[0]);
        Assert.Equal(1UL, bottom.Bits0);
    }

    [Fact]
    public void Distance_to_itself_is_zero_and_to_its_complement_is_256()
    {
        var hash = PdqHash.Parse(Bridge256);

        Assert.Equal(0, hash.Distance(hash));
        Assert.Equal(256, hash.Distance(hash.Complement()));
        Assert.Equal("27070f313b0b57b0f9c8fdd5f870980f4c91d11a499de1e2cc19dc63b16364dd", hash.Complement().ToHex());
    }

    [Fact]
    public void Distance_between_two_reference_hashes_matches_a_hand_count()
    {
        // Differing bytes, by hand: c4/c0 (1 bit), 07/27 (1), e5/d5 (e^d = 3: 2 bits), b6/96 (1), 23/33 (1) = 6 bits.
        var a = PdqHash.Parse(Bridge256);
        var b = PdqHash.Parse(Bridge512);

        Assert.Equal(6, a.Distance(b));
        Assert.True(a.Matches(b));
    }

    [Fact]
    public void Images_smaller_than_five_pixels_on_a_side_hash_to_zero_with_quality_zero()
    {
        var rgb = new byte[4 * 100 * 3];
        Random.Shared.NextBytes(rgb);

        var hash = Pdq.FromRgb24(rgb, 100, 4);

        Assert.Equal(new PdqHash(0, 0, 0, 0, 0), hash);
    }

    [Fact]
    public void Wrong_buffer_length_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => Pdq.FromRgb24(new byte[10], 5, 5));
    }
}

using Takedown.Fingerprints.Media;

namespace Takedown.Fingerprints.Tests.Media;

public class VideoMatchTests
{
    private static readonly PdqHash A = PdqHash.Parse("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22", 100);
    private static readonly PdqHash B = A.Complement();
    private static readonly PdqHash C = PdqHash.Parse("54a9f7c321d1443c43ba566e21d4a13989a3553f1472611cbbc5fda59e03b677", 100);
    private static readonly PdqHash D = PdqHash.Parse("cfb2009ddd21c6dab0046a7745b5984757a8a4535b3377aea2591d32b33ff940", 100);
    private static readonly PdqHash E = PdqHash.Parse("489db672e9190276d452aeab41eba20f02375fe4092d88defdf491a5c55c5f70", 100);

    [Fact]
    public void Frames_within_31_bits_match_and_32_do_not()
    {
        var near = Flip(A, 31);
        var far = Flip(A, 32);

        Assert.Equal(100, VideoMatch.Compare([A], [near]).QueryMatchedPercent);
        Assert.Equal(0, VideoMatch.Compare([A], [far]).QueryMatchedPercent);
    }

    [Fact]
    public void Four_of_five_frames_found_is_a_match_three_is_not()
    {
        var target = new[] { A, B, C, D };

        var four = VideoMatch.Compare([A, B, C, D, E], target);
        var three = VideoMatch.Compare([A, B, C, E, Flip(E, 100)], target);

        Assert.Equal(new VideoComparison(80, 100), four);
        Assert.True(four.IsMatch);
        Assert.Equal(60, three.QueryMatchedPercent);
        Assert.False(three.IsMatch);
    }

    [Fact]
    public void A_short_clip_matches_the_long_video_but_not_the_other_way()
    {
        var clip = new[] { A, B };
        var full = new[] { A, B, C, D, E };

        Assert.Equal(new VideoComparison(100, 40), VideoMatch.Compare(clip, full));
        Assert.False(VideoMatch.Compare(full, clip).IsMatch);
    }

    [Fact]
    public void Repeated_frames_count_once()
    {
        // Without de-duplication the query would be 4 of 5 (80%) found; as distinct hashes it is 1 of 2.
        var comparison = VideoMatch.Compare([A, A, A, A, C], [A]);

        Assert.Equal(50, comparison.QueryMatchedPercent);
    }

    [Fact]
    public void Frames_below_quality_50_are_ignored_on_both_sides()
    {
        var flat = A with { Quality = 49 };

        Assert.Equal(new VideoComparison(0, 0), VideoMatch.Compare([flat], [flat]));
        Assert.Equal(new VideoComparison(100, 50), VideoMatch.Compare([A, C with { Quality = 10 }], [A, B]));
    }

    private static PdqHash Flip(PdqHash hash, int bits)
    {
        var mask = bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1;
        var rest = bits >= 64 ? (bits - 64 >= 64 ? ulong.MaxValue : (1UL << (bits - 64)) - 1) : 0;
        return hash with { Bits0 = hash.Bits0 ^ mask, Bits1 = hash.Bits1 ^ rest };
    }
}

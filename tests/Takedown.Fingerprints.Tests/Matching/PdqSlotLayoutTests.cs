using Takedown.Fingerprints.Matching;

namespace Takedown.Fingerprints.Tests.Matching;

public class PdqSlotLayoutTests
{
    [Fact]
    public void Ten_million_hashes_get_11_slots_of_23_and_24_bits_probed_at_radius_2_or_1()
    {
        var layout = PdqSlotLayout.ForBankSize(10_000_000);
        var radii = layout.RadiiFor(PdqHash.MatchThreshold, 10_000_000);

        Assert.Equal(11, layout.SlotCount);
        Assert.Equal([24, 24, 24, 23, 23, 23, 23, 23, 23, 23, 23], layout.Widths);
        Assert.Equal(32, radii.Sum(r => r + 1));
        Assert.All(radii, r => Assert.InRange(r, 1, 2));
    }

    [Theory]
    [InlineData(1_350, 32)]
    [InlineData(10_000, 16)]
    [InlineData(1_000_000, 16)]
    [InlineData(3_000_000, 12)]
    public void Smaller_banks_get_narrower_slots(int bankSize, int slots)
    {
        Assert.Equal(slots, PdqSlotLayout.ForBankSize(bankSize).SlotCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_350)]
    [InlineData(100_000)]
    [InlineData(1_000_000)]
    [InlineData(3_000_000)]
    [InlineData(10_000_000)]
    [InlineData(50_000_000)]
    public void Offset_tables_stay_within_64_bytes_a_hash_or_4_MiB(int bankSize)
    {
        var layout = PdqSlotLayout.ForBankSize(bankSize);

        Assert.Equal(256, layout.Widths.Sum());
        Assert.True(layout.OffsetTableBytes <= Math.Max(64L * bankSize, 4L << 20) + 4 * layout.SlotCount, layout.ToString());
    }

    [Theory]
    [InlineData(0, 1_000)]
    [InlineData(5, 1_000_000)]
    [InlineData(31, 1_350)]
    [InlineData(31, 1_000_000)]
    [InlineData(64, 10_000_000)]
    public void Radii_add_up_to_one_more_than_the_distance_so_every_match_shares_a_near_slot(int maxDistance, int bankSize)
    {
        var layout = PdqSlotLayout.ForBankSize(bankSize);

        var radii = layout.RadiiFor(maxDistance, bankSize);

        Assert.Equal(maxDistance + 1, radii.Sum(r => r + 1));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(33)]
    public void Slot_counts_outside_11_to_32_are_refused(int slots)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PdqSlotLayout.WithSlots(slots));
    }
}

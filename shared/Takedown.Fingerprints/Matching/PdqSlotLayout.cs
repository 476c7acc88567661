namespace Takedown.Fingerprints.Matching;

/// <summary>
/// How multi-index hashing splits the 256 bits: <see cref="SlotCount"/> contiguous slots, the first
/// <c>256 % SlotCount</c> of them one bit wider. If two hashes are within distance T, then for any radii with
/// sum(r_i + 1) &gt; T some slot differs in at most r_i bits (pigeonhole), so probing every slot value within
/// r_i of the query's finds every match. See docs/fingerprints.md, "Matcher".
/// </summary>
public sealed class PdqSlotLayout
{
    public const int MinSlots = 11;
    public const int MaxSlots = 32;

    /// <summary>Slots are looked up in a direct table of 2^width offsets; 24 bits is a 64 MiB table.</summary>
    public const int MaxSlotWidth = 24;

    /// <summary>Offset tables may take this many bytes per banked hash (but always 4 MiB).</summary>
    public const int OffsetBytesPerHash = 64;

    private const long MinOffsetBudget = 4L << 20;

    /// <summary>
    /// Cost of one candidate relative to one probe's offset table read; fitted to the benchmark (docs/benchmarks.md,
    /// "PDQ matcher"): candidates come in contiguous postings and their hashes are prefetched together.
    /// </summary>
    private const double CandidateCost = 0.5;

    private readonly int[] _starts;
    private readonly int[] _widths;

    private PdqSlotLayout(int slotCount)
    {
        _starts = new int[slotCount];
        _widths = new int[slotCount];
        var start = 0;
        for (var slot = 0; slot < slotCount; slot++)
        {
            _widths[slot] = PdqHash.BitCount / slotCount + (slot < PdqHash.BitCount % slotCount ? 1 : 0);
            _starts[slot] = start;
            start += _widths[slot];
        }
    }

    public int SlotCount => _widths.Length;

    public IReadOnlyList<int> Widths => _widths;

    /// <summary>A layout with <paramref name="slotCount"/> slots (11..32: slots of 24 down to 8 bits).</summary>
    public static PdqSlotLayout WithSlots(int slotCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slotCount, MinSlots);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotCount, MaxSlots);
        return new PdqSlotLayout(slotCount);
    }

    /// <summary>
    /// The slot count with the least estimated work per query at distance 31 for a bank of
    /// <paramref name="bankSize"/> uniformly spread hashes, among layouts whose offset tables fit in 64 bytes a
    /// hash (at least 4 MiB). A slot of width w probed at radius r makes
    /// V(w, r) = sum_{j&lt;=r} C(w, j) probes; each costs one offset read, one postings read when its bucket is
    /// not empty (probability 1 - e^-L, L = N / 2^w) and 0.5 per candidate (L of them on average).
    /// </summary>
    public static PdqSlotLayout ForBankSize(int bankSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bankSize);
        var budget = Math.Max(MinOffsetBudget, (long)OffsetBytesPerHash * bankSize);
        PdqSlotLayout? best = null;
        var bestCost = double.MaxValue;
        for (var slots = MinSlots; slots <= MaxSlots; slots++)
        {
            var layout = new PdqSlotLayout(slots);
            if (layout._widths.Sum(w => 4L << w) > budget)
            {
                continue;
            }
            var cost = layout.EstimatedCost(layout.RadiiFor(PdqHash.MatchThreshold, bankSize), bankSize);
            if (cost < bestCost)
            {
                (best, bestCost) = (layout, cost);
            }
        }
        return best ?? new PdqSlotLayout(MaxSlots);
    }

    /// <summary>Bytes of the direct offset tables (one int per slot value, plus one).</summary>
    public long OffsetTableBytes => _widths.Sum(w => 4L * ((1L << w) + 1));

    /// <summary>
    /// Probe radius per slot for a query at <paramref name="maxDistance"/>: sum(r_i + 1) = maxDistance + 1, each
    /// unit given greedily to the slot where it adds the least estimated work. -1 means the slot is not probed.
    /// </summary>
    public int[] RadiiFor(int maxDistance, int bankSize)
    {
        var radii = new int[SlotCount];
        Array.Fill(radii, -1);
        for (var unit = 0; unit <= maxDistance; unit++)
        {
            var cheapest = 0;
            var cheapestExtra = double.MaxValue;
            for (var slot = 0; slot < SlotCount; slot++)
            {
                var extra = SlotCost(_widths[slot], radii[slot] + 1, bankSize) - SlotCost(_widths[slot], radii[slot], bankSize);
                if (extra < cheapestExtra)
                {
                    (cheapest, cheapestExtra) = (slot, extra);
                }
            }
            radii[cheapest]++;
        }
        return radii;
    }

    /// <summary>Offset table lookups a query makes with these radii.</summary>
    public long ProbeCount(int[] radii)
    {
        long probes = 0;
        for (var slot = 0; slot < SlotCount; slot++)
        {
            probes += Ball(_widths[slot], radii[slot]);
        }
        return probes;
    }

    public override string ToString()
    {
        var wide = PdqHash.BitCount % SlotCount;
        var narrow = PdqHash.BitCount / SlotCount;
        return wide == 0
            ? $"{SlotCount} slots of {narrow} bits"
            : $"{SlotCount} slots ({wide} x {narrow + 1} bits, {SlotCount - wide} x {narrow} bits)";
    }

    internal int Start(int slot) => _starts[slot];

    internal int Width(int slot) => _widths[slot];

    /// <summary>The <paramref name="slot"/> bits of a hash given as its four words.</summary>
    internal uint Value(ulong w0, ulong w1, ulong w2, ulong w3, int slot)
    {
        var start = _starts[slot];
        var shift = start & 63;
        var word = start >> 6;
        var value = Word(w0, w1, w2, w3, word) >> shift;
        if (shift + _widths[slot] > 64)
        {
            value |= Word(w0, w1, w2, w3, word + 1) << (64 - shift);
        }
        return (uint)(value & ((1UL << _widths[slot]) - 1));
    }

    private static ulong Word(ulong w0, ulong w1, ulong w2, ulong w3, int index) => index switch
    {
        0 => w0,
        1 => w1,
        2 => w2,
        _ => w3,
    };

    /// <summary>The estimated work of a query at distance 31 on a bank of <paramref name="bankSize"/> (see <see cref="ForBankSize"/>).</summary>
    internal double EstimatedCost(int bankSize) => EstimatedCost(RadiiFor(PdqHash.MatchThreshold, bankSize), bankSize);

    private double EstimatedCost(int[] radii, int bankSize)
    {
        var cost = 0.0;
        for (var slot = 0; slot < SlotCount; slot++)
        {
            cost += SlotCost(_widths[slot], radii[slot], bankSize);
        }
        return cost;
    }

    private static double SlotCost(int width, int radius, int bankSize)
    {
        var perBucket = bankSize / Math.Pow(2, width);
        return Ball(width, radius) * (1.0 + (1.0 - Math.Exp(-perBucket)) + CandidateCost * perBucket);
    }

    /// <summary>Number of slot values within <paramref name="radius"/> bits of one value: sum_{j&lt;=r} C(w, j).</summary>
    internal static long Ball(int width, int radius)
    {
        if (radius < 0)
        {
            return 0;
        }
        if (radius >= width)
        {
            return 1L << width;
        }
        long sum = 0, binomial = 1;
        for (var j = 0; j <= radius; j++)
        {
            sum += binomial;
            binomial = binomial * (width - j) / (j + 1);
        }
        return sum;
    }
}

using System.Numerics;

namespace Takedown.Fingerprints.Matching;

/// <summary>
/// The immutable bulk of the index: hashes and ids in id order, and per slot a counting-sorted postings list
/// with a direct offset table (postings[offsets[v] .. offsets[v + 1]] are the entries whose slot equals v).
/// Only the tombstone bits change after build, written by the index's single writer.
/// </summary>
internal sealed class FrozenSegment
{
    public static readonly FrozenSegment Empty = new(PdqSlotLayout.WithSlots(PdqSlotLayout.MaxSlots), [], [], [], []);

    private readonly ulong[] _words;       // entry e: _words[4e .. 4e + 3] = Bits0 .. Bits3
    private readonly long[] _ids;          // ascending, so Remove(id) is a binary search
    private readonly int[][] _offsets;     // per slot: 2^width + 1
    private readonly int[][] _postings;    // per slot: entry numbers ordered by slot value, then entry
    private readonly ulong[] _removed;     // tombstone bit per entry
    private readonly int[]?[] _radiiByDistance = new int[PdqHash.BitCount + 1][];
    private int _removedCount;

    private FrozenSegment(PdqSlotLayout layout, ulong[] words, long[] ids, int[][] offsets, int[][] postings)
    {
        Layout = layout;
        _words = words;
        _ids = ids;
        _offsets = offsets;
        _postings = postings;
        _removed = new ulong[(ids.Length + 63) / 64];
    }

    public PdqSlotLayout Layout { get; }

    public int Count => _ids.Length;

    public int LiveCount => Count - Volatile.Read(ref _removedCount);

    public long MemoryBytes =>
        8L * (_words.Length + _ids.Length + _removed.Length)
        + _offsets.Sum(o => 4L * o.Length) + _postings.Sum(p => 4L * p.Length);

    /// <summary>Takes ownership of <paramref name="words"/> and <paramref name="ids"/>, which must be in id order.</summary>
    public static FrozenSegment Build(PdqSlotLayout layout, ulong[] words, long[] ids)
    {
        if (ids.Length == 0)
        {
            return new FrozenSegment(layout, [], [], [], []);
        }
        var offsets = new int[layout.SlotCount][];
        var postings = new int[layout.SlotCount][];
        // Slots are independent: build them on all cores. Peak extra memory is nil (counting sort in place).
        Parallel.For(0, layout.SlotCount, slot => (offsets[slot], postings[slot]) = CountingSort(layout, slot, words, ids.Length));
        return new FrozenSegment(layout, words, ids, offsets, postings);
    }

    private static (int[] Offsets, int[] Postings) CountingSort(PdqSlotLayout layout, int slot, ulong[] words, int count)
    {
        var buckets = 1 << layout.Width(slot);
        var offsets = new int[buckets + 1];
        for (var e = 0; e < count; e++)
        {
            offsets[SlotOf(layout, words, e, slot)]++;
        }
        var start = 0;
        for (var v = 0; v <= buckets; v++)
        {
            (offsets[v], start) = (start, start + offsets[v]);
        }
        var postings = new int[count];
        for (var e = 0; e < count; e++)
        {
            postings[offsets[SlotOf(layout, words, e, slot)]++] = e;
        }
        // offsets[v] now holds the end of bucket v, which is the start of v + 1: shift back by one.
        for (var v = buckets; v > 0; v--)
        {
            offsets[v] = offsets[v - 1];
        }
        offsets[0] = 0;
        return (offsets, postings);
    }

    private static uint SlotOf(PdqSlotLayout layout, ulong[] words, int entry, int slot) =>
        layout.Value(words[4 * entry], words[4 * entry + 1], words[4 * entry + 2], words[4 * entry + 3], slot);

    public void Search(PdqHash query, int maxDistance, List<PdqMatch> results)
    {
        if (Count == 0)
        {
            return;
        }
        var radii = _radiiByDistance[maxDistance] ??= Layout.RadiiFor(maxDistance, Count);
        if (Layout.ProbeCount(radii) > Math.Min(ProbeMasks.MaxMasks, Count / 4))
        {
            Scan(query, maxDistance, results); // a wide radius enumerates more slot values than there are hashes
            return;
        }
        var words = _words;
        var (q0, q1, q2, q3) = (query.Bits0, query.Bits1, query.Bits2, query.Bits3);
        for (var slot = 0; slot < Layout.SlotCount; slot++)
        {
            if (radii[slot] < 0)
            {
                continue;
            }
            var key = Layout.Value(q0, q1, q2, q3, slot);
            var offsets = _offsets[slot];
            var postings = _postings[slot];
            foreach (var mask in ProbeMasks.For(Layout.Width(slot), radii[slot]))
            {
                var probe = key ^ mask;
                var end = offsets[probe + 1];
                for (var p = offsets[probe]; p < end; p++)
                {
                    var e = postings[p];
                    var b = 4 * e;
                    var (x0, x1, x2, x3) = (words[b] ^ q0, words[b + 1] ^ q1, words[b + 2] ^ q2, words[b + 3] ^ q3);
                    var distance = BitOperations.PopCount(x0) + BitOperations.PopCount(x1)
                        + BitOperations.PopCount(x2) + BitOperations.PopCount(x3);
                    if (distance <= maxDistance && !IsRemoved(e) && !FoundInEarlierSlot(x0, x1, x2, x3, slot, radii))
                    {
                        results.Add(new PdqMatch(_ids[e], distance));
                    }
                }
            }
        }
    }

    /// <summary>A match is reported from the first slot that finds it, so each entry is reported once.</summary>
    private bool FoundInEarlierSlot(ulong x0, ulong x1, ulong x2, ulong x3, int slot, int[] radii)
    {
        for (var earlier = 0; earlier < slot; earlier++)
        {
            if (radii[earlier] >= 0 && BitOperations.PopCount(Layout.Value(x0, x1, x2, x3, earlier)) <= radii[earlier])
            {
                return true;
            }
        }
        return false;
    }

    public void Scan(PdqHash query, int maxDistance, List<PdqMatch> results)
    {
        var words = _words;
        for (var e = 0; e < _ids.Length; e++)
        {
            var b = 4 * e;
            var distance = BitOperations.PopCount(words[b] ^ query.Bits0) + BitOperations.PopCount(words[b + 1] ^ query.Bits1)
                + BitOperations.PopCount(words[b + 2] ^ query.Bits2) + BitOperations.PopCount(words[b + 3] ^ query.Bits3);
            if (distance <= maxDistance && !IsRemoved(e))
            {
                results.Add(new PdqMatch(_ids[e], distance));
            }
        }
    }

    private bool IsRemoved(int entry) => (Volatile.Read(ref _removed[entry >> 6]) & (1UL << (entry & 63))) != 0;

    /// <summary>Tombstones every live entry with this id; writer only. Returns how many it removed.</summary>
    public int Remove(long id)
    {
        var at = Array.BinarySearch(_ids, id);
        if (at < 0)
        {
            return 0;
        }
        while (at > 0 && _ids[at - 1] == id)
        {
            at--;
        }
        var removed = 0;
        for (; at < _ids.Length && _ids[at] == id; at++)
        {
            if (!IsRemoved(at))
            {
                Volatile.Write(ref _removed[at >> 6], _removed[at >> 6] | (1UL << (at & 63)));
                removed++;
            }
        }
        Volatile.Write(ref _removedCount, _removedCount + removed);
        return removed;
    }

    /// <summary>The live entries, in id order, for a merge.</summary>
    public IEnumerable<(ulong W0, ulong W1, ulong W2, ulong W3, long Id)> LiveEntries()
    {
        for (var e = 0; e < _ids.Length; e++)
        {
            if (!IsRemoved(e))
            {
                yield return (_words[4 * e], _words[4 * e + 1], _words[4 * e + 2], _words[4 * e + 3], _ids[e]);
            }
        }
    }
}

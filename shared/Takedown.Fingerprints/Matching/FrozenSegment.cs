using System.Numerics;
using System.Runtime.Intrinsics.X86;

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
    private readonly ProbePlan?[] _plans = new ProbePlan?[PdqHash.BitCount + 1];
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
        var plan = _plans[maxDistance] ??= new ProbePlan(Layout, maxDistance, Count);
        if (plan.Masks is null)
        {
            Scan(query, maxDistance, results); // a wide radius enumerates more slot values than there are hashes
            return;
        }
        var scratch = Scratch.ForThisThread;
        for (var slot = 0; slot < Layout.SlotCount; slot++)
        {
            var masks = plan.Masks[slot];
            var key = Layout.Value(query.Bits0, query.Bits1, query.Bits2, query.Bits3, slot);
            for (var from = 0; from < masks.Length; from += Scratch.Chunk)
            {
                var count = Math.Min(Scratch.Chunk, masks.Length - from);
                var candidates = Gather(slot, key, masks.AsSpan(from, count), scratch);
                Rerank(query, maxDistance, slot, plan.Radii, scratch.Candidates.AsSpan(0, candidates), results);
            }
        }
    }

    /// <summary>
    /// The entries in the buckets of one chunk of probes, in three passes so that each pass's cache misses
    /// overlap: prefetch the offset table entries, then read them and prefetch the postings, then read the
    /// postings and prefetch the hashes. Serially, every probe and candidate would wait for DRAM in turn.
    /// </summary>
    private unsafe int Gather(int slot, uint key, ReadOnlySpan<uint> masks, Scratch scratch)
    {
        var starts = scratch.Starts;
        var ends = scratch.Ends;
        fixed (int* offsets = _offsets[slot])
        fixed (int* postings = _postings[slot])
        fixed (ulong* words = _words)
        {
            for (var i = 0; i < masks.Length; i++)
            {
                Prefetch(offsets + (key ^ masks[i]));
            }
            var total = 0;
            for (var i = 0; i < masks.Length; i++)
            {
                var probe = key ^ masks[i];
                starts[i] = offsets[probe];
                ends[i] = offsets[probe + 1];
                Prefetch(postings + starts[i]);
                total += ends[i] - starts[i];
            }
            var candidates = scratch.CandidateBuffer(total);
            var n = 0;
            for (var i = 0; i < masks.Length; i++)
            {
                for (var p = starts[i]; p < ends[i]; p++)
                {
                    var entry = postings[p];
                    Prefetch(words + 4 * entry);
                    Prefetch(words + 4 * entry + 3); // an entry may straddle two cache lines
                    candidates[n++] = entry;
                }
            }
            return n;
        }
    }

    private void Rerank(PdqHash query, int maxDistance, int slot, int[] radii, ReadOnlySpan<int> candidates, List<PdqMatch> results)
    {
        var words = _words;
        var (q0, q1, q2, q3) = (query.Bits0, query.Bits1, query.Bits2, query.Bits3);
        foreach (var e in candidates)
        {
            var b = 4 * e;
            var (x0, x1, x2, x3) = (words[b] ^ q0, words[b + 1] ^ q1, words[b + 2] ^ q2, words[b + 3] ^ q3);
            var distance = BitOperations.PopCount(x0) + BitOperations.PopCount(x1) + BitOperations.PopCount(x2) + BitOperations.PopCount(x3);
            if (distance <= maxDistance && !IsRemoved(e) && !FoundInEarlierSlot(x0, x1, x2, x3, slot, radii))
            {
                results.Add(new PdqMatch(_ids[e], distance));
            }
        }
    }

    private static unsafe void Prefetch(void* address)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(address);
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

    /// <summary>Per query distance: each slot's radius and the masks to probe it with, or no masks when a scan is cheaper.</summary>
    private sealed class ProbePlan
    {
        public ProbePlan(PdqSlotLayout layout, int maxDistance, int count)
        {
            Radii = layout.RadiiFor(maxDistance, count);
            if (layout.ProbeCount(Radii) <= Math.Min(ProbeMasks.MaxMasks, count / 4))
            {
                Masks = [.. Enumerable.Range(0, layout.SlotCount).Select(slot => Radii[slot] < 0 ? [] : ProbeMasks.For(layout.Width(slot), Radii[slot]))];
            }
        }

        public int[] Radii { get; }

        public uint[][]? Masks { get; }
    }

    /// <summary>Per-thread buffers for <see cref="Gather"/>, so a query allocates nothing but its results.</summary>
    private sealed class Scratch
    {
        public const int Chunk = 128;

        [ThreadStatic]
        private static Scratch? _forThisThread;

        public static Scratch ForThisThread => _forThisThread ??= new Scratch();

        public int[] Starts { get; } = new int[Chunk];

        public int[] Ends { get; } = new int[Chunk];

        public int[] Candidates { get; private set; } = new int[4096];

        public int[] CandidateBuffer(int size)
        {
            if (Candidates.Length < size)
            {
                Candidates = new int[Math.Max(size, 2 * Candidates.Length)];
            }
            return Candidates;
        }
    }
}

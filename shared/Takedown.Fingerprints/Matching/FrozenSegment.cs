using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Takedown.Fingerprints.Matching;

/// <summary>
/// The multi-index over entries [0, <see cref="Count"/>) of an <see cref="EntryStore"/>: per slot, a postings list of
/// entry numbers ordered by slot value, and a direct offset table (postings[offsets[v] .. offsets[v + 1]] are the
/// entries whose slot equals v). Immutable: a merge replaces one slot at a time (<see cref="WithSlot"/>) and then
/// the count (<see cref="WithCount"/>), each a new object sharing the other slots' arrays.
/// <para>
/// A rebuilt slot may already hold entries at or past <see cref="Count"/> (the merge's pending ones): a query ignores
/// them here, because it finds them in the pending range, so no entry is reported twice. Every entry below
/// <see cref="Count"/> that is not removed is in every slot, which the first-slot-within-radius rule relies on.
/// </para>
/// </summary>
internal sealed class FrozenSegment
{
    private readonly int[]?[] _offsets;  // per slot: exactly 2^width + 1 ints
    private readonly int[]?[] _postings; // per slot: at least offsets[2^width] ints; the rest is room to grow into
    private readonly ProbePlan?[] _plans;

    private FrozenSegment(PdqSlotLayout layout, int count, int[]?[] offsets, int[]?[] postings, ProbePlan?[] plans)
    {
        Layout = layout;
        Count = count;
        _offsets = offsets;
        _postings = postings;
        _plans = plans;
    }

    public PdqSlotLayout Layout { get; }

    /// <summary>Entries [0, Count) of the store are found through the slots; the rest are scanned.</summary>
    public int Count { get; }

    public long MemoryBytes => _offsets.Sum(o => 4L * (o?.Length ?? 0)) + _postings.Sum(p => 4L * (p?.Length ?? 0));

    public static FrozenSegment Empty(PdqSlotLayout layout) =>
        new(layout, 0, new int[]?[layout.SlotCount], new int[]?[layout.SlotCount], new ProbePlan?[PdqHash.BitCount + 1]);

    /// <summary>
    /// A new postings list's length: its entries, plus room for later merges' entries. A merge passes a slot's arrays
    /// on to the next slot (see <see cref="MergeSlot"/>), so an array serves one slot further at each merge until it
    /// is dropped: with <paramref name="room"/> for one slot count's worth of merges, it is reused throughout. The room
    /// is capped at an eighth of the entries, so a small index does not carry mostly room (its arrays are cheap to
    /// allocate anyway); at 10M it is under 2%.
    /// </summary>
    public static int PostingsCapacity(int entries, int room) => (int)Math.Min(Array.MaxLength, entries + Math.Min((long)room, entries / 8));

    /// <summary>All slots at once from entries [0, count) of a store with no removed entries: a bulk build or a compaction.</summary>
    public static FrozenSegment Build(PdqSlotLayout layout, EntryStore store, int count, int room)
    {
        var offsets = new int[]?[layout.SlotCount];
        var postings = new int[]?[layout.SlotCount];
        if (count > 0)
        {
            // Slots are independent: build them on all cores. Peak extra memory is nil (counting sort in place).
            Parallel.For(0, layout.SlotCount, slot => (offsets[slot], postings[slot]) = CountingSort(layout, slot, store, count, room));
        }
        return new FrozenSegment(layout, count, offsets, postings, new ProbePlan?[PdqHash.BitCount + 1]);
    }

    private static (int[] Offsets, int[] Postings) CountingSort(PdqSlotLayout layout, int slot, EntryStore store, int count, int room)
    {
        var buckets = 1 << layout.Width(slot);
        var offsets = new int[buckets + 1];
        var words = store.Words;
        for (var e = 0; e < count; e++)
        {
            offsets[SlotOf(layout, words, e, slot)]++;
        }
        var start = 0;
        for (var v = 0; v <= buckets; v++)
        {
            (offsets[v], start) = (start, start + offsets[v]);
        }
        var postings = new int[PostingsCapacity(count, room)];
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

    internal static uint SlotOf(PdqSlotLayout layout, ulong[][] words, int entry, int slot)
    {
        var chunk = words[entry >> EntryStore.ChunkBits];
        var b = 4 * (entry & EntryStore.ChunkMask);
        return layout.Value(chunk[b], chunk[b + 1], chunk[b + 2], chunk[b + 3], slot);
    }

    /// <summary>This slot's arrays (for a merge that rebuilds it), or nulls while the segment is empty.</summary>
    public (int[]? Offsets, int[]? Postings) Slot(int slot) => (_offsets[slot], _postings[slot]);

    /// <summary>The same segment with one slot's arrays replaced; the count, and so the probe plans, stay.</summary>
    public FrozenSegment WithSlot(int slot, int[] offsets, int[] postings)
    {
        var newOffsets = (int[]?[])_offsets.Clone();
        var newPostings = (int[]?[])_postings.Clone();
        (newOffsets[slot], newPostings[slot]) = (offsets, postings);
        return new FrozenSegment(Layout, Count, newOffsets, newPostings, _plans);
    }

    /// <summary>The same slots, found up to a new count: valid once every slot holds entries [0, count).</summary>
    public FrozenSegment WithCount(int count) => new(Layout, count, _offsets, _postings, new ProbePlan?[PdqHash.BitCount + 1]);

    /// <summary>
    /// One slot's arrays after a merge, from its current ones in one sequential pass: bucket by bucket, the old
    /// postings below <paramref name="frozen"/> that are not removed, then the added entries with that slot value.
    /// No counting sort over all entries, so a slot at 10M takes a fraction of a second. The arrays come from
    /// <paramref name="spareOffsets"/> and <paramref name="sparePostings"/> (a slot replaced earlier in this merge,
    /// which no query reads any more) when they fit, else new ones.
    /// </summary>
    public static (int[] Offsets, int[] Postings) MergeSlot(PdqSlotLayout layout, int slot, int[]? oldOffsets, int[]? oldPostings,
        int frozen, ulong[] removed, uint[] addedValues, int[] addedEntries, int[]? spareOffsets, int[]? sparePostings, int room)
    {
        var buckets = 1 << layout.Width(slot);
        var offsets = spareOffsets?.Length == buckets + 1 ? spareOffsets : new int[buckets + 1];
        var bound = (oldOffsets?[buckets] ?? 0) + addedEntries.Length;
        var postings = sparePostings is not null && sparePostings.Length >= bound ? sparePostings : new int[PostingsCapacity(bound, room)];
        var at = 0;
        var added = 0;
        for (var v = 0; v < buckets; v++)
        {
            offsets[v] = at;
            if (oldOffsets is not null)
            {
                for (var p = oldOffsets[v]; p < oldOffsets[v + 1]; p++)
                {
                    var e = oldPostings![p];
                    // Below frozen only: a merge that failed half-way left its pending entries in some slots.
                    if (e < frozen && (removed[e >> 6] & (1UL << (e & 63))) == 0)
                    {
                        postings[at++] = e;
                    }
                }
            }
            for (; added < addedValues.Length && addedValues[added] == v; added++)
            {
                postings[at++] = addedEntries[added];
            }
        }
        offsets[buckets] = at;
        return (offsets, postings);
    }

    /// <summary>
    /// Appends the matches among entries [0, Count); false when the radius is so wide that scanning every entry is
    /// cheaper, in which case the caller scans the whole store instead.
    /// </summary>
    public unsafe bool Search(EntryStore store, PdqHash query, int maxDistance, List<PdqMatch> results)
    {
        if (Count == 0)
        {
            return false;
        }
        var plan = _plans[maxDistance] ??= new ProbePlan(Layout, maxDistance, Count);
        if (plan.Masks is null)
        {
            return false; // a wide radius enumerates more slot values than there are hashes
        }
        var scratch = Scratch.ForThisThread;
        var table = store.Table;
        fixed (nint* bases = table.Bases)
        {
            for (var slot = 0; slot < Layout.SlotCount; slot++)
            {
                var masks = plan.Masks[slot];
                var key = Layout.Value(query.Bits0, query.Bits1, query.Bits2, query.Bits3, slot);
                for (var from = 0; from < masks.Length; from += Scratch.Chunk)
                {
                    var count = Math.Min(Scratch.Chunk, masks.Length - from);
                    var candidates = Gather(slot, key, masks.AsSpan(from, count), bases, scratch);
                    Rerank(store, query, maxDistance, slot, plan.Radii, scratch.Candidates.AsSpan(0, candidates), scratch.Hashes.AsSpan(0, candidates), results);
                }
            }
        }
        GC.KeepAlive(table); // the chunks behind the addresses in Bases
        return true;
    }

    /// <summary>The address of an entry's hash (four words): its chunk's base, which is pinned, plus its offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe ulong* HashAt(nint* bases, int entry) => (ulong*)bases[entry >> EntryStore.ChunkBits] + 4 * (entry & EntryStore.ChunkMask);

    /// <summary>
    /// The entries in the buckets of one chunk of probes, in three passes so that each pass's cache misses
    /// overlap: prefetch the offset table entries, then read them and prefetch the postings, then read the
    /// postings and prefetch the hashes. Serially, every probe and candidate would wait for DRAM in turn.
    /// </summary>
    private unsafe int Gather(int slot, uint key, ReadOnlySpan<uint> masks, nint* bases, Scratch scratch)
    {
        var starts = scratch.Starts;
        var ends = scratch.Ends;
        var limit = Count;
        fixed (int* offsets = _offsets[slot])
        fixed (int* postings = _postings[slot])
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
            var hashes = scratch.Hashes;
            var n = 0;
            for (var i = 0; i < masks.Length; i++)
            {
                for (var p = starts[i]; p < ends[i]; p++)
                {
                    var entry = postings[p];
                    if (entry < limit)
                    {
                        var hash = HashAt(bases, entry);
                        Prefetch(hash);
                        Prefetch(hash + 3); // an entry may straddle two cache lines
                        hashes[n] = (nint)hash;
                        candidates[n++] = entry;
                    }
                }
            }
            return n;
        }
    }

    /// <summary><paramref name="hashes"/>[i] is the address of candidate i's hash, which Gather has worked out already.</summary>
    private unsafe void Rerank(EntryStore store, PdqHash query, int maxDistance, int slot, int[] radii, ReadOnlySpan<int> candidates, ReadOnlySpan<nint> hashes,
        List<PdqMatch> results)
    {
        var (q0, q1, q2, q3) = (query.Bits0, query.Bits1, query.Bits2, query.Bits3);
        for (var i = 0; i < candidates.Length; i++)
        {
            var e = candidates[i];
            var hash = (ulong*)hashes[i];
            var (x0, x1, x2, x3) = (hash[0] ^ q0, hash[1] ^ q1, hash[2] ^ q2, hash[3] ^ q3);
            var distance = BitOperations.PopCount(x0) + BitOperations.PopCount(x1) + BitOperations.PopCount(x2) + BitOperations.PopCount(x3);
            if (distance <= maxDistance && !store.IsRemoved(e) && !FoundInEarlierSlot(x0, x1, x2, x3, slot, radii))
            {
                results.Add(new PdqMatch(store.Id(e), distance));
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

    /// <summary>Brute force over entries [from, to): the pending ones, or all of them for a wide radius.</summary>
    public static void Scan(EntryStore store, int from, int to, PdqHash query, int maxDistance, List<PdqMatch> results)
    {
        var words = store.Words;
        for (var e = from; e < to;)
        {
            var chunk = words[e >> EntryStore.ChunkBits];
            var end = Math.Min(to, (e | EntryStore.ChunkMask) + 1);
            for (; e < end; e++)
            {
                var b = 4 * (e & EntryStore.ChunkMask);
                var distance = BitOperations.PopCount(chunk[b] ^ query.Bits0) + BitOperations.PopCount(chunk[b + 1] ^ query.Bits1)
                    + BitOperations.PopCount(chunk[b + 2] ^ query.Bits2) + BitOperations.PopCount(chunk[b + 3] ^ query.Bits3);
                if (distance <= maxDistance && !store.IsRemoved(e))
                {
                    results.Add(new PdqMatch(store.Id(e), distance));
                }
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

        public nint[] Hashes { get; private set; } = new nint[4096];

        public int[] CandidateBuffer(int size)
        {
            if (Candidates.Length < size)
            {
                Candidates = new int[Math.Max(size, 2 * Candidates.Length)];
                Hashes = new nint[Candidates.Length];
            }
            return Candidates;
        }
    }
}

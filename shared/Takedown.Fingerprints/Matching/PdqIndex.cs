using System.Runtime.InteropServices;

namespace Takedown.Fingerprints.Matching;

/// <summary>A banked entry within the query's distance. <see cref="Id"/> is the caller's payload.</summary>
public readonly record struct PdqMatch(long Id, int Distance);

public sealed record PdqIndexOptions
{
    /// <summary>A fixed slot layout; by default one is chosen for the bank size at every build and merge.</summary>
    public PdqSlotLayout? Layout { get; init; }

    /// <summary>
    /// Recent additions are scanned by brute force until there are this many; then they are merged into the
    /// frozen part. 16,384 hashes are 512 KiB, a scan of well under a millisecond.
    /// </summary>
    public int MergeThreshold { get; init; } = 16_384;

    /// <summary>Merge on a background task when the threshold is reached; when false, only <see cref="PdqIndex.Merge"/> merges.</summary>
    public bool MergeInBackground { get; init; } = true;
}

/// <summary>
/// An in-memory PDQ index with exact results: every entry within <c>maxDistance</c> of the query, no other.
/// Entries live in an append-only <see cref="EntryStore"/>; a multi-index (<see cref="FrozenSegment"/>, slots per
/// <see cref="PdqSlotLayout"/>) covers all but the most recent, which are scanned by brute force until a merge folds
/// them in, one slot at a time. Removals are tombstones. Any number of threads may query while one thread at a time
/// adds or removes; a query sees every addition and removal that completed before it started. See
/// docs/fingerprints.md, "Matcher".
/// </summary>
public sealed class PdqIndex
{
    /// <summary>A merge compacts (rebuilds in id order, two copies for a while) once this share of entries is removed.</summary>
    private const double CompactionRemovedShare = 0.25;

    /// <summary>
    /// A merge changes the layout (a compaction) only when the current one is estimated this much costlier at the new
    /// size than the one <see cref="PdqSlotLayout.ForBankSize"/> picks, so that a bank near a boundary does not flip.
    /// </summary>
    private const double RelayoutCostRatio = 1.15;

    private readonly PdqIndexOptions _options;
    private readonly Lock _writer = new();
    private readonly Lock _merging = new(); // taken before _writer, never inside it
    private readonly ReaderEpochs _readers = new();
    private volatile Snapshot _current;
    private List<long>? _removedDuringCompaction;
    // Under _writer: set when a background merge is started, cleared by it under the same lock as its last look at the
    // pending count. Task.IsCompleted lagged the merge loop's exit, so an add in that window started no merge and none came.
    private bool _backgroundMergeRunning;
    private Exception? _mergeFailure;

    public PdqIndex(PdqIndexOptions? options = null)
        : this(new EntryStore(), null, options ?? new PdqIndexOptions())
    {
    }

    private PdqIndex(EntryStore store, FrozenSegment? frozen, PdqIndexOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MergeThreshold, 1, nameof(options));
        _options = options;
        _current = new Snapshot(store, frozen ?? FrozenSegment.Empty(options.Layout ?? PdqSlotLayout.WithSlots(PdqSlotLayout.MaxSlots)));
    }

    /// <summary>Live entries (removed ones excluded).</summary>
    public int Count
    {
        get
        {
            var store = _current.Store;
            return store.Count - store.RemovedCount;
        }
    }

    /// <summary>
    /// Bytes held by the index's arrays, removed entries and room to grow included. A merge adds about one slot's
    /// arrays while it runs; a compaction builds a second index (docs/fingerprints.md, "Matcher").
    /// </summary>
    public long MemoryBytes
    {
        get
        {
            var snapshot = _current;
            return snapshot.Store.MemoryBytes + snapshot.Frozen.MemoryBytes;
        }
    }

    /// <summary>The frozen part's slot layout.</summary>
    public PdqSlotLayout Layout => _current.Frozen.Layout;

    /// <summary>Entries added since the last merge (scanned by brute force).</summary>
    public int PendingCount
    {
        get
        {
            var snapshot = _current;
            return snapshot.Store.Count - snapshot.Frozen.Count;
        }
    }

    /// <summary>Test seam: called on the merging thread after each rebuilt slot is published, with no lock held.</summary>
    internal Action<int>? SlotMerged { get; set; }

    /// <summary>Builds the frozen part in one go; <paramref name="ids"/>[i] is the payload of <paramref name="hashes"/>[i].</summary>
    public static PdqIndex Build(ReadOnlySpan<PdqHash> hashes, ReadOnlySpan<long> ids, PdqIndexOptions? options = null)
    {
        if (hashes.Length != ids.Length)
        {
            throw new ArgumentException($"{hashes.Length} hashes but {ids.Length} ids; each hash needs one id.", nameof(ids));
        }
        options ??= new PdqIndexOptions();
        var sortedIds = ids.ToArray();
        var order = new int[sortedIds.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        if (!IsAscending(sortedIds))
        {
            Array.Sort(sortedIds, order);
        }
        var store = new EntryStore(sortedIds.Length);
        for (var i = 0; i < order.Length; i++)
        {
            store.Append(hashes[order[i]], sortedIds[i]);
        }
        store.SealBase();
        var layout = options.Layout ?? PdqSlotLayout.ForBankSize(sortedIds.Length);
        return new PdqIndex(store, FrozenSegment.Build(layout, store, store.Count, PostingsRoom(layout, options, 0)), options);
    }

    /// <summary>Matchable as soon as this returns. The same id may be added more than once: each is an entry.</summary>
    public void Add(PdqHash hash, long id)
    {
        lock (_writer)
        {
            ThrowIfMergeFailed();
            var snapshot = _current;
            snapshot.Store.Append(hash, id);
            if (_options.MergeInBackground && snapshot.Store.Count - snapshot.Frozen.Count >= _options.MergeThreshold && !_backgroundMergeRunning)
            {
                _backgroundMergeRunning = true;
                // Its own thread: a merge must not wait behind a busy thread pool.
                _ = Task.Factory.StartNew(MergeInBackground, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Removes every entry with this id; returns how many there were.</summary>
    public int Remove(long id)
    {
        lock (_writer)
        {
            ThrowIfMergeFailed();
            var snapshot = _current;
            _removedDuringCompaction?.Add(id);
            return snapshot.Store.Remove(id, snapshot.Frozen.Count);
        }
    }

    /// <summary>Entries within <paramref name="maxDistance"/> of <paramref name="hash"/>, nearest first (then by id).</summary>
    public IReadOnlyList<PdqMatch> Query(PdqHash hash, int maxDistance = PdqHash.MatchThreshold)
    {
        var results = new List<PdqMatch>();
        Query(hash, maxDistance, results);
        return results;
    }

    /// <summary>Appends the matches to <paramref name="results"/> (for callers that reuse one list).</summary>
    public void Query(PdqHash hash, int maxDistance, List<PdqMatch> results)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDistance);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDistance, PdqHash.BitCount);
        ArgumentNullException.ThrowIfNull(results);
        var first = results.Count;
        var epoch = _readers.Enter();
        try
        {
            var snapshot = _current;
            var store = snapshot.Store;
            var count = store.Count; // after the snapshot: at least its frozen count
            var probed = snapshot.Frozen.Search(store, hash, maxDistance, results);
            FrozenSegment.Scan(store, probed ? snapshot.Frozen.Count : 0, count, hash, maxDistance, results);
        }
        finally
        {
            _readers.Exit(epoch);
        }
        if (results.Count - first > 1)
        {
            CollectionsMarshal.AsSpan(results)[first..].Sort(static (a, b) =>
                a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));
        }
    }

    /// <summary>
    /// Folds the pending entries into the frozen part now (waits for a merge in progress). Compacts instead when a
    /// quarter of the entries are removed or the bank has grown into another layout.
    /// </summary>
    public void Merge()
    {
        lock (_merging)
        {
            lock (_writer)
            {
                ThrowIfMergeFailed();
            }
            MergeCore();
        }
    }

    private void MergeInBackground()
    {
        lock (_merging)
        {
            try
            {
                // Adds that arrived during a merge may already fill another; an explicit Merge may have emptied it.
                while (true)
                {
                    lock (_writer)
                    {
                        if (PendingCount < _options.MergeThreshold)
                        {
                            _backgroundMergeRunning = false;
                            return;
                        }
                    }
                    MergeCore();
                }
            }
            catch (Exception ex)
            {
                // Queries keep using the published parts; the next write reports the failure.
                lock (_writer)
                {
                    _mergeFailure = ex;
                    _backgroundMergeRunning = false;
                }
            }
        }
    }

    private void MergeCore()
    {
        Snapshot snapshot;
        int target;
        lock (_writer)
        {
            snapshot = _current;
            target = snapshot.Store.Count;
        }
        var removed = snapshot.Store.RemovedCount;
        var layout = LayoutFor(snapshot.Frozen, target - removed);
        if (removed > CompactionRemovedShare * target || layout != snapshot.Frozen.Layout)
        {
            Compact(snapshot.Store, target, layout);
        }
        else if (target > snapshot.Frozen.Count)
        {
            MergeSlotBySlot(snapshot.Store, snapshot.Frozen, target);
        }
    }

    private PdqSlotLayout LayoutFor(FrozenSegment frozen, int live)
    {
        if (_options.Layout is { } fixedLayout)
        {
            return fixedLayout;
        }
        var best = PdqSlotLayout.ForBankSize(live);
        var keep = best.SlotCount == frozen.Layout.SlotCount
            || (frozen.Count > 0 && frozen.Layout.EstimatedCost(live) <= RelayoutCostRatio * best.EstimatedCost(live));
        return keep ? frozen.Layout : best;
    }

    /// <summary>
    /// Entries [frozen.Count, target) join the multi-index without moving: each slot in turn is rebuilt from its old
    /// arrays plus the new entries and published, so at most one slot exists twice. The frozen count moves only after
    /// the last slot: until then every snapshot finds the new entries in the pending range (and ignores them in the
    /// rebuilt slots), so they are reported once.
    /// </summary>
    private void MergeSlotBySlot(EntryStore store, FrozenSegment frozen, int target)
    {
        var from = frozen.Count;
        var layout = frozen.Layout;
        var removed = store.RemovedBits(target);
        var added = Enumerable.Range(from, target - from).Where(e => (removed[e >> 6] & (1UL << (e & 63))) == 0).ToArray();
        var runs = store.RunsWith(from, target);
        var values = new uint[added.Length];
        var entries = new int[added.Length];
        var words = store.Words;
        int[]? spareOffsets = null, sparePostings = null;
        for (var slot = 0; slot < layout.SlotCount; slot++)
        {
            for (var i = 0; i < added.Length; i++)
            {
                (entries[i], values[i]) = (added[i], FrozenSegment.SlotOf(layout, words, added[i], slot));
            }
            Array.Sort(values, entries);
            var (oldOffsets, oldPostings) = _current.Frozen.Slot(slot);
            var (offsets, postings) = FrozenSegment.MergeSlot(layout, slot, oldOffsets, oldPostings, from, removed, values, entries, spareOffsets, sparePostings,
                PostingsRoom(layout, _options, added.Length));
            lock (_writer)
            {
                _current = new Snapshot(store, _current.Frozen.WithSlot(slot, offsets, postings));
            }
            // Queries that started before the publish may still read the old arrays; once they are done, the next slot reuses them.
            _readers.WaitForEarlierReaders();
            (spareOffsets, sparePostings) = (oldOffsets, oldPostings);
            SlotMerged?.Invoke(slot);
        }
        lock (_writer)
        {
            _current = new Snapshot(store, _current.Frozen.WithCount(target));
            store.InstallRuns(runs);
        }
    }

    /// <summary>
    /// A new store with the live entries of [0, target) in id order and a new multi-index over them: the only path
    /// that holds two copies of the index. Entries added meanwhile move over as pending; removals made meanwhile are
    /// replayed on the new entries.
    /// </summary>
    private void Compact(EntryStore old, int target, PdqSlotLayout layout)
    {
        lock (_writer)
        {
            _removedDuringCompaction = [];
        }
        try
        {
            var live = Enumerable.Range(0, target).Where(e => !old.IsRemoved(e)).ToArray();
            var keys = Array.ConvertAll(live, old.Id);
            Array.Sort(keys, live);
            var store = new EntryStore(live.Length);
            foreach (var e in live)
            {
                store.AppendFrom(old, e);
            }
            store.SealBase();
            live = [];
            keys = [];
            var frozen = FrozenSegment.Build(layout, store, store.Count, PostingsRoom(layout, _options, old.Count - target));
            lock (_writer)
            {
                // Before the pending entries move over: an id removed and added again meanwhile keeps its new entry.
                foreach (var id in _removedDuringCompaction!)
                {
                    store.Remove(id, store.Count);
                }
                for (var e = target; e < old.Count; e++)
                {
                    if (!old.IsRemoved(e))
                    {
                        store.AppendFrom(old, e);
                    }
                }
                _current = new Snapshot(store, frozen);
            }
        }
        finally
        {
            lock (_writer)
            {
                _removedDuringCompaction = null;
            }
        }
    }

    /// <summary>Room for a slot count's worth of merges of this size (see <see cref="FrozenSegment.PostingsCapacity"/>).</summary>
    private static int PostingsRoom(PdqSlotLayout layout, PdqIndexOptions options, int merging) =>
        layout.SlotCount * Math.Max(options.MergeThreshold, merging);

    private void ThrowIfMergeFailed()
    {
        if (_mergeFailure is { } failure)
        {
            throw new InvalidOperationException("A background merge of the PDQ index failed; the index is read-only.", failure);
        }
    }

    private static bool IsAscending(long[] ids)
    {
        for (var i = 1; i < ids.Length; i++)
        {
            if (ids[i] < ids[i - 1])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>What a query reads: swapped whole, so a query never sees a half-finished merge.</summary>
    private sealed class Snapshot(EntryStore store, FrozenSegment frozen)
    {
        public EntryStore Store { get; } = store;

        public FrozenSegment Frozen { get; } = frozen;
    }
}

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
/// A frozen multi-index part (see <see cref="PdqSlotLayout"/>) plus a small delta of recent additions; removals
/// are tombstones. Any number of threads may query while one thread at a time adds or removes; a query sees
/// every addition and removal that completed before it started. See docs/fingerprints.md, "Matcher".
/// </summary>
public sealed class PdqIndex
{
    private const int InitialDeltaCapacity = 1024;

    private readonly PdqIndexOptions _options;
    private readonly Lock _writer = new();
    private readonly Lock _merging = new(); // taken before _writer, never inside it
    private volatile Snapshot _current;
    private List<long>? _removedDuringMerge;
    // Under _writer: set when a background merge is started, cleared by it under the same lock as its last look at the
    // delta. Task.IsCompleted lagged the merge loop's exit, so an add in that window started no merge and none came.
    private bool _backgroundMergeRunning;
    private Exception? _mergeFailure;

    public PdqIndex(PdqIndexOptions? options = null)
        : this(FrozenSegment.Empty, options ?? new PdqIndexOptions())
    {
    }

    private PdqIndex(FrozenSegment frozen, PdqIndexOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MergeThreshold, 1, nameof(options));
        _options = options;
        _current = new Snapshot(frozen, new DeltaSegment(InitialDeltaCapacity));
    }

    /// <summary>Live entries (removed ones excluded).</summary>
    public int Count
    {
        get
        {
            var snapshot = _current;
            return snapshot.Frozen.LiveCount + snapshot.Delta.LiveCount;
        }
    }

    /// <summary>Bytes held by the index's arrays (not counting a merge in progress, which builds a second frozen part).</summary>
    public long MemoryBytes
    {
        get
        {
            var snapshot = _current;
            return snapshot.Frozen.MemoryBytes + snapshot.Delta.MemoryBytes;
        }
    }

    /// <summary>The frozen part's slot layout.</summary>
    public PdqSlotLayout Layout => _current.Frozen.Layout;

    /// <summary>Entries added since the last merge (scanned by brute force).</summary>
    public int PendingCount => _current.Delta.Count;

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
        var words = new ulong[4 * sortedIds.Length];
        for (var i = 0; i < order.Length; i++)
        {
            var hash = hashes[order[i]];
            (words[4 * i], words[4 * i + 1], words[4 * i + 2], words[4 * i + 3]) = (hash.Bits0, hash.Bits1, hash.Bits2, hash.Bits3);
        }
        var layout = options.Layout ?? PdqSlotLayout.ForBankSize(sortedIds.Length);
        return new PdqIndex(FrozenSegment.Build(layout, words, sortedIds), options);
    }

    /// <summary>Matchable as soon as this returns. The same id may be added more than once: each is an entry.</summary>
    public void Add(PdqHash hash, long id)
    {
        lock (_writer)
        {
            ThrowIfMergeFailed();
            var snapshot = _current;
            if (snapshot.Delta.Count == snapshot.Delta.Capacity)
            {
                snapshot = new Snapshot(snapshot.Frozen, snapshot.Delta.CopyFrom(0, 2 * snapshot.Delta.Capacity));
                _current = snapshot;
            }
            snapshot.Delta.Append(hash, id);
            if (_options.MergeInBackground && snapshot.Delta.Count >= _options.MergeThreshold && !_backgroundMergeRunning)
            {
                _backgroundMergeRunning = true;
                // Its own thread: a merge takes seconds of CPU and must not wait behind a busy thread pool.
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
            _removedDuringMerge?.Add(id);
            return snapshot.Frozen.Remove(id) + snapshot.Delta.Remove(id);
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
        var snapshot = _current;
        snapshot.Frozen.Search(hash, maxDistance, results);
        snapshot.Delta.Search(hash, maxDistance, results);
        if (results.Count - first > 1)
        {
            CollectionsMarshal.AsSpan(results)[first..].Sort(static (a, b) =>
                a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));
        }
    }

    /// <summary>Folds the delta into a new frozen part and drops removed entries, now (waits for a merge in progress).</summary>
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
                        if (_current.Delta.Count < _options.MergeThreshold)
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
                // Queries keep using the old parts; the next write reports the failure.
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
        int merged;
        lock (_writer)
        {
            snapshot = _current;
            merged = snapshot.Delta.Count;
            _removedDuringMerge = [];
        }
        FrozenSegment frozen;
        try
        {
            frozen = BuildMerged(snapshot.Frozen, snapshot.Delta, merged);
        }
        catch
        {
            lock (_writer)
            {
                _removedDuringMerge = null;
            }
            throw;
        }
        lock (_writer)
        {
            // Every entry of the new frozen part existed before these removals, so they all apply to it.
            foreach (var id in _removedDuringMerge!)
            {
                frozen.Remove(id);
            }
            _removedDuringMerge = null;
            var delta = _current.Delta;
            _current = new Snapshot(frozen, delta.CopyFrom(merged, Math.Max(InitialDeltaCapacity, delta.Count - merged)));
        }
    }

    private FrozenSegment BuildMerged(FrozenSegment frozen, DeltaSegment delta, int deltaCount)
    {
        var added = delta.LiveEntries(deltaCount).ToArray();
        Array.Sort(added, static (a, b) => a.Id.CompareTo(b.Id));
        var capacity = frozen.LiveCount + added.Length;
        var words = new ulong[4 * capacity];
        var ids = new long[capacity];
        var count = 0;
        var next = 0;
        foreach (var entry in frozen.LiveEntries())
        {
            for (; next < added.Length && added[next].Id < entry.Id; next++)
            {
                Put(added[next]);
            }
            Put(entry);
        }
        for (; next < added.Length; next++)
        {
            Put(added[next]);
        }
        if (count < capacity)
        {
            // Removed while this merge was reading: trim (those ids are replayed as removals anyway).
            Array.Resize(ref words, 4 * count);
            Array.Resize(ref ids, count);
        }
        return FrozenSegment.Build(_options.Layout ?? PdqSlotLayout.ForBankSize(count), words, ids);

        void Put((ulong W0, ulong W1, ulong W2, ulong W3, long Id) entry)
        {
            if (count == capacity)
            {
                throw new InvalidOperationException("More live entries than counted: a merge ran concurrently with another.");
            }
            (words[4 * count], words[4 * count + 1], words[4 * count + 2], words[4 * count + 3]) = (entry.W0, entry.W1, entry.W2, entry.W3);
            ids[count++] = entry.Id;
        }
    }

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
    private sealed class Snapshot(FrozenSegment frozen, DeltaSegment delta)
    {
        public FrozenSegment Frozen { get; } = frozen;

        public DeltaSegment Delta { get; } = delta;
    }
}

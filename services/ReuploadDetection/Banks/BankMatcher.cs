using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Takedown.Fingerprints;
using Takedown.Fingerprints.Matching;
using Takedown.Fingerprints.Media;
using Takedown.Fingerprints.Text;
using Takedown.ReuploadDetection.Fingerprinting;
using Takedown.ServiceDefaults.Telemetry;

namespace Takedown.ReuploadDetection.Banks;

/// <summary>One banked hash: from the REMOVED bank (with the content it came from) or from an imported list.</summary>
public sealed record BankEntry(string Bank, string Signal, string Value, Guid? ContentId, string Label, string Source);

/// <summary>
/// A queried hash that matched a bank entry, and how far apart they are: the Hamming distance for PDQ,
/// <see cref="Signals.TextDistance"/> for text fingerprints, 0 for every exact signal.
/// </summary>
public sealed record BankMatch(string Signal, string Value, BankEntry Entry, int Distance);

/// <summary>
/// Where PDQ hashes are searched by Hamming distance. <see cref="BankMatcher"/> calls Add and Remove under its
/// write lock and Query under its read lock, so Query must be safe for concurrent readers.
/// </summary>
public interface IPdqCandidateIndex
{
    void Add(PdqHash hash, long entryId);

    /// <summary>Many at once: an empty index builds them in one pass instead of merging its additions again and again.</summary>
    void AddRange(ReadOnlySpan<PdqHash> hashes, ReadOnlySpan<long> entryIds);

    void Remove(long entryId);
    IReadOnlyList<(long EntryId, int Distance)> Query(PdqHash hash, int maxDistance);
}

/// <summary>
/// The PDQ multi-index from Takedown.Fingerprints (docs/fingerprints.md, "Matcher"): exact results, any number of
/// concurrent readers, additions merged into its frozen part in the background.
/// </summary>
public sealed class MultiIndexPdqIndex(PdqIndexOptions? options = null) : IPdqCandidateIndex
{
    // Replaced only by AddRange on an empty index, under BankMatcher's write lock, so no query sees the swap.
    private PdqIndex _index = new(options);

    public int Count => _index.Count;

    /// <summary>Bytes held by the index's arrays (<see cref="PdqIndex.MemoryBytes"/>).</summary>
    public long MemoryBytes => _index.MemoryBytes;

    public void Add(PdqHash hash, long entryId) => _index.Add(hash, entryId);

    public void AddRange(ReadOnlySpan<PdqHash> hashes, ReadOnlySpan<long> entryIds)
    {
        if (_index.Count == 0)
        {
            _index = PdqIndex.Build(hashes, entryIds, options);
            return;
        }
        for (var i = 0; i < hashes.Length; i++)
            _index.Add(hashes[i], entryIds[i]);
    }

    public void Remove(long entryId) => _index.Remove(entryId);

    public IReadOnlyList<(long EntryId, int Distance)> Query(PdqHash hash, int maxDistance) =>
        [.. _index.Query(hash, maxDistance).Select(match => (match.Id, match.Distance))];
}

/// <summary>
/// Banked text fingerprints filed under their lookup keys (<see cref="TextFingerprint.LookupKeys"/>: the exact key
/// and the LSH band keys). A query's candidates are the entries that share any key with it; each is confirmed by
/// <see cref="TextFingerprint.Similarity"/>. Keys are held as 64-bit digests rather than 33 strings per text: a
/// digest collision only adds a candidate, which the similarity check then rejects.
/// Not thread-safe; <see cref="BankMatcher"/> calls it under its lock.
/// </summary>
public sealed class TextCandidateIndex
{
    private readonly Dictionary<long, TextFingerprint> _fingerprints = [];
    // Most keys name one text: its id is kept inline, and only a shared key gets a list (measured on 100,000 texts:
    // 3.2 KB per banked text in all, against 4.9 KB with a list per key; `Takedown.Benchmarks text-bank`).
    private readonly Dictionary<ulong, Bucket> _byKey = [];

    private struct Bucket
    {
        public long First;
        public List<long>? Rest;
    }

    public void Add(TextFingerprint fingerprint, long entryId)
    {
        _fingerprints[entryId] = fingerprint;
        foreach (var key in fingerprint.LookupKeys())
        {
            ref var bucket = ref CollectionsMarshal.GetValueRefOrAddDefault(_byKey, Fnv1a.Hash64(key), out var exists);
            if (!exists)
                bucket.First = entryId;
            else if (bucket.First != entryId && (bucket.Rest is not { Count: > 0 } rest || rest[^1] != entryId))   // two keys of one text with one digest: filed once
                (bucket.Rest ??= []).Add(entryId);
        }
    }

    public void Remove(long entryId)
    {
        if (!_fingerprints.Remove(entryId, out var fingerprint))
            return;
        foreach (var key in fingerprint.LookupKeys())
        {
            var digest = Fnv1a.Hash64(key);
            ref var bucket = ref CollectionsMarshal.GetValueRefOrNullRef(_byKey, digest);
            if (Unsafe.IsNullRef(ref bucket))
                continue;
            if (bucket.First == entryId)
            {
                if (bucket.Rest is not { Count: > 0 } rest)
                {
                    _byKey.Remove(digest);
                    continue;
                }
                bucket.First = rest[^1];
                rest.RemoveAt(rest.Count - 1);
            }
            else
                bucket.Rest?.Remove(entryId);
            if (bucket.Rest is { Count: 0 })
                bucket.Rest = null;
        }
    }

    /// <summary>The entries whose similarity to <paramref name="query"/> is at least <paramref name="threshold"/>.</summary>
    public IReadOnlyList<(long EntryId, double Similarity)> Query(TextFingerprint query, double threshold)
    {
        var found = new List<(long, double)>();
        var compared = new HashSet<long>();
        void Compare(long id)
        {
            if (!compared.Add(id) || !_fingerprints.TryGetValue(id, out var banked))
                return;
            var similarity = query.Similarity(banked);
            if (similarity >= threshold)
                found.Add((id, similarity));
        }
        foreach (var key in query.LookupKeys())
        {
            if (!_byKey.TryGetValue(Fnv1a.Hash64(key), out var bucket))
                continue;
            Compare(bucket.First);
            foreach (var id in bucket.Rest ?? [])
                Compare(id);
        }
        return found;
    }

}

/// <summary>
/// Every bank in memory, so matching a submission costs no database round trip: the entries in a
/// <see cref="BankEntryTable"/> (56 bytes each, exact signals found there by signal and value), PDQ through
/// <see cref="IPdqCandidateIndex"/>, text fingerprints through <see cref="TextCandidateIndex"/>. Fed by <see cref="BankFeed"/> (the catalogue at start-up, then the
/// bank streams' new events) and directly by the endpoints that append to banks.
/// Changes may arrive twice and out of stream order (the feed reads in sequence order, the writers apply right
/// after their commit), so each carries its stream version: an entry exists when its latest HashAdded is newer
/// than the latest HashRemoved of its (bank, signal, value).
/// </summary>
public sealed class BankMatcher(IPdqCandidateIndex pdq)
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly BankEntryTable _table = new();
    private readonly TextCandidateIndex _texts = new();
    private BulkLoad? _bulk;

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try { return _table.Count; }
            finally { _lock.ExitReadLock(); }
        }
    }

    /// <summary>Applies one bank event at its stream version; the same event twice, or an older one late, changes nothing.</summary>
    public void Apply(IBankEvent e, long version)
    {
        switch (e)
        {
            case HashAdded added:
                Add(added, version);
                break;
            case HashRemoved removed:
                Remove(removed, version);
                break;
        }
    }

    /// <summary>Applies what a unit of work appended to a bank once it has committed, at the versions it was appended at.</summary>
    public void Apply(IReadOnlyList<IBankEvent> appended, long lastVersion)
    {
        for (var i = 0; i < appended.Count; i++)
            Apply(appended[i], lastVersion - appended.Count + i + 1);
    }

    public void Add(HashAdded added, long version) =>
        Add(new BankEntry(added.Bank, added.Signal, added.Value, added.ContentId, added.Label, added.Source), version);

    public void Add(BankEntry entry, long version)
    {
        var value = BankEntryTable.Value.Of(entry.Value);
        _lock.EnterWriteLock();
        try
        {
            var bank = _table.Bank(entry.Bank);
            var signal = _table.Signal(entry.Signal);
            var existing = -1;
            foreach (var id in _table.WithKey(signal, value))
            {
                ref var row = ref _table[id];
                if (row.Bank != bank)
                    continue;
                if (row.IsRemoval)
                {
                    if (row.Version >= version)
                        return;
                }
                else if (_table.Content(row) == entry.ContentId)
                    existing = id;
            }
            if (existing >= 0)
            {
                // The same entry again: a newer addition only brings its label and source; the hash is indexed already.
                ref var row = ref _table[existing];
                if (row.Version < version)
                    (row.Version, row.Tags) = (version, _table.Tags(entry.Label, entry.Source));
                return;
            }
            var added = _table.Insert(bank, signal, value, entry.ContentId, entry.Label, entry.Source, version, removal: false);
            if (Signals.IsPdq(entry.Signal) && PdqHash.TryParse(entry.Value, 0, out var hash))
            {
                if (_bulk is { } bulk)
                    bulk.Add(hash, added);
                else
                    pdq.Add(hash, added);
            }
            else if (entry.Signal == Signals.TextMinHash && TextFingerprint.TryParse(entry.Value, out var text))
                _texts.Add(text, added);
        }
        finally { _lock.ExitWriteLock(); }
    }

    public void Remove(HashRemoved removed, long version) => Remove(removed.Bank, removed.Signal, removed.Value, version);

    public void Remove(string bank, string signal, string value, long version)
    {
        var key = BankEntryTable.Value.Of(value);
        _lock.EnterWriteLock();
        try
        {
            var bankId = _table.Bank(bank);
            var signalId = _table.Signal(signal);
            var mark = -1;
            var older = new List<int>();
            foreach (var id in _table.WithKey(signalId, key))
            {
                ref var row = ref _table[id];
                if (row.Bank != bankId)
                    continue;
                if (row.IsRemoval)
                {
                    if (row.Version >= version)
                        return;
                    mark = id;
                }
                else if (row.Version < version)
                    older.Add(id);
            }
            if (mark >= 0)
                _table[mark].Version = version;
            else
                _table.Insert(bankId, signalId, key, null, "", "", version, removal: true);
            foreach (var id in older)
            {
                _table.Delete(id);
                if (Signals.IsPdq(signal) && !(_bulk?.Remove(id) ?? false))
                    pdq.Remove(id);
                else if (signal == Signals.TextMinHash)
                    _texts.Remove(id);
            }
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>
    /// Loads a catalogue: between this call and the returned scope's disposal, added PDQ hashes are held back and
    /// then indexed in one build (at 10M hashes, one build instead of hundreds of merges while the bank grows).
    /// Held-back hashes do not match yet, so load before serving.
    /// </summary>
    public IDisposable BeginBulkLoad()
    {
        _lock.EnterWriteLock();
        try
        {
            if (_bulk is not null)
                throw new InvalidOperationException("A bulk load is already under way.");
            _bulk = new BulkLoad();
        }
        finally { _lock.ExitWriteLock(); }
        return new BulkLoadScope(this);
    }

    private void EndBulkLoad()
    {
        _lock.EnterWriteLock();
        try
        {
            if (_bulk is not { } bulk)
                return;
            _bulk = null;
            var (hashes, ids) = bulk.Remaining();
            pdq.AddRange(hashes, ids);
        }
        finally { _lock.ExitWriteLock(); }
    }

    private sealed class BulkLoadScope(BankMatcher matcher) : IDisposable
    {
        public void Dispose() => matcher.EndBulkLoad();
    }

    /// <summary>The PDQ hashes held back during a bulk load, and which of them were removed again meanwhile.</summary>
    private sealed class BulkLoad
    {
        private readonly List<PdqHash> _hashes = [];
        private readonly List<long> _ids = [];
        // Built on the first removal only: a catalogue load applies its removals before any addition, so this is rare.
        private Dictionary<long, int>? _positions;
        private HashSet<int>? _dead;

        public void Add(PdqHash hash, long id)
        {
            _positions?.Add(id, _ids.Count);
            _hashes.Add(hash);
            _ids.Add(id);
        }

        /// <summary>True when the id was held back here (so the index never had it); a table id can be reused afterwards.</summary>
        public bool Remove(long id)
        {
            if (_positions is null)
            {
                _positions = new Dictionary<long, int>(_ids.Count);
                _dead = [];
                for (var i = 0; i < _ids.Count; i++)
                    _positions[_ids[i]] = i;
            }
            if (!_positions.Remove(id, out var position))
                return false;
            _dead!.Add(position);
            return true;
        }

        public (PdqHash[] Hashes, long[] Ids) Remaining()
        {
            if (_dead is null || _dead.Count == 0)
                return ([.. _hashes], [.. _ids]);
            var keep = Enumerable.Range(0, _ids.Count).Where(i => !_dead.Contains(i)).ToArray();
            return ([.. keep.Select(i => _hashes[i])], [.. keep.Select(i => _ids[i])]);
        }
    }

    /// <summary>The entry as the callers see it; its strings are the table's, its value formatted anew.</summary>
    private BankEntry EntryAt(long id)
    {
        ref var row = ref _table[(int)id];
        return new BankEntry(_table.BankName(row), _table.SignalName(row), _table.ValueOf((int)id), _table.Content(row), _table.Label(row), _table.Source(row));
    }

    /// <summary>
    /// Every bank entry each hash matches: exactly; for PDQ within <paramref name="maxPdqDistance"/> (an image's
    /// <c>pdq</c> matches banked images and frames of banked videos); for text fingerprints when
    /// <see cref="TextFingerprint.IsNearDuplicate"/> (similarity at least <see cref="TextFingerprint.Threshold"/>).
    /// The <c>vpdq</c> hashes asked for are one video's frames, matched as a whole by <see cref="MatchVideo"/>.
    /// </summary>
    public IReadOnlyList<BankMatch> Match(IEnumerable<(string Signal, string Value)> hashes, int maxPdqDistance)
    {
        // Timed from before the lock: a lookup waiting on a bank load is slow for whoever asked.
        using var span = TakedownTelemetry.Source.StartActivity("bank match");
        var started = Stopwatch.GetTimestamp();
        var asked = 0;
        var matches = new List<BankMatch>();
        _lock.EnterReadLock();
        try
        {
            var frames = new List<(string Value, PdqHash Hash)>();
            foreach (var (signal, value) in hashes.Distinct())
            {
                asked++;
                if (signal == Signals.Vpdq)
                {
                    if (PdqHash.TryParse(value, 0, out var frame))
                        frames.Add((value, frame));
                }
                else if (signal == Signals.Pdq)
                {
                    if (!PdqHash.TryParse(value, 0, out var hash))
                        continue;
                    foreach (var (id, distance) in pdq.Query(hash, maxPdqDistance))
                        matches.Add(new BankMatch(signal, value, EntryAt(id), distance));
                }
                else if (signal == Signals.TextMinHash)
                {
                    if (!TextFingerprint.TryParse(value, out var text))
                        continue;
                    matches.AddRange(_texts.Query(text, TextFingerprint.Threshold)
                        .Select(found => (Entry: EntryAt(found.EntryId), Distance: Signals.TextDistance(found.Similarity)))
                        .OrderBy(found => found.Distance).ThenBy(found => found.Entry.Bank, StringComparer.Ordinal).ThenBy(found => found.Entry.ContentId)
                        .Select(found => new BankMatch(signal, value, found.Entry, found.Distance)));
                }
                else
                {
                    var exact = new List<BankEntry>();
                    foreach (var id in _table.WithKey(_table.FindSignal(signal), BankEntryTable.Value.Of(value)))
                    {
                        if (!_table[id].IsRemoval)
                            exact.Add(EntryAt(id));
                    }
                    matches.AddRange(exact
                        .OrderBy(entry => entry.Bank, StringComparer.Ordinal).ThenBy(entry => entry.ContentId)
                        .Select(entry => new BankMatch(signal, value, entry, 0)));
                }
            }
            matches.AddRange(MatchVideo(frames, maxPdqDistance));
        }
        finally { _lock.ExitReadLock(); }
        // Closest first; among equals, in the order the hashes were asked for (a stable sort).
        BankMatch[] sorted = [.. matches.OrderBy(m => m.Distance)];
        TakedownTelemetry.MatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        span?.SetTag("takedown.match.hashes", asked);
        span?.SetTag("takedown.match.count", sorted.Length);
        return sorted;
    }

    /// <summary>
    /// vPDQ's rule: the video matches a banked video (the <c>vpdq</c> entries of one bank, content and label) when at
    /// least <see cref="VideoComparison.MatchPercent"/> of its distinct frames lie within the distance of that video's
    /// frames. One match per banked video; its distance is the median of the found frames' closest distances (the
    /// upper one of an even count), reported with that frame and the banked frame it is closest to.
    /// </summary>
    private List<BankMatch> MatchVideo(List<(string Value, PdqHash Hash)> frames, int maxPdqDistance)
    {
        var vpdq = _table.FindSignal(Signals.Vpdq);
        var found = new Dictionary<(int Bank, Guid? Content, int Label), Dictionary<string, (int Distance, long Id)>>();
        foreach (var (value, hash) in frames)
        {
            foreach (var (id, distance) in pdq.Query(hash, maxPdqDistance))
            {
                ref var row = ref _table[(int)id];
                if (row.Signal != vpdq)
                    continue;
                var video = (row.Bank, _table.Content(row), _table.LabelNumber(row));
                if (!found.TryGetValue(video, out var closest))
                    found[video] = closest = [];
                if (!closest.TryGetValue(value, out var best) || distance < best.Distance)
                    closest[value] = (distance, id);
            }
        }
        var matches = new List<BankMatch>();
        foreach (var closest in found
            .Select(v => (Bank: _table.BankName(v.Key.Bank), v.Key.Content, Label: _table.LabelName(v.Key.Label), Frames: v.Value))
            .OrderBy(v => v.Bank, StringComparer.Ordinal).ThenBy(v => v.Content).ThenBy(v => v.Label, StringComparer.Ordinal)
            .Select(v => v.Frames))
        {
            if (100.0 * closest.Count / frames.Count < VideoComparison.MatchPercent)
                continue;
            var ordered = closest.OrderBy(f => f.Value.Distance).ThenBy(f => f.Key, StringComparer.Ordinal).ToArray();
            var (frame, (median, banked)) = ordered[ordered.Length / 2];
            matches.Add(new BankMatch(Signals.Vpdq, frame, EntryAt(banked), median));
        }
        return matches;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Takedown.Fingerprints.Matching;

/// <summary>
/// Every entry of the index, frozen and pending alike, numbered in the order it arrived: its hash, its id and a
/// tombstone bit, in chunks of <see cref="ChunkSize"/> entries. Appending never moves an entry, so the index's
/// snapshots share the chunks, and growth allocates one chunk instead of copying the whole hash array. The single
/// writer fills an entry and then publishes the new count; a reader looks only at entries below a count it read.
/// <para>
/// Entries below <see cref="BaseCount"/> (a bulk build or a compaction) are in id order; the ones appended since
/// are found by id through sorted runs of entry numbers, one per merge, combined like a binary counter.
/// </para>
/// </summary>
internal sealed class EntryStore
{
    public const int ChunkBits = 16;
    public const int ChunkSize = 1 << ChunkBits;
    public const int ChunkMask = ChunkSize - 1;
    private const int FirstChunkMinimum = 1024;

    private Chunks _chunks;
    private int _count;
    private int _removedCount;
    private List<int[]> _runs = []; // writer only: entries of [BaseCount, merged) sorted by id, largest run first
    private long _runEntries;

    public EntryStore(int capacity = 0)
    {
        var chunks = (capacity + ChunkMask) >> ChunkBits;
        _chunks = new Chunks(new ulong[chunks][], new long[chunks][], new ulong[chunks][], new nint[chunks]);
        for (var c = 0; c < chunks; c++)
        {
            var size = chunks == 1 ? Math.Max(FirstChunkMinimum, capacity) : ChunkSize;
            (_chunks.Words[c], _chunks.Ids[c], _chunks.Removed[c], _chunks.Bases[c]) = NewChunk(size);
        }
    }

    public int Count => Volatile.Read(ref _count);

    public int RemovedCount => Volatile.Read(ref _removedCount);

    /// <summary>Entries [0, BaseCount) are in id order. Set by the builder, before the store is shared.</summary>
    public int BaseCount { get; private set; }

    /// <summary>Read this after <see cref="Count"/> (or after the snapshot that names this store): it covers every entry below it.</summary>
    public Chunks Table => Volatile.Read(ref _chunks);

    public ulong[][] Words => Table.Words;

    public long MemoryBytes
    {
        get
        {
            var words = Words;
            long bytes = 0;
            for (var c = 0; c < words.Length; c++)
            {
                bytes += 8L * words[c].Length + 8L * words[c].Length / 4 + words[c].Length / 32;
            }
            return bytes + 4 * Volatile.Read(ref _runEntries);
        }
    }

    /// <summary>Writer only. The hash is written before the count that makes it visible.</summary>
    public void Append(ulong w0, ulong w1, ulong w2, ulong w3, long id)
    {
        var at = _count;
        var chunk = at >> ChunkBits;
        var offset = at & ChunkMask;
        if (chunk == _chunks.Ids.Length || offset == _chunks.Ids[chunk].Length)
        {
            Grow(chunk);
        }
        var words = _chunks.Words[chunk];
        (words[4 * offset], words[4 * offset + 1], words[4 * offset + 2], words[4 * offset + 3]) = (w0, w1, w2, w3);
        _chunks.Ids[chunk][offset] = id;
        Volatile.Write(ref _count, at + 1);
    }

    public void Append(PdqHash hash, long id) => Append(hash.Bits0, hash.Bits1, hash.Bits2, hash.Bits3, id);

    /// <summary>Marks the entries appended so far as the id-ordered base; the caller appended them in id order.</summary>
    public void SealBase() => BaseCount = _count;

    public long Id(int entry) => _chunks.Ids[entry >> ChunkBits][entry & ChunkMask];

    public bool IsRemoved(int entry) => (Volatile.Read(ref _chunks.Removed[entry >> ChunkBits][(entry & ChunkMask) >> 6]) & (1UL << (entry & 63))) != 0;

    /// <summary>Writer only: appends entry <paramref name="entry"/> of <paramref name="other"/> (a compaction's copy).</summary>
    public void AppendFrom(EntryStore other, int entry)
    {
        var words = other._chunks.Words[entry >> ChunkBits];
        var b = 4 * (entry & ChunkMask);
        Append(words[b], words[b + 1], words[b + 2], words[b + 3], other.Id(entry));
    }

    /// <summary>The tombstone bits of entries [0, count) as one flat array: a merge's fixed view of what is removed.</summary>
    public ulong[] RemovedBits(int count)
    {
        var bits = new ulong[(count + 63) / 64];
        var removed = Table.Removed;
        for (var at = 0; at < bits.Length; at += ChunkSize / 64)
        {
            var chunk = removed[at / (ChunkSize / 64)];
            var length = Math.Min(chunk.Length, bits.Length - at);
            for (var i = 0; i < length; i++)
            {
                bits[at + i] = Volatile.Read(ref chunk[i]);
            }
        }
        return bits;
    }

    /// <summary>
    /// Writer only: tombstones every live entry with this id. <paramref name="merged"/> is the frozen part's entry
    /// count: entries from there on are pending, not yet in a run, and are scanned.
    /// </summary>
    public int Remove(long id, int merged)
    {
        var removed = 0;
        var at = LowerBound(id, 0, BaseCount, e => e);
        for (; at < BaseCount && Id(at) == id; at++)
        {
            removed += Tombstone(at);
        }
        foreach (var run in _runs)
        {
            for (var k = LowerBound(id, 0, run.Length, k => run[k]); k < run.Length && Id(run[k]) == id; k++)
            {
                removed += Tombstone(run[k]);
            }
        }
        var count = _count;
        for (var e = merged; e < count; e++)
        {
            if (Id(e) == id)
            {
                removed += Tombstone(e);
            }
        }
        return removed;
    }

    /// <summary>
    /// The runs after entries [from, to) are merged: theirs sorted by id, then runs of similar size combined, so there are
    /// O(log n) of them. Reads only immutable ids; the result is installed with <see cref="InstallRuns"/>.
    /// </summary>
    public List<int[]> RunsWith(int from, int to)
    {
        var runs = new List<int[]>(_runs);
        if (to == from)
        {
            return runs;
        }
        var run = new int[to - from];
        var keys = new long[run.Length];
        for (var i = 0; i < run.Length; i++)
        {
            run[i] = from + i;
            keys[i] = Id(from + i);
        }
        Array.Sort(keys, run); // ties (the same id twice) need no order: Remove takes every entry of an id
        runs.Add(run);
        while (runs.Count >= 2 && runs[^2].Length <= runs[^1].Length)
        {
            var combined = Combine(runs[^2], runs[^1]);
            runs.RemoveRange(runs.Count - 2, 2);
            runs.Add(combined);
        }
        return runs;
    }

    public void InstallRuns(List<int[]> runs)
    {
        _runs = runs;
        Volatile.Write(ref _runEntries, runs.Sum(r => (long)r.Length));
    }

    private int[] Combine(int[] a, int[] b)
    {
        var combined = new int[a.Length + b.Length];
        int i = 0, j = 0, k = 0;
        while (i < a.Length && j < b.Length)
        {
            combined[k++] = Id(b[j]) < Id(a[i]) ? b[j++] : a[i++];
        }
        a.AsSpan(i).CopyTo(combined.AsSpan(k));
        b.AsSpan(j).CopyTo(combined.AsSpan(k + a.Length - i));
        return combined;
    }

    /// <summary>The first position in [lo, hi) whose entry's id is not below <paramref name="id"/>.</summary>
    private int LowerBound(long id, int lo, int hi, Func<int, int> entryAt)
    {
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (Id(entryAt(mid)) < id)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private int Tombstone(int entry)
    {
        if (IsRemoved(entry))
        {
            return 0;
        }
        ref var bits = ref _chunks.Removed[entry >> ChunkBits][(entry & ChunkMask) >> 6];
        Volatile.Write(ref bits, bits | (1UL << (entry & 63)));
        Volatile.Write(ref _removedCount, _removedCount + 1);
        return 1;
    }

    /// <summary>
    /// A new chunk, or a bigger first chunk: a small index starts with a small one. The first chunk's copy keeps its
    /// tombstones (written under the same writer lock), and a reader still holding the old table sees the same entries.
    /// </summary>
    private void Grow(int chunk)
    {
        var old = _chunks;
        var table = new Chunks(old.Words[..], old.Ids[..], old.Removed[..], old.Bases[..]);
        if (chunk < old.Ids.Length)
        {
            var next = NewChunk(Math.Min(ChunkSize, 2 * old.Ids[chunk].Length));
            old.Words[chunk].CopyTo(next.Words, 0);
            old.Ids[chunk].CopyTo(next.Ids, 0);
            old.Removed[chunk].CopyTo(next.Removed, 0);
            (table.Words[chunk], table.Ids[chunk], table.Removed[chunk], table.Bases[chunk]) = next;
        }
        else
        {
            table = new Chunks([.. old.Words, null!], [.. old.Ids, null!], [.. old.Removed, null!], [.. old.Bases, 0]);
            (table.Words[chunk], table.Ids[chunk], table.Removed[chunk], table.Bases[chunk]) = NewChunk(chunk == 0 ? FirstChunkMinimum : ChunkSize);
        }
        Volatile.Write(ref _chunks, table);
    }

    /// <summary>The hashes are pinned, so a query can follow <see cref="Chunks.Bases"/> without bounds checks or a fixed per chunk.</summary>
    private static unsafe (ulong[] Words, long[] Ids, ulong[] Removed, nint Base) NewChunk(int size)
    {
        var words = GC.AllocateArray<ulong>(4 * size, pinned: true);
        return (words, new long[size], new ulong[(size + 63) / 64], (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(words)));
    }

    /// <summary>
    /// The chunk arrays, replaced whole when a chunk is added or the first one grows. Entry e's hash is
    /// Words[e &gt;&gt; ChunkBits][4 * (e &amp; ChunkMask) ..][0..3]; Bases holds the address of each (pinned) Words chunk,
    /// valid while this table is reachable.
    /// </summary>
    internal sealed class Chunks(ulong[][] words, long[][] ids, ulong[][] removed, nint[] bases)
    {
        public readonly ulong[][] Words = words;
        public readonly long[][] Ids = ids;
        public readonly ulong[][] Removed = removed;
        public readonly nint[] Bases = bases;
    }
}

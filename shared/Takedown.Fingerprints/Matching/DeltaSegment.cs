using System.Numerics;

namespace Takedown.Fingerprints.Matching;

/// <summary>
/// Hashes added since the last merge, scanned by brute force. Append-only with a fixed capacity: the writer
/// fills entry <c>Count</c> and then publishes the new count, so a reader sees only complete entries.
/// </summary>
internal sealed class DeltaSegment
{
    private readonly ulong[] _words;
    private readonly long[] _ids;
    private readonly bool[] _removed;
    private int _count;
    private int _removedCount;

    public DeltaSegment(int capacity)
    {
        _words = new ulong[4 * capacity];
        _ids = new long[capacity];
        _removed = new bool[capacity];
    }

    public int Capacity => _ids.Length;

    public int Count => Volatile.Read(ref _count);

    public int LiveCount => Count - Volatile.Read(ref _removedCount);

    public long MemoryBytes => 8L * (_words.Length + _ids.Length) + _removed.Length;

    /// <summary>A copy with room for <paramref name="capacity"/> holding entries [from, Count) of this one.</summary>
    public DeltaSegment CopyFrom(int from, int capacity)
    {
        var count = Count - from;
        var copy = new DeltaSegment(Math.Max(capacity, count));
        Array.Copy(_words, 4 * from, copy._words, 0, 4 * count);
        Array.Copy(_ids, from, copy._ids, 0, count);
        Array.Copy(_removed, from, copy._removed, 0, count);
        copy._count = count;
        copy._removedCount = copy._removed.AsSpan(0, count).Count(true);
        return copy;
    }

    /// <summary>Writer only; the caller grows the segment first when it is full.</summary>
    public void Append(PdqHash hash, long id)
    {
        var at = _count;
        (_words[4 * at], _words[4 * at + 1], _words[4 * at + 2], _words[4 * at + 3]) = (hash.Bits0, hash.Bits1, hash.Bits2, hash.Bits3);
        _ids[at] = id;
        Volatile.Write(ref _count, at + 1);
    }

    /// <summary>Writer only. Returns how many live entries with this id it removed.</summary>
    public int Remove(long id)
    {
        var removed = 0;
        for (var at = 0; at < _count; at++)
        {
            if (_ids[at] == id && !_removed[at])
            {
                Volatile.Write(ref _removed[at], true);
                removed++;
            }
        }
        Volatile.Write(ref _removedCount, _removedCount + removed);
        return removed;
    }

    public void Search(PdqHash query, int maxDistance, List<PdqMatch> results)
    {
        var count = Count;
        var words = _words;
        for (var e = 0; e < count; e++)
        {
            var b = 4 * e;
            var distance = BitOperations.PopCount(words[b] ^ query.Bits0) + BitOperations.PopCount(words[b + 1] ^ query.Bits1)
                + BitOperations.PopCount(words[b + 2] ^ query.Bits2) + BitOperations.PopCount(words[b + 3] ^ query.Bits3);
            if (distance <= maxDistance && !Volatile.Read(ref _removed[e]))
            {
                results.Add(new PdqMatch(_ids[e], distance));
            }
        }
    }

    /// <summary>The live entries among the first <paramref name="count"/>, for a merge.</summary>
    public IEnumerable<(ulong W0, ulong W1, ulong W2, ulong W3, long Id)> LiveEntries(int count)
    {
        for (var e = 0; e < count; e++)
        {
            if (!Volatile.Read(ref _removed[e]))
            {
                yield return (_words[4 * e], _words[4 * e + 1], _words[4 * e + 2], _words[4 * e + 3], _ids[e]);
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace Takedown.Fingerprints.Matching;

/// <summary>
/// Tells a merge when no query can still be reading arrays it has just unpublished, so it can reuse them for the
/// next slot instead of allocating (and leaving the garbage collector to find) a slot's worth of new ones.
/// Queries count themselves in under the current epoch; the merge publishes, advances the epoch and waits for the
/// previous epoch's count to drain. Two interlocked operations a query, on a 0.1 ms query.
/// </summary>
internal sealed class ReaderEpochs
{
    private readonly Counter[] _readers = new Counter[2];
    private int _epoch;

    public int Enter()
    {
        while (true)
        {
            var epoch = Volatile.Read(ref _epoch);
            Interlocked.Increment(ref _readers[epoch & 1].Value);
            // Full fences on both sides (Dekker): either the merge sees this reader, or this reader sees the new epoch,
            // and with it the snapshot published before it, and counts itself in again.
            if (Volatile.Read(ref _epoch) == epoch)
            {
                return epoch;
            }
            Interlocked.Decrement(ref _readers[epoch & 1].Value);
        }
    }

    public void Exit(int epoch) => Interlocked.Decrement(ref _readers[epoch & 1].Value);

    /// <summary>
    /// Call after publishing a snapshot: returns once every query that may have read an earlier one has finished.
    /// One caller at a time (the merge holds its lock).
    /// </summary>
    public void WaitForEarlierReaders()
    {
        var previous = Interlocked.Increment(ref _epoch) - 1;
        var wait = new SpinWait();
        while (Volatile.Read(ref _readers[previous & 1].Value) != 0)
        {
            wait.SpinOnce(sleep1Threshold: 20);
        }
    }

    /// <summary>Each counter on a cache line of its own.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Counter
    {
        [FieldOffset(64)]
        public int Value;
    }
}

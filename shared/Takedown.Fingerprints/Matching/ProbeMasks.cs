using System.Collections.Concurrent;

namespace Takedown.Fingerprints.Matching;

/// <summary>Every XOR mask of at most r set bits within a w-bit slot, fewest bits first; cached per (w, r).</summary>
internal static class ProbeMasks
{
    /// <summary>Beyond this many probes a segment is cheaper to scan than to probe.</summary>
    public const long MaxMasks = 1 << 22;

    private static readonly ConcurrentDictionary<(int Width, int Radius), uint[]> Cache = new();

    public static uint[] For(int width, int radius) =>
        Cache.GetOrAdd((width, Math.Min(radius, width)), static key => Enumerate(key.Width, key.Radius));

    private static uint[] Enumerate(int width, int radius)
    {
        var masks = new uint[PdqSlotLayout.Ball(width, radius)];
        var count = 0;
        var limit = 1UL << width;
        for (var bits = 0; bits <= radius; bits++)
        {
            // Gosper's hack: the next larger integer with the same number of set bits.
            var mask = (1UL << bits) - 1;
            while (mask < limit)
            {
                masks[count++] = (uint)mask;
                if (mask == 0)
                {
                    break;
                }
                var lowest = mask & (~mask + 1);
                var ripple = mask + lowest;
                mask = ripple | (((mask ^ ripple) >> 2) / lowest);
            }
        }
        return masks;
    }
}

using System.Runtime.InteropServices;
using Takedown.Fingerprints.Matching;

namespace Takedown.Fingerprints.Tests.Matching;

/// <summary>Seeded random banks and queries, and the brute-force answer every index result is checked against.</summary>
internal static class RandomHashes
{
    public static PdqHash Uniform(Random random)
    {
        Span<ulong> words = stackalloc ulong[4];
        random.NextBytes(MemoryMarshal.AsBytes(words));
        return new PdqHash(words[0], words[1], words[2], words[3], 100);
    }

    /// <summary><paramref name="hash"/> with exactly <paramref name="bits"/> distinct bits flipped.</summary>
    public static PdqHash Flip(PdqHash hash, int bits, Random random)
    {
        Span<ulong> words = [hash.Bits0, hash.Bits1, hash.Bits2, hash.Bits3];
        Span<int> order = stackalloc int[PdqHash.BitCount];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        for (var i = 0; i < bits; i++)
        {
            var pick = random.Next(i, order.Length); // partial Fisher-Yates: distinct bits
            (order[i], order[pick]) = (order[pick], order[i]);
            words[order[i] >> 6] ^= 1UL << (order[i] & 63);
        }
        return new PdqHash(words[0], words[1], words[2], words[3], hash.Quality);
    }

    /// <summary>Uniform hashes: almost nothing within 31 of anything else.</summary>
    public static PdqHash[] UniformBank(int count, Random random) =>
        Enumerable.Range(0, count).Select(_ => Uniform(random)).ToArray();

    /// <summary>Clusters like a real bank: a seed and up to 7 variants 0..40 bits from it (so 0..80 from each other).</summary>
    public static PdqHash[] ClusteredBank(int count, Random random)
    {
        var bank = new List<PdqHash>(count);
        while (bank.Count < count)
        {
            var seed = Uniform(random);
            bank.Add(seed);
            for (var variants = random.Next(8); variants > 0 && bank.Count < count; variants--)
            {
                bank.Add(Flip(seed, random.Next(41), random));
            }
        }
        return [.. bank];
    }

    /// <summary>Half near-variants of banked hashes (0..40 bits, 31 and 32 included), half unrelated hashes.</summary>
    public static PdqHash[] Queries(PdqHash[] bank, int count, Random random) =>
        Enumerable.Range(0, count).Select(i => (i % 4) switch
        {
            0 => Uniform(random),
            1 => Flip(bank[random.Next(bank.Length)], random.Next(41), random),
            2 => Flip(bank[random.Next(bank.Length)], 31 + random.Next(2), random),
            _ => Flip(Flip(bank[random.Next(bank.Length)], random.Next(41), random), random.Next(30), random),
        }).ToArray();

    public static List<PdqMatch> BruteForce(IReadOnlyList<PdqHash> hashes, IReadOnlyList<long> ids, PdqHash query, int maxDistance = PdqHash.MatchThreshold)
    {
        var matches = new List<PdqMatch>();
        for (var i = 0; i < hashes.Count; i++)
        {
            var distance = hashes[i].Distance(query);
            if (distance <= maxDistance)
            {
                matches.Add(new PdqMatch(ids[i], distance));
            }
        }
        return [.. matches.OrderBy(m => m.Distance).ThenBy(m => m.Id)];
    }
}

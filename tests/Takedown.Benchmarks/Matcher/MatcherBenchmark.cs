using System.Diagnostics;
using System.Runtime.InteropServices;
using Takedown.Fingerprints;
using Takedown.Fingerprints.Matching;

namespace Takedown.Benchmarks.Matcher;

public sealed record MatcherSettings(int BankSize, int Queries, int RecallSample, int BruteForceSample, int[] Slots, int Adds, int Seed)
{
    /// <summary>"matcher [bank size] [--options]": the bank size may come first, without a name.</summary>
    public static MatcherSettings From(IEnumerable<string> args)
    {
        var list = args.ToList();
        var size = 1_000_000;
        if (list.Count > 0 && !list[0].StartsWith("--", StringComparison.Ordinal))
        {
            size = int.Parse(list[0], System.Globalization.CultureInfo.InvariantCulture);
            list.RemoveAt(0);
        }
        var options = CommandLine.Parse(list, "size", "queries", "recall-sample", "brute-force-sample", "slots", "adds", "seed");
        size = options.Int("size", size);
        if (size < 1_000)
            throw new ArgumentException("The bank needs at least 1,000 hashes.");
        return new MatcherSettings(size, options.Int("queries", 20_000),
            options.Int("recall-sample", size > 2_000_000 ? 500 : 2_000), options.Int("brute-force-sample", size > 2_000_000 ? 50 : 200),
            options.Ints("slots", [0]), options.Int("adds", 20_000), options.Int("seed", 1));
    }
}

/// <summary>
/// The PDQ matcher on a clustered bank: build time and memory, lookups/s on one and two threads with latency
/// percentiles, recall against brute force on a sample, a brute-force scan as the floor, and additions while serving.
/// </summary>
public static class MatcherBenchmark
{
    public static int Run(MatcherSettings settings)
    {
        Console.WriteLine($"# matcher — {Server.Describe()}, {(System.Runtime.Intrinsics.X86.Popcnt.X64.IsSupported ? "hardware POPCNT" : "software popcount")}");
        Console.WriteLine($"bank {settings.BankSize:N0} hashes (seed {settings.Seed}), {settings.Queries:N0} queries, recall sample {settings.RecallSample:N0}, " +
            $"brute-force sample {settings.BruteForceSample:N0}, load average {Memory.LoadAverage()}");

        var random = new Random(settings.Seed);
        var generating = Stopwatch.StartNew();
        var bank = ClusteredBank(settings.BankSize, random);
        var ids = new long[bank.Length];
        for (var i = 0; i < ids.Length; i++)
            ids[i] = i;
        var queries = Queries(bank, settings.Queries, random);
        Console.WriteLine($"generated in {generating.Elapsed.TotalSeconds:0.0} s; {Describe(bank, queries)}");

        var recallSample = queries.AsSpan(0, Math.Min(settings.RecallSample, queries.Length)).ToArray();
        var truth = BruteForceAll(bank, recallSample);
        var floor = BruteForceFloor(bank, queries.AsSpan(0, Math.Min(settings.BruteForceSample, queries.Length)).ToArray());
        Console.WriteLine($"brute force (the floor), 1 thread: {floor:N1} lookups/s over {settings.BruteForceSample} queries " +
            $"({1000 / floor:0.0} ms each); recall truth from a 2-thread scan of {recallSample.Length} queries: " +
            $"{truth.Sum(t => t.Count):N0} matches, {truth.Count(t => t.Count > 0)} queries with one");
        Console.WriteLine();

        var rows = new List<string>();
        var failed = false;
        foreach (var slots in settings.Slots)
        {
            var layout = slots == 0 ? null : PdqSlotLayout.WithSlots(slots);
            var (row, recallOk) = Measure(bank, ids, queries, recallSample, truth, layout, settings, floor);
            rows.Add(row);
            failed |= !recallOk;
        }

        Console.WriteLine();
        Console.WriteLine("| layout | probes/query | build s (CPU-s) | MemoryBytes B/hash | GC heap growth B/hash | working set MiB | 1 thread lookups/s (per CPU-s) | p50 / p99 / max ms | 2 threads lookups/s (per CPU-s) | p50 / p99 ms (2 threads) | recall | × brute force |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|");
        rows.ForEach(Console.WriteLine);

        if (settings.Adds > 0)
        {
            MeasureAdds(bank, ids, queries, settings, random);
        }
        using var self = Process.GetCurrentProcess();
        Console.WriteLine($"process PeakWorkingSet64 (whole run: bank, queries, index, merge): {Memory.Mib(self.PeakWorkingSet64):N0} MiB");
        return failed ? 1 : 0;
    }

    private static (string Row, bool RecallOk) Measure(PdqHash[] bank, long[] ids, PdqHash[] queries, PdqHash[] recallSample,
        List<PdqMatch>[] truth, PdqSlotLayout? layout, MatcherSettings settings, double floor)
    {
        using var process = Process.GetCurrentProcess();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var buildCpu = process.TotalProcessorTime;
        var building = Stopwatch.StartNew();
        var index = PdqIndex.Build(bank, ids, new PdqIndexOptions { Layout = layout });
        var buildSeconds = building.Elapsed.TotalSeconds;
        process.Refresh();
        var buildCpuSeconds = (process.TotalProcessorTime - buildCpu).TotalSeconds;
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        process.Refresh();
        var workingSet = process.WorkingSet64;
        var radii = index.Layout.RadiiFor(PdqHash.MatchThreshold, index.Count);
        Console.WriteLine($"{index.Layout}: radii [{string.Join(",", radii)}], {index.Layout.ProbeCount(radii):N0} probes/query; built in {buildSeconds:0.00} s ({buildCpuSeconds:0.0} CPU-s); " +
            $"MemoryBytes {Memory.Mib(index.MemoryBytes):N0} MiB = {(double)index.MemoryBytes / bank.Length:0.0} B/hash; GC heap +{Memory.Mib(heapAfter - heapBefore):N0} MiB; working set {Memory.Mib(workingSet):N0} MiB");

        // Warm up (JIT, page faults), then one thread, then two threads on halves of the queries.
        var results = new List<PdqMatch>();
        foreach (var query in queries.AsSpan(0, Math.Min(2_000, queries.Length)))
        {
            results.Clear();
            index.Query(query, PdqHash.MatchThreshold, results);
        }
        var single = RunQueries(index, queries, threads: 1);
        var dual = RunQueries(index, queries, threads: 2);
        Console.WriteLine($"  1 thread: {single.PerSecond:N0} lookups/s ({single.PerCpuSecond:N0} per CPU-second), p50 {single.P50:0.000} ms, p99 {single.P99:0.000} ms, max {single.Max:0.00} ms, {single.Matches:N0} matches");
        Console.WriteLine($"  2 threads: {dual.PerSecond:N0} lookups/s ({dual.PerCpuSecond:N0} per CPU-second), p50 {dual.P50:0.000} ms, p99 {dual.P99:0.000} ms, max {dual.Max:0.00} ms");

        var (found, expected, extra, exact) = Recall(index, recallSample, truth);
        var recall = expected == 0 ? 1.0 : (double)found / expected;
        Console.WriteLine($"  recall vs brute force: {found:N0} of {expected:N0} matches ({recall:P2}), {extra} not in brute force, {exact} of {recallSample.Length} result lists identical");
        var row = $"| {index.Layout} | {index.Layout.ProbeCount(radii):N0} | {buildSeconds:0.0} ({buildCpuSeconds:0.0}) | {(double)index.MemoryBytes / bank.Length:0.0} | " +
            $"{(double)(heapAfter - heapBefore) / bank.Length:0.0} | {Memory.Mib(workingSet):N0} | {single.PerSecond:N0} ({single.PerCpuSecond:N0}) | {single.P50:0.000} / {single.P99:0.000} / {single.Max:0.00} | " +
            $"{dual.PerSecond:N0} ({dual.PerCpuSecond:N0}) | {dual.P50:0.000} / {dual.P99:0.000} | {recall:P2} | {single.PerSecond / floor:N0}× |";
        GC.KeepAlive(index);
        return (row, found == expected && extra == 0 && exact == recallSample.Length);
    }

    /// <summary><see cref="PerCpuSecond"/>: lookups per second of this process's CPU time, which other load on a shared machine does not dilute.</summary>
    private static LookupTiming RunQueries(PdqIndex index, PdqHash[] queries, int threads) =>
        LookupTiming.Run(queries.Length, threads, () =>
        {
            var results = new List<PdqMatch>();
            return i =>
            {
                results.Clear();
                index.Query(queries[i], PdqHash.MatchThreshold, results);
                return results.Count;
            };
        });

    private static (long Found, long Expected, long Extra, int Exact) Recall(PdqIndex index, PdqHash[] sample, List<PdqMatch>[] truth)
    {
        long found = 0, expected = 0, extra = 0;
        var exact = 0;
        for (var i = 0; i < sample.Length; i++)
        {
            var got = index.Query(sample[i]);
            var want = truth[i];
            var wanted = want.ToHashSet();
            found += got.Count(wanted.Contains);
            extra += got.Count(m => !wanted.Contains(m));
            expected += want.Count;
            exact += got.SequenceEqual(want) ? 1 : 0;
        }
        return (found, expected, extra, exact);
    }

    /// <summary>Additions while serving: time from Add to the hash being found, then a merge into the frozen part.</summary>
    private static void MeasureAdds(PdqHash[] bank, long[] ids, PdqHash[] queries, MatcherSettings settings, Random random)
    {
        var index = PdqIndex.Build(bank, ids, new PdqIndexOptions { Layout = settings.Slots[0] == 0 ? null : PdqSlotLayout.WithSlots(settings.Slots[0]), MergeInBackground = false });
        var added = ClusteredBank(settings.Adds, random);
        var serving = true;
        var served = 0L;
        var reader = new Thread(() =>
        {
            var results = new List<PdqMatch>();
            for (var i = 0; Volatile.Read(ref serving); i = (i + 1) % queries.Length)
            {
                results.Clear();
                index.Query(queries[i], PdqHash.MatchThreshold, results);
                served++;
            }
        });
        reader.Start();
        var visible = new long[added.Length];
        var results = new List<PdqMatch>();
        var missing = 0;
        var adding = Stopwatch.StartNew();
        for (var i = 0; i < added.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            index.Add(added[i], bank.Length + i);
            results.Clear();
            index.Query(added[i], 0, results);
            visible[i] = Stopwatch.GetTimestamp() - start;
            missing += results.Any(m => m.Id == bank.Length + i) ? 0 : 1;
        }
        var addSeconds = adding.Elapsed.TotalSeconds;
        var beforeMerge = Interlocked.Read(ref served);
        using var process = Process.GetCurrentProcess();
        var memory = MergeMemory.Start(process);
        var mergeCpu = process.TotalProcessorTime;
        var merging = Stopwatch.StartNew();
        index.Merge();
        var mergeSeconds = merging.Elapsed.TotalSeconds;
        process.Refresh();
        var mergeCpuSeconds = (process.TotalProcessorTime - mergeCpu).TotalSeconds; // the reader's CPU included
        memory.Stop();
        var duringMerge = Interlocked.Read(ref served) - beforeMerge;
        Volatile.Write(ref serving, false);
        reader.Join();
        Array.Sort(visible);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        Console.WriteLine($"adds while 1 thread queries: {added.Length:N0} adds in {addSeconds:0.00} s; Add + a query that finds it: p50 {Ms(visible[visible.Length / 2]):0.000} ms, " +
            $"p99 {Ms(visible[(int)(visible.Length * 0.99)]):0.000} ms, max {Ms(visible[^1]):0.00} ms; not found at once: {missing}");
        Console.WriteLine($"merge of {added.Length:N0} pending into {bank.Length:N0}: {mergeSeconds:0.00} s ({mergeCpuSeconds:0.0} CPU-s, the reader's included), during which the reader served {duringMerge:N0} queries " +
            $"({duringMerge / mergeSeconds:N0}/s); after: {index.Count:N0} live, {index.PendingCount} pending, {Memory.Mib(index.MemoryBytes):N0} MiB");
        Console.WriteLine($"merge memory (index {Memory.Mib(index.MemoryBytes):N0} MiB): {memory.Describe(index.MemoryBytes)}");
    }

    /// <summary>
    /// The process's memory around a merge: the GC heap (all objects, garbage included, sampled every 5 ms) and the
    /// working set (every 50 ms), before, at their peak during the merge and after it (after a full collection).
    /// </summary>
    private sealed class MergeMemory
    {
        private readonly Process _process;
        private readonly Thread _sampler;
        private readonly long _heapBefore;
        private readonly long _workingSetBefore;
        private readonly long _allocatedBefore;
        private long _heapPeak;
        private long _workingSetPeak;
        private long _heapAfter;
        private long _workingSetAfter;
        private long _allocated;
        private volatile bool _sampling = true;

        private MergeMemory(Process process)
        {
            _process = process;
            _heapBefore = _heapPeak = GC.GetTotalMemory(forceFullCollection: true);
            process.Refresh();
            _workingSetBefore = _workingSetPeak = process.WorkingSet64;
            _allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            _sampler = new Thread(Sample) { IsBackground = true };
            _sampler.Start();
        }

        public static MergeMemory Start(Process process) => new(process);

        public void Stop()
        {
            _sampling = false;
            _sampler.Join();
            _allocated = GC.GetTotalAllocatedBytes(precise: true) - _allocatedBefore;
            _heapAfter = GC.GetTotalMemory(forceFullCollection: true);
            _process.Refresh();
            _workingSetAfter = _process.WorkingSet64;
        }

        public string Describe(long indexBytes) =>
            $"GC heap {Memory.Mib(_heapBefore):N0} MiB before, peak +{Memory.Mib(_heapPeak - _heapBefore):N0} MiB ({(double)(_heapPeak - _heapBefore) / indexBytes:P1} of the index), " +
            $"after +{Memory.Mib(_heapAfter - _heapBefore):N0} MiB; working set {Memory.Mib(_workingSetBefore):N0} MiB before, peak +{Memory.Mib(_workingSetPeak - _workingSetBefore):N0} MiB " +
            $"({(double)(_workingSetPeak - _workingSetBefore) / indexBytes:P1}), after +{Memory.Mib(_workingSetAfter - _workingSetBefore):N0} MiB; allocated during the merge {Memory.Mib(_allocated):N0} MiB";

        private void Sample()
        {
            using var own = Process.GetCurrentProcess();
            for (var tick = 0; _sampling; tick++)
            {
                _heapPeak = Math.Max(_heapPeak, GC.GetTotalMemory(forceFullCollection: false));
                if (tick % 10 == 0)
                {
                    own.Refresh();
                    _workingSetPeak = Math.Max(_workingSetPeak, own.WorkingSet64);
                }
                Thread.Sleep(5);
            }
        }
    }

    private static List<PdqMatch>[] BruteForceAll(PdqHash[] bank, PdqHash[] queries)
    {
        var truth = new List<PdqMatch>[queries.Length];
        Parallel.For(0, queries.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => truth[i] = BruteForce(bank, queries[i]));
        return truth;
    }

    private static double BruteForceFloor(PdqHash[] bank, PdqHash[] queries)
    {
        BruteForce(bank, queries[0]);
        var timer = Stopwatch.StartNew();
        foreach (var query in queries)
            BruteForce(bank, query);
        return queries.Length / timer.Elapsed.TotalSeconds;
    }

    /// <summary>The plain scan: every banked hash, four popcounts each.</summary>
    private static List<PdqMatch> BruteForce(PdqHash[] bank, PdqHash query)
    {
        var matches = new List<PdqMatch>();
        for (var i = 0; i < bank.Length; i++)
        {
            var distance = bank[i].Distance(query);
            if (distance <= PdqHash.MatchThreshold)
                matches.Add(new PdqMatch(i, distance));
        }
        matches.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));
        return matches;
    }

    /// <summary>Like a real bank: clusters of a seed and 0..7 variants 0..40 bits from it.</summary>
    internal static PdqHash[] ClusteredBank(int count, Random random)
    {
        var bank = new PdqHash[count];
        var filled = 0;
        while (filled < count)
        {
            var seed = Uniform(random);
            bank[filled++] = seed;
            for (var variants = random.Next(8); variants > 0 && filled < count; variants--)
                bank[filled++] = Flip(seed, random.Next(41), random);
        }
        return bank;
    }

    /// <summary>Half near-variants of banked hashes (0..40 bits away), half unrelated hashes.</summary>
    internal static PdqHash[] Queries(PdqHash[] bank, int count, Random random)
    {
        var queries = new PdqHash[count];
        for (var i = 0; i < count; i++)
            queries[i] = i % 2 == 0 ? Flip(bank[random.Next(bank.Length)], random.Next(41), random) : Uniform(random);
        return queries;
    }

    private static PdqHash Uniform(Random random)
    {
        Span<ulong> words = stackalloc ulong[4];
        random.NextBytes(MemoryMarshal.AsBytes(words));
        return new PdqHash(words[0], words[1], words[2], words[3], 100);
    }

    private static PdqHash Flip(PdqHash hash, int bits, Random random)
    {
        Span<ulong> mask = stackalloc ulong[4];
        for (var flipped = 0; flipped < bits;)
        {
            var bit = random.Next(PdqHash.BitCount);
            if ((mask[bit >> 6] & (1UL << (bit & 63))) == 0)
            {
                mask[bit >> 6] |= 1UL << (bit & 63);
                flipped++;
            }
        }
        return new PdqHash(hash.Bits0 ^ mask[0], hash.Bits1 ^ mask[1], hash.Bits2 ^ mask[2], hash.Bits3 ^ mask[3], hash.Quality);
    }

    private static string Describe(PdqHash[] bank, PdqHash[] queries)
    {
        var sample = new Random(7);
        var near = 0;
        for (var k = 0; k < 200; k++)
        {
            var i = sample.Next(bank.Length);
            for (var j = Math.Max(0, i - 8); j < Math.Min(bank.Length, i + 8); j++)
                near += j != i && bank[i].Distance(bank[j]) <= PdqHash.MatchThreshold ? 1 : 0;
        }
        return $"clustered bank: a sampled hash has {near / 200.0:0.0} others within 31 among its 16 neighbours in bank order; queries: half near-variants (0..40 bits), half unrelated";
    }
}

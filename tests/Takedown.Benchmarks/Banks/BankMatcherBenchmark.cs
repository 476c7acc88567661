using System.Diagnostics;
using System.Globalization;
using Takedown.Benchmarks.Matcher;
using Takedown.Fingerprints;
using Takedown.ReuploadDetection.Banks;
using Takedown.ReuploadDetection.Fingerprinting;

namespace Takedown.Benchmarks.Banks;

/// <summary>
/// <see cref="BankMatcher"/> filled with PDQ entries as the service's start-up load fills it, in one bulk load (bank, label and source
/// strings shared, a fresh value string per row): managed memory per entry and the PDQ index's share of it, load
/// time, and Match() lookups/s with p50/p99 on 1 and 2 threads next to the bare index queries. In memory only.
/// </summary>
public static class BankMatcherBenchmark
{
    // Where 10M banked hashes come from: mostly imported lists, a quarter removed content (each with its content id).
    private static readonly (string Bank, double Share, string Source)[] Banks =
        [("removed", 0.25, "platform"), ("gifct-2025", 0.40, "gifct"), ("tat-2025", 0.25, "tat"), ("partner-x", 0.10, "partner-x")];

    private static readonly string[] Labels =
        ["removed from telegram", "removed from x", "beheading video", "flag", "nasheed cover", "recruitment poster", "statement", "logo"];

    public static int Run(CommandLine options)
    {
        var count = options.Int("entries", 1_000_000);
        var queryCount = options.Int("queries", 20_000);
        var random = new Random(options.Int("seed", 1));
        Console.WriteLine($"# bank-matcher — {Server.Describe()}; {count:N0} pdq entries, {queryCount:N0} queries, load average {Memory.LoadAverage()}");

        var hashes = MatcherBenchmark.ClusteredBank(count, random);
        var queries = MatcherBenchmark.Queries(hashes, queryCount, random);
        var queryHex = queries.Select(q => q.ToHex()).ToArray();
        var bankOf = new byte[count];
        for (var i = 0; i < count; i++)
        {
            var pick = random.NextDouble();
            var b = 0;
            for (var share = Banks[0].Share; pick > share && b < Banks.Length - 1; share += Banks[++b].Share)
            {
            }
            bankOf[i] = (byte)b;
        }

        var before = Memory.Settled();
        var index = new MultiIndexPdqIndex();
        var matcher = new BankMatcher(index);
        var versions = new long[Banks.Length];
        var loading = Stopwatch.StartNew();
        using (matcher.BeginBulkLoad()) // as BankFeed loads the catalogue: one index build at the end
        for (var i = 0; i < count; i++)
        {
            var (bank, _, source) = Banks[bankOf[i]];
            var removed = bankOf[i] == 0;
            matcher.Add(new BankEntry(bank, Signals.Pdq, hashes[i].ToHex(), removed ? Guid.NewGuid() : null,
                Labels[removed ? i % 2 : 2 + i % (Labels.Length - 2)], source), ++versions[bankOf[i]]);
        }
        var loadSeconds = loading.Elapsed.TotalSeconds;
        var bytes = Memory.Settled() - before;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"loaded {matcher.Count:N0} entries in {loadSeconds:0.0} s ({count / loadSeconds:N0}/s, the index build included); " +
            $"managed memory +{Memory.Mib(bytes):N0} MiB = {(double)bytes / count:0.0} B/entry, of which the PDQ index's arrays {(double)index.MemoryBytes / count:0.0} B " +
            $"and the rest {(double)(bytes - index.MemoryBytes) / count:0.0} B"));

        foreach (var hex in queryHex.Take(2_000))
            matcher.Match([(Signals.Pdq, hex)], PdqHash.MatchThreshold);
        foreach (var threads in new[] { 1, 2 })
        {
            var bare = LookupTiming.Run(queries.Length, threads, () => i => index.Query(queries[i], PdqHash.MatchThreshold).Count);
            var matched = LookupTiming.Run(queries.Length, threads, () => i => matcher.Match([(Signals.Pdq, queryHex[i])], PdqHash.MatchThreshold).Count);
            Console.WriteLine($"{threads} thread(s): Match() {matched}; the index alone {bare}");
        }
        using var self = Process.GetCurrentProcess();
        Console.WriteLine($"process peak working set {Memory.Mib(self.PeakWorkingSet64):N0} MiB");
        GC.KeepAlive(matcher);
        GC.KeepAlive(hashes);   // held across both measurements, so its release does not count against the matcher
        GC.KeepAlive(bankOf);
        return 0;
    }
}

using System.Diagnostics;
using System.Globalization;
using Takedown.Fingerprints.Text;
using Takedown.ReuploadDetection.Banks;
using Takedown.ReuploadDetection.Fingerprinting;

namespace Takedown.Benchmarks.Banks;

/// <summary>
/// Memory and lookup time of banked text fingerprints in <see cref="BankMatcher"/>: distinct random 40-word texts
/// are banked, then looked up as reposts (a prefix and hashtags added) and as unrelated texts. In memory only.
/// </summary>
public static class TextBankBenchmark
{
    public static int Run(CommandLine options)
    {
        var count = options.Int("texts", 100_000);
        var queries = options.Int("queries", 1000);
        var random = new Random(7);
        var vocabulary = Enumerable.Range(0, 20_000)
            .Select(_ => new string([.. Enumerable.Range(0, 3 + random.Next(6)).Select(_ => (char)('a' + random.Next(26)))]))
            .ToArray();
        string Text() => string.Join(' ', Enumerable.Range(0, 40).Select(_ => vocabulary[random.Next(vocabulary.Length)]));

        var texts = Enumerable.Range(0, count).Select(_ => Text()).ToArray();
        var fingerprints = texts.Select(t => TextFingerprint.Of(t)!.ToHex()).ToArray();
        var before = Memory.Settled();
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        var loading = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
            matcher.Add(new HashAdded("bench", Signals.TextMinHash, fingerprints[i], null, "label", "source", DateTimeOffset.UnixEpoch), i + 1);
        loading.Stop();
        var bytes = Memory.Settled() - before;

        var reposts = Enumerable.Range(0, queries).Select(i => TextFingerprint.Of("عاجل " + texts[i * (count / queries)] + " #news #iraq")!.ToHex()).ToArray();
        var unrelated = Enumerable.Range(0, queries).Select(_ => TextFingerprint.Of(Text())!.ToHex()).ToArray();
        var (found, repostTime) = Lookups(matcher, reposts);
        var (falseMatches, unrelatedTime) = Lookups(matcher, unrelated);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"""
            {count} banked texts: loaded in {loading.Elapsed.TotalSeconds:0.00} s, {bytes / 1048576.0:0} MiB managed ({bytes / count} B per text, with its value)
            reposts:   {found}/{queries} found, {repostTime:0.000} ms per lookup
            unrelated: {falseMatches}/{queries} matched, {unrelatedTime:0.000} ms per lookup
            """));
        GC.KeepAlive(matcher);
        GC.KeepAlive(fingerprints);
        return 0;
    }

    private static (int Matched, double MillisecondsEach) Lookups(BankMatcher matcher, string[] fingerprints)
    {
        var watch = Stopwatch.StartNew();
        var matched = fingerprints.Count(f => matcher.Match([(Signals.TextMinHash, f)], 31).Count > 0);
        return (matched, watch.Elapsed.TotalMilliseconds / fingerprints.Length);
    }
}

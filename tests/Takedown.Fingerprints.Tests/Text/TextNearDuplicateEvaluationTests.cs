using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Takedown.Fingerprints.Text;
using Xunit.Abstractions;

namespace Takedown.Fingerprints.Tests.Text;

/// <summary>
/// The measurement behind <see cref="TextFingerprint.Threshold"/>: labelled pairs of reposts and of different texts
/// (TestData/text-pairs.jsonl). The sweep is printed; run with
/// <c>dotnet test tests/Takedown.Fingerprints.Tests --filter FullyQualifiedName~TextNearDuplicateEvaluation --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class TextNearDuplicateEvaluationTests(ITestOutputHelper output)
{
    // The rates documented in docs/fingerprints.md, "Text near-duplicates". Better is fine; worse fails.
    private const double DocumentedFalseMatchRate = 0.0;
    private const double DocumentedMissRate = 0.0;

    private sealed record Pair(string Id, string Lang, string Kind, bool Duplicate, string A, string B);

    private static readonly Lazy<IReadOnlyList<Pair>> Pairs = new(() =>
        [.. File.ReadLines(Path.Combine(AppContext.BaseDirectory, "TestData", "text-pairs.jsonl"))
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<Pair>(line, new JsonSerializerOptions(JsonSerializerDefaults.Web))!)]);

    private static TextFingerprint Of(string text) => TextFingerprint.Of(text) ?? throw new InvalidOperationException("no words in " + text);

    [Fact]
    public void The_pairs_cover_both_labels_in_arabic_iraqi_arabic_and_english()
    {
        var pairs = Pairs.Value;
        Assert.True(pairs.Count >= 60, $"{pairs.Count} pairs");
        Assert.Equal(pairs.Count, pairs.Select(p => p.Id).Distinct().Count());
        foreach (var lang in new[] { "ar", "ar-iq", "en" })
        {
            Assert.Contains(pairs, p => p.Lang == lang && p.Duplicate);
            Assert.Contains(pairs, p => p.Lang == lang && !p.Duplicate);
        }
        foreach (var kind in new[] { "hashtags", "emoji", "punctuation", "diacritics", "sentence-added", "sentence-removed", "url-mention", "short" })
            Assert.Contains(pairs, p => p.Kind == kind && p.Duplicate);
        foreach (var kind in new[] { "same-event", "same-topic", "template", "boilerplate", "short" })
            Assert.Contains(pairs, p => p.Kind == kind && !p.Duplicate);
    }

    [Fact]
    public void At_the_threshold_false_matches_and_misses_stay_at_the_documented_rates()
    {
        var scored = Pairs.Value.Select(p => (Pair: p, Similarity: Of(p.A).Similarity(Of(p.B)))).ToList();
        PrintSweep("MinHash (shipped): estimated Jaccard of character 5-shingles", scored.Select(s => (s.Pair.Duplicate, s.Similarity)).ToList());

        var (falseMatch, miss) = Rates(scored.Select(s => (s.Pair.Duplicate, s.Similarity)).ToList(), TextFingerprint.Threshold);
        foreach (var (pair, similarity) in scored.Where(s => s.Pair.Duplicate != s.Similarity >= TextFingerprint.Threshold))
            output.WriteLine($"wrong at {TextFingerprint.Threshold}: {pair.Id} ({pair.Kind}) similarity {similarity:F3}");
        output.WriteLine("highest similarity of different texts, by kind:");
        foreach (var kind in scored.Where(s => !s.Pair.Duplicate).GroupBy(s => s.Pair.Kind).OrderBy(g => g.Max(s => s.Similarity)))
            output.WriteLine($"  {kind.Key,-12} {kind.Max(s => s.Similarity):F3} ({kind.Count()} pairs)");
        output.WriteLine("closest to the threshold:");
        foreach (var (pair, similarity) in scored.OrderBy(s => Math.Abs(s.Similarity - TextFingerprint.Threshold)).Take(8))
            output.WriteLine($"  {similarity:F3} {(pair.Duplicate ? "repost   " : "different")} {pair.Id}");

        Assert.True(falseMatch <= DocumentedFalseMatchRate, $"false-match rate {falseMatch:P1} > documented {DocumentedFalseMatchRate:P1}");
        Assert.True(miss <= DocumentedMissRate, $"miss rate {miss:P1} > documented {DocumentedMissRate:P1}");
    }

    [Fact]
    public void Every_repost_shares_a_lookup_key_with_its_original()
    {
        var sharing = Pairs.Value.Select(p => (Pair: p, Shares: Of(p.A).LookupKeys().Intersect(Of(p.B).LookupKeys()).Any())).ToList();
        var negatives = sharing.Where(s => !s.Pair.Duplicate).ToList();
        output.WriteLine($"candidate load: {negatives.Count(s => s.Shares)} of {negatives.Count} different-text pairs share a key (then rejected by similarity)");

        Assert.All(sharing.Where(s => s.Pair.Duplicate), s => Assert.True(s.Shares, s.Pair.Id));
    }

    [Fact]
    public void The_alternatives_measured_on_the_same_pairs()
    {
        // Why MinHash over character shingles: exact Jaccard is what MinHash estimates; word bigrams break on every
        // respelled word; SimHash of the same shingles mixes a long shared boilerplate into the whole 64 bits.
        var pairs = Pairs.Value.Where(p => p.Kind != "short").ToList();
        PrintSweep("exact Jaccard, character 5-shingles", [.. pairs.Select(p => (p.Duplicate, Jaccard(TextShingles.Of(p.A), TextShingles.Of(p.B))))]);
        PrintSweep("exact Jaccard, word 2-shingles", [.. pairs.Select(p => (p.Duplicate, Jaccard(WordShingles(p.A, 2), WordShingles(p.B, 2))))]);
        PrintSweep("exact Jaccard, word 3-shingles", [.. pairs.Select(p => (p.Duplicate, Jaccard(WordShingles(p.A, 3), WordShingles(p.B, 3))))]);
        PrintSweep("SimHash-64, character 5-shingles (1 - Hamming/64)", [.. pairs.Select(p => (p.Duplicate, 1 - BitOperations.PopCount(SimHash(TextShingles.Of(p.A)) ^ SimHash(TextShingles.Of(p.B))) / 64.0))]);

        var best = pairs.Select(p => (p.Duplicate, Similarity: Jaccard(TextShingles.Of(p.A), TextShingles.Of(p.B)))).ToList();
        var simhash = pairs.Select(p => (p.Duplicate, Similarity: 1 - BitOperations.PopCount(SimHash(TextShingles.Of(p.A)) ^ SimHash(TextShingles.Of(p.B))) / 64.0)).ToList();
        Assert.True(FewestErrors(best) < FewestErrors(simhash), "character-shingle Jaccard should separate the pairs better than SimHash");
    }

    private void PrintSweep(string title, IReadOnlyList<(bool Duplicate, double Similarity)> scored)
    {
        var builder = new StringBuilder().AppendLine(CultureInfo.InvariantCulture, $"{title}: {scored.Count(s => s.Duplicate)} reposts, {scored.Count(s => !s.Duplicate)} different")
            .AppendLine("  threshold  false-match  miss");
        for (var t = 0.30; t < 0.951; t += 0.05)
        {
            var (falseMatch, miss) = Rates(scored, t);
            builder.AppendLine(CultureInfo.InvariantCulture, $"  {t,9:F2}  {falseMatch,11:P1}  {miss,5:P1}");
        }
        var lowestRepost = scored.Where(s => s.Duplicate).Min(s => s.Similarity);
        var highestDifferent = scored.Where(s => !s.Duplicate).Max(s => s.Similarity);
        builder.AppendLine(CultureInfo.InvariantCulture, $"  lowest repost {lowestRepost:F3}, highest different {highestDifferent:F3}, fewest errors at any threshold {FewestErrors(scored)}");
        output.WriteLine(builder.ToString());
    }

    private static (double FalseMatch, double Miss) Rates(IReadOnlyList<(bool Duplicate, double Similarity)> scored, double threshold)
    {
        var different = scored.Where(s => !s.Duplicate).ToList();
        var reposts = scored.Where(s => s.Duplicate).ToList();
        return ((double)different.Count(s => s.Similarity >= threshold) / different.Count, (double)reposts.Count(s => s.Similarity < threshold) / reposts.Count);
    }

    private static int FewestErrors(IReadOnlyList<(bool Duplicate, double Similarity)> scored) =>
        scored.Select(s => s.Similarity).Append(1.01)
            .Min(t => scored.Count(s => s.Duplicate != s.Similarity >= t));

    private static double Jaccard(IReadOnlySet<string> a, IReadOnlySet<string> b) => (double)a.Intersect(b).Count() / a.Union(b).Count();

    private static HashSet<string> WordShingles(string text, int size)
    {
        var words = TextShingles.Words(text).Split(' ');
        return words.Length < size
            ? [string.Join(' ', words)]
            : [.. Enumerable.Range(0, words.Length - size + 1).Select(i => string.Join(' ', words[i..(i + size)]))];
    }

    // Charikar's SimHash: each shingle's 64-bit hash votes on every bit.
    private static ulong SimHash(IReadOnlySet<string> shingles)
    {
        Span<int> votes = stackalloc int[64];
        foreach (var shingle in shingles)
        {
            var hash = BitConverter.ToUInt64(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(shingle)), 0);
            for (var bit = 0; bit < 64; bit++)
                votes[bit] += ((hash >> bit) & 1) == 1 ? 1 : -1;
        }
        var result = 0UL;
        for (var bit = 0; bit < 64; bit++)
        {
            if (votes[bit] > 0)
                result |= 1UL << bit;
        }
        return result;
    }
}

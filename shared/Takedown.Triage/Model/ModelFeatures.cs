using Takedown.Text;

namespace Takedown.Triage;

/// <summary>One feature of a text: the readable n-gram and the hash bucket its weight lives in.</summary>
/// <param name="Name">As shown to analysts: <c>word "…"</c>, <c>words "… …"</c>, <c>stem "…"</c>, <c>chars "…"</c>, <c>text "…"</c> or <c>lexicon "…"</c> (a family of <see cref="FeatureLexicon"/>).</param>
public readonly record struct TextFeature(string Name, int Bucket);

/// <summary>
/// The model's view of a text: word unigrams and bigrams of the normalised tokens, the clitic-stripped variants of
/// Arabic words, and character 2–5-grams inside each word (with word-boundary marks), hashed into
/// 2^<see cref="HashBits"/> buckets, plus the text's script (ar, en or und) as a per-script bias. Character n-grams carry dialect and creative spellings that share most
/// letters with a known word (كلب, كلاب, كلبه; f*ck, fuuck); the word features carry what whole words mean.
/// </summary>
public static class ModelFeatures
{
    public const int HashBits = 18;
    public const int Buckets = 1 << HashBits;
    public const int MinCharGram = 2;
    public const int MaxCharGram = 5;
    public const int MaxTextCharGram = 5;

    // Long tokens (URL debris, letter floods) would contribute hundreds of character n-grams and outweigh the rest.
    private const int MaxTokenLengthForCharGrams = 24;

    /// <summary>The distinct features of <paramref name="text"/>, in order of first appearance.</summary>
    public static List<TextFeature> Extract(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = TextNormalizer.Normalize(text);
        var tokens = Tokenizer.Tokenize(normalized);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var features = new List<TextFeature>();
        // Each script gets its own feature space and bias, in effect one model per language in one file: shared
        // features (@user, url, emoji, digits) let the English corpora's class priors pull Arabic hate into "abusive"
        // (measured: MLMA Arabic hateful-vs-rest macro-F1 0.60 shared, 0.69 Arabic-only).
        var script = ScriptDetector.DetectLanguage(normalized);

        void Add(string kind, string value)
        {
            var name = $"{kind} \"{value}\"";
            if (seen.Add(name))
                features.Add(new TextFeature(name, Bucket($"{script}|{name}")));
        }

        Add("script", script);

        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            Add("word", token);
            if (i + 1 < tokens.Count)
                Add("words", $"{token} {tokens[i + 1]}");
            foreach (var variant in Tokenizer.StemVariants(token).Skip(1))
                Add("stem", variant);

            if (token.Length > MaxTokenLengthForCharGrams)
                continue;
            var padded = $"<{token}>";
            for (var n = MinCharGram; n <= MaxCharGram; n++)
            {
                for (var start = 0; start + n <= padded.Length; start++)
                {
                    if (n == padded.Length)
                        continue;   // the whole padded word is the word feature already
                    Add("chars", padded.Substring(start, n));
                }
            }
        }
        return features;
    }

    /// <summary>
    /// The Arabic heads' view: <see cref="Extract"/> plus character 1–5-grams of the whole token sequence joined by
    /// spaces, so n-grams span word boundaries (a particle and the insult after it, split or run-together words), and
    /// last the <see cref="FeatureLexicon"/> families the text contains (a head uses them or leaves them out, see
    /// <see cref="HeadSettings.LexiconWeight"/>).
    /// </summary>
    public static List<TextFeature> ExtractForHeads(string text)
    {
        var features = Extract(text);
        var tokens = Tokenizer.Tokenize(TextNormalizer.Normalize(text));
        var joined = $" {string.Join(' ', tokens)} ";
        var seen = new HashSet<string>(features.Select(f => f.Name), StringComparer.Ordinal);
        for (var n = 1; n <= MaxTextCharGram; n++)
        {
            for (var start = 0; start + n <= joined.Length; start++)
            {
                var name = $"text \"{joined.Substring(start, n)}\"";
                if (seen.Add(name))
                    features.Add(new TextFeature(name, Bucket($"head|{name}")));
            }
        }
        features.AddRange(FeatureLexicon.Match(tokens));
        return features;
    }

    /// <summary>
    /// The features as a sparse vector: one entry per bucket, binary presence (times the bucket's inverse document
    /// frequency when <paramref name="idf"/> is given) scaled to unit length so that long texts do not get larger
    /// scores merely for having more n-grams.
    /// </summary>
    public static (int[] Buckets, float[] Values) Vectorize(IReadOnlyList<TextFeature> features, float[]? idf = null)
    {
        var counts = new Dictionary<int, int>(features.Count);
        foreach (var feature in features)
            counts[feature.Bucket] = counts.GetValueOrDefault(feature.Bucket) + 1;
        var buckets = new int[counts.Count];
        var values = new float[counts.Count];
        var next = 0;
        foreach (var (bucket, count) in counts)
        {
            buckets[next] = bucket;
            values[next++] = count * (idf?[bucket] ?? 1f);
        }
        Array.Sort(buckets, values);   // a fixed order, so sums (and so scores) do not depend on hashing order
        var squares = 0.0;
        foreach (var v in values)
            squares += (double)v * v;
        var norm = (float)Math.Sqrt(squares);
        for (var i = 0; i < values.Length; i++)
            values[i] = norm == 0 ? 0f : values[i] / norm;
        return (buckets, values);
    }

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes and platforms, unlike string.GetHashCode.</summary>
    public static int Bucket(string name)
    {
        var hash = 2166136261u;
        foreach (var c in name)
        {
            hash ^= (byte)c;
            hash *= 16777619u;
            hash ^= (byte)(c >> 8);
            hash *= 16777619u;
        }
        return (int)(hash & (Buckets - 1));
    }
}

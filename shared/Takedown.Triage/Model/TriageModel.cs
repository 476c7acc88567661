using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Takedown.Contracts;
using Takedown.Text;

namespace Takedown.Triage;

/// <summary>An n-gram that pushed the decision, with how much it added to the predicted class's score.</summary>
public sealed record ModelFeature(string Feature, double Contribution);

/// <param name="Category">The most probable class: hate-speech, abusive or not-violating.</param>
/// <param name="Probabilities">Per class, summing to 1.</param>
/// <param name="TopFeatures">The features that most favoured <paramref name="Category"/> over the other classes, strongest first.</param>
public sealed record ModelPrediction(
    string Category,
    double Probability,
    IReadOnlyDictionary<string, double> Probabilities,
    IReadOnlyList<ModelFeature> TopFeatures,
    string Language,
    string ModelVersion);

/// <summary>
/// Multinomial logistic regression over hashed n-gram features (<see cref="ModelFeatures"/>), trained by
/// <see cref="ModelTrainer"/> on the labelled corpora. It knows only the classes those corpora teach: hate speech,
/// abusive (offensive or vulgar) language and neither. Threats, targeting and propaganda stay with the lexicon.
/// </summary>
/// <remarks>
/// File format (<c>triage-model.json</c>): JSON with <c>format</c>, <c>hashBits</c>, <c>classes</c>, <c>bias</c>
/// (one number per class), <c>training</c> (what it was trained on; counts only) and <c>weights</c>: base64 of
/// little-endian records sorted by bucket, each an int32 bucket followed by one float16 weight per class; buckets
/// whose weights were all pruned to zero are absent; <c>heads</c>: per Arabic head its <c>name</c>, <c>bias</c>,
/// <c>weights</c> (records of an int32 bucket and one float16) and, when it weights features by IDF, <c>idfUnseen</c>
/// (the value for buckets no training text had) and <c>idf</c> (records of an int32 bucket and one float16 for the rest);
/// <c>domainCopies</c> when it was trained with an auxiliary corpus (<see cref="HeadSettings.Auxiliary"/>);
/// <c>lexiconWeight</c> and <c>lexicon</c> (the <see cref="FeatureLexicon"/> version) when it uses the lexicon features.
/// Format 2 added the IDF table, format 3 the lexicon features; a build reads only its own format.
/// </remarks>
public sealed class TriageModel
{
    public const string Format = "triage-model/3";
    public const string ResourceName = "Takedown.Triage.Model.triage-model.json";

    public static readonly IReadOnlyList<string> Classes =
        [ContentCategories.HateSpeech, ContentCategories.Abusive, ContentCategories.NotViolating];

    private const int TopFeatureCount = 5;

    /// <summary>Binary head for Arabic text: offensive (abusive or hate speech) against not, trained on MPOLD.</summary>
    public const string OffensiveHead = "ar-offensive";

    /// <summary>Binary head for Arabic text: hate speech against the rest, trained on MLMA Arabic.</summary>
    public const string HatefulHead = "ar-hateful";

    private readonly float[] bias;
    private readonly float[] weights;   // dense [bucket * classes + class]: fast lookups, 3 MB in memory
    private readonly IReadOnlyList<BinaryHead> heads;

    internal TriageModel(float[] bias, float[] weights, TrainingSummary training, IReadOnlyList<BinaryHead>? heads = null)
    {
        this.heads = heads ?? [];
        foreach (var head in this.heads)
        {
            if (head.Weights.Length != ModelFeatures.Buckets)
                throw new ArgumentException($"head {head.Name} does not match the hash size");
            if (head.Idf is { Length: var idfLength } && idfLength != ModelFeatures.Buckets)
                throw new ArgumentException($"head {head.Name}: the IDF table does not match the hash size");
            for (var k = 0; k < head.Weights.Length; k++)
                head.Weights[k] = (float)(Half)head.Weights[k];
            for (var k = 0; k < (head.Idf?.Length ?? 0); k++)
                head.Idf![k] = (float)(Half)head.Idf[k];
        }
        if (bias.Length != Classes.Count || weights.Length != ModelFeatures.Buckets * Classes.Count)
            throw new ArgumentException("bias or weights do not match the classes and hash size");
        this.bias = bias;
        // Stored as float16: halves the file, and the rounding (3 significant digits) is far below what changes a decision.
        // Rounded here too, so a freshly trained model predicts exactly as the same model read back from its file.
        for (var k = 0; k < weights.Length; k++)
            weights[k] = (float)(Half)weights[k];
        this.weights = weights;
        Training = training;
        Version = $"{Format}+{Convert.ToHexStringLower(SHA256.HashData([.. ParameterBytes(), .. this.heads.SelectMany(h => HeadBytes(h).Concat(IdfBytes(h)).Concat(SettingBytes(h)))]))[..12]}";
    }

    /// <summary><c>triage-model/3+</c> and the first 12 hex digits of the SHA-256 of the parameters.</summary>
    public string Version { get; }

    public TrainingSummary Training { get; }

    public int NonZeroBuckets => Enumerable.Range(0, ModelFeatures.Buckets).Count(IsKept);

    /// <summary>Non-zero weights of the Arabic binary heads, by head name.</summary>
    public IReadOnlyDictionary<string, int> HeadWeights => heads.ToDictionary(h => h.Name, h => h.Weights.Count(w => w != 0));

    private static readonly Lazy<TriageModel> Embedded = new(() =>
    {
        using var stream = typeof(TriageModel).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing: run `takedown model train`");
        return Read(stream);
    });

    /// <summary>The model committed with this build (embedded in Takedown.Triage); loaded once.</summary>
    public static TriageModel Load() => Embedded.Value;

    public ModelPrediction Predict(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var language = ScriptDetector.DetectLanguage(TextNormalizer.Normalize(text));
        var offensive = Head(OffensiveHead);
        var hateful = Head(HatefulHead);
        if (language == "ar" && offensive is not null && hateful is not null)
        {
            // Arabic: P(offensive) from the MPOLD head, P(hate | offensive) from the MLMA head; each head's decision
            // threshold (chosen on out-of-fold scores of its training rows) is folded into its bias, so 0.5 is the boundary for both.
            var headFeatures = ModelFeatures.ExtractForHeads(text);
            var offensiveInput = offensive.Vectorize(headFeatures);
            var hatefulInput = hateful.Vectorize(headFeatures);
            var pOffensive = offensive.Probability(offensiveInput);
            var pHate = hateful.Probability(hatefulInput);
            var arabic = new[] { pOffensive * pHate, pOffensive * (1 - pHate), 1 - pOffensive };
            // Hate speech only under an offensive decision: the MLMA head alone also fires on MPOLD's inoffensive comments.
            var (winner, head, input, sign) = pOffensive < 0.5f ? (2, offensive, offensiveInput, -1f)
                : pHate >= 0.5f ? (0, hateful, hatefulInput, 1f)
                : (1, hateful, hatefulInput, -1f);
            return new ModelPrediction(
                Classes[winner],
                arabic[winner],
                Classes.Select((name, c) => (name, c)).ToDictionary(x => x.name, x => (double)arabic[x.c]),
                HeadTopFeatures(headFeatures, input, head, sign),
                language,
                Version);
        }

        var features = ModelFeatures.Extract(text);
        var (buckets, values) = ModelFeatures.Vectorize(features);
        var probabilities = Probabilities(buckets, values);
        var best = 0;
        for (var c = 1; c < probabilities.Length; c++)
        {
            if (probabilities[c] > probabilities[best])
                best = c;
        }

        return new ModelPrediction(
            Classes[best],
            probabilities[best],
            Classes.Select((name, c) => (name, c)).ToDictionary(x => x.name, x => (double)probabilities[x.c]),
            TopFeatures(features, buckets, values, best),
            language,
            Version);
    }

    private BinaryHead? Head(string name) => heads.FirstOrDefault(h => h.Name == name);

    private static List<ModelFeature> HeadTopFeatures(List<TextFeature> features, (int[] Buckets, float[] Values) input, BinaryHead head, float sign)
    {
        var (buckets, values) = input;
        // Input buckets are sorted: a binary search per feature, no per-prediction dictionary.
        // A feature the head leaves out (the lexicon families of a head without them) is not in its input and contributes nothing.
        float Contribution(int bucket) => Array.BinarySearch(buckets, bucket) is var at and >= 0 ? values[at] * sign * head.Weights[bucket] : 0;
        var contributions = new float[features.Count];
        for (var i = 0; i < features.Count; i++)
        {
            var bucket = features[i].Bucket;
            contributions[i] = Contribution(bucket) + (head.DomainCopies ? Contribution(BinaryHead.DomainBucket(bucket, false)) : 0);
        }
        return Enumerable.Range(0, features.Count)
            .Where(i => contributions[i] > 0)
            .OrderByDescending(i => contributions[i])
            .Take(TopFeatureCount)
            .Select(i => new ModelFeature(features[i].Name, Math.Round(contributions[i], 4)))
            .ToList();
    }

    internal float[] Probabilities(int[] buckets, float[] values)
    {
        var scores = (float[])bias.Clone();
        for (var i = 0; i < buckets.Length; i++)
        {
            var row = buckets[i] * scores.Length;
            for (var c = 0; c < scores.Length; c++)
                scores[c] += values[i] * weights[row + c];
        }
        Softmax(scores);
        return scores;
    }

    internal static void Softmax(float[] scores)
    {
        var max = scores.Max();
        var sum = 0f;
        for (var c = 0; c < scores.Length; c++)
        {
            scores[c] = MathF.Exp(scores[c] - max);
            sum += scores[c];
        }
        for (var c = 0; c < scores.Length; c++)
            scores[c] /= sum;
    }

    // A feature's push towards the winner: its weight for the winner minus its mean weight for the other classes.
    private List<ModelFeature> TopFeatures(List<TextFeature> features, int[] buckets, float[] values, int winner)
    {
        var valueByBucket = new Dictionary<int, float>();
        for (var i = 0; i < buckets.Length; i++)
            valueByBucket[buckets[i]] = values[i];
        var classes = Classes.Count;
        return features
            .Select(f =>
            {
                var row = f.Bucket * classes;
                var others = 0f;
                for (var c = 0; c < classes; c++)
                    others += c == winner ? 0 : weights[row + c];
                var push = valueByBucket[f.Bucket] * (weights[row + winner] - others / (classes - 1));
                return new ModelFeature(f.Name, Math.Round(push, 4));
            })
            .Where(f => f.Contribution > 0)
            .OrderByDescending(f => f.Contribution)
            .Take(TopFeatureCount)
            .ToList();
    }

    private bool IsKept(int bucket)
    {
        for (var c = 0; c < Classes.Count; c++)
        {
            if (weights[bucket * Classes.Count + c] != 0)
                return true;
        }
        return false;
    }

    private byte[] ParameterBytes()
    {
        var classes = Classes.Count;
        var kept = NonZeroBuckets;
        var bytes = new byte[classes * 4 + kept * (4 + classes * 2)];
        var span = bytes.AsSpan();
        for (var c = 0; c < classes; c++)
            BinaryPrimitives.WriteSingleLittleEndian(span[(c * 4)..], bias[c]);
        var offset = classes * 4;
        for (var bucket = 0; bucket < ModelFeatures.Buckets; bucket++)
        {
            if (!IsKept(bucket))
                continue;
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], bucket);
            offset += 4;
            for (var c = 0; c < classes; c++, offset += 2)
                BinaryPrimitives.WriteHalfLittleEndian(span[offset..], (Half)weights[bucket * classes + c]);
        }
        return bytes;
    }

    // A head's records: int32 bucket and one float16 weight, sorted by bucket, zero weights left out.
    private static byte[] HeadBytes(BinaryHead head)
    {
        var kept = head.Weights.Count(w => w != 0);
        var bytes = new byte[4 + kept * 6];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteSingleLittleEndian(span, head.Bias);
        var offset = 4;
        for (var bucket = 0; bucket < head.Weights.Length; bucket++)
        {
            if (head.Weights[bucket] == 0)
                continue;
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], bucket);
            BinaryPrimitives.WriteHalfLittleEndian(span[(offset + 4)..], (Half)head.Weights[bucket]);
            offset += 6;
        }
        return bytes;
    }

    // A head's IDF table: float32 default (the value of buckets no training text had, the largest), then records of an
    // int32 bucket and a float16 for every other bucket, sorted by bucket. Empty when the head has no table.
    private static byte[] IdfBytes(BinaryHead head)
    {
        if (head.Idf is not { } idf)
            return [];
        var unseen = idf.Max();
        var kept = idf.Count(v => v != unseen);
        var bytes = new byte[4 + kept * 6];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteSingleLittleEndian(span, unseen);
        var offset = 4;
        for (var bucket = 0; bucket < idf.Length; bucket++)
        {
            if (idf[bucket] == unseen)
                continue;
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], bucket);
            BinaryPrimitives.WriteHalfLittleEndian(span[(offset + 4)..], (Half)idf[bucket]);
            offset += 6;
        }
        return bytes;
    }

    // The head's settings that change what its weights mean: domain copies and the lexicon's weight and version.
    private static byte[] SettingBytes(BinaryHead head) =>
        [head.DomainCopies ? (byte)1 : (byte)0, .. head.LexiconWeight == 0 ? [] : System.Text.Encoding.UTF8.GetBytes($"{head.LexiconWeight}|{FeatureLexicon.Version}")];

    public void Write(Stream stream)
    {
        var parameters = ParameterBytes();
        var file = new ModelFile(
            Format,
            ModelFeatures.HashBits,
            [.. Classes],
            bias,
            Training,
            Convert.ToBase64String(parameters, Classes.Count * 4, parameters.Length - Classes.Count * 4),
            heads.Count == 0 ? null : heads.Select(h =>
            {
                var weightBytes = HeadBytes(h);
                var idfBytes = IdfBytes(h);
                return new HeadFile(
                    h.Name,
                    h.Bias,
                    Convert.ToBase64String(weightBytes, 4, weightBytes.Length - 4),
                    h.Idf is null ? null : BinaryPrimitives.ReadSingleLittleEndian(idfBytes),
                    h.Idf is null ? null : Convert.ToBase64String(idfBytes, 4, idfBytes.Length - 4),
                    h.DomainCopies ? true : null,
                    h.LexiconWeight == 0 ? null : h.LexiconWeight,
                    h.LexiconWeight == 0 ? null : FeatureLexicon.Version);
            }).ToArray());
        JsonSerializer.Serialize(stream, file, JsonOptions);
    }

    public static TriageModel Read(Stream stream)
    {
        var file = JsonSerializer.Deserialize<ModelFile>(stream, JsonOptions)
            ?? throw new InvalidDataException("empty model file");
        if (file.Format != Format || file.HashBits != ModelFeatures.HashBits || !file.Classes.SequenceEqual(Classes))
            throw new InvalidDataException($"model file is {file.Format} with {file.HashBits} hash bits; this build reads {Format} with {ModelFeatures.HashBits}");

        var classes = Classes.Count;
        var weights = new float[ModelFeatures.Buckets * classes];
        var records = Convert.FromBase64String(file.Weights).AsSpan();
        var recordSize = 4 + classes * 2;
        if (records.Length % recordSize != 0)
            throw new InvalidDataException("weights are not whole records");
        for (var offset = 0; offset < records.Length; offset += recordSize)
        {
            var bucket = BinaryPrimitives.ReadInt32LittleEndian(records[offset..]);
            for (var c = 0; c < classes; c++)
                weights[bucket * classes + c] = (float)BinaryPrimitives.ReadHalfLittleEndian(records[(offset + 4 + c * 2)..]);
        }
        var heads = new List<BinaryHead>();
        foreach (var head in file.Heads ?? [])
        {
            var headWeights = new float[ModelFeatures.Buckets];
            var headRecords = Convert.FromBase64String(head.Weights).AsSpan();
            if (headRecords.Length % 6 != 0)
                throw new InvalidDataException($"head {head.Name}: weights are not whole records");
            for (var offset = 0; offset < headRecords.Length; offset += 6)
                headWeights[BinaryPrimitives.ReadInt32LittleEndian(headRecords[offset..])] = (float)BinaryPrimitives.ReadHalfLittleEndian(headRecords[(offset + 4)..]);
            float[]? idf = null;
            if (head.Idf is not null)
            {
                idf = new float[ModelFeatures.Buckets];
                Array.Fill(idf, head.IdfUnseen ?? throw new InvalidDataException($"head {head.Name}: idf without idfUnseen"));
                var idfRecords = Convert.FromBase64String(head.Idf).AsSpan();
                if (idfRecords.Length % 6 != 0)
                    throw new InvalidDataException($"head {head.Name}: idf is not whole records");
                for (var offset = 0; offset < idfRecords.Length; offset += 6)
                    idf[BinaryPrimitives.ReadInt32LittleEndian(idfRecords[offset..])] = (float)BinaryPrimitives.ReadHalfLittleEndian(idfRecords[(offset + 4)..]);
            }
            if (head.LexiconWeight is > 0 && head.Lexicon != FeatureLexicon.Version)
                throw new InvalidDataException($"head {head.Name} was trained with {head.Lexicon ?? "no lexicon version"}; this build has {FeatureLexicon.Version}: retrain with `takedown model train`");
            heads.Add(new BinaryHead(head.Name, head.Bias, headWeights, idf, head.DomainCopies ?? false, head.LexiconWeight ?? 0));
        }
        return new TriageModel(file.Bias, weights, file.Training, heads);
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record ModelFile(string Format, int HashBits, string[] Classes, float[] Bias, TrainingSummary Training, string Weights, HeadFile[]? Heads = null);

    private sealed record HeadFile(string Name, float Bias, string Weights, float? IdfUnseen = null, string? Idf = null, bool? DomainCopies = null, int? LexiconWeight = null, string? Lexicon = null);
}

/// <summary>A binary logistic regression over the same hashed features: P(positive) = sigmoid(bias + w·x).</summary>
/// <param name="Weights">Dense, one per bucket.</param>
/// <param name="Idf">Dense inverse document frequencies, one per bucket, applied before the unit-length scaling; null: none.</param>
/// <param name="DomainCopies">Trained with an auxiliary corpus: every feature also has a copy for its domain (see
/// <see cref="HeadSettings.Auxiliary"/>); prediction adds the copies of the head's own domain.</param>
/// <param name="LexiconWeight">How many times each <see cref="FeatureLexicon"/> family feature counts before the
/// unit-length scaling; 0: the head leaves them out (see <see cref="HeadSettings.LexiconWeight"/>).</param>
internal sealed record BinaryHead(string Name, float Bias, float[] Weights, float[]? Idf = null, bool DomainCopies = false, int LexiconWeight = 0)
{
    /// <summary>The head's input: present buckets (and their domain copies), IDF-weighted when the head has a table, scaled to unit length.</summary>
    public (int[] Buckets, float[] Values) Vectorize(IReadOnlyList<TextFeature> features) => Vectorize(features, auxiliary: false);

    public (int[] Buckets, float[] Values) Vectorize(IReadOnlyList<TextFeature> features, bool auxiliary)
    {
        List<TextFeature> own = [.. features.SelectMany(f => FeatureLexicon.IsLexiconFeature(f) ? Enumerable.Repeat(f, LexiconWeight) : [f])];
        return ModelFeatures.Vectorize(DomainCopies ? [.. own, .. own.Select(f => f with { Bucket = DomainBucket(f.Bucket, auxiliary) })] : own, Idf);
    }

    // FNV-1a over a domain byte and the bucket's four bytes: the copy lands in an unrelated bucket, without building a string per feature.
    public static int DomainBucket(int bucket, bool auxiliary)
    {
        var hash = (2166136261u ^ (auxiliary ? 2u : 1u)) * 16777619u;
        for (var shift = 0; shift < 32; shift += 8)
            hash = (hash ^ ((uint)bucket >> shift & 0xFF)) * 16777619u;
        return (int)(hash & (ModelFeatures.Buckets - 1));
    }

    public float Score(IReadOnlyList<TextFeature> features) => Score(Vectorize(features));

    public float Score((int[] Buckets, float[] Values) input)
    {
        var (buckets, values) = input;
        var score = Bias;
        for (var i = 0; i < buckets.Length; i++)
            score += values[i] * Weights[buckets[i]];
        return score;
    }

    public float Probability((int[] Buckets, float[] Values) input) => 1f / (1f + MathF.Exp(-Score(input)));
}

/// <summary>What a model was trained on and how: counts and settings only, never text.</summary>
public sealed record TrainingSummary(
    IReadOnlyDictionary<string, int> TextsPerCorpus,
    int Seed,
    int Epochs,
    double LearningRate,
    double L2,
    double PruneBelow);

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
/// whose weights were all pruned to zero are absent.
/// </remarks>
public sealed class TriageModel
{
    public const string Format = "triage-model/1";
    public const string ResourceName = "Takedown.Triage.Model.triage-model.json";

    public static readonly IReadOnlyList<string> Classes =
        [ContentCategories.HateSpeech, ContentCategories.Abusive, ContentCategories.NotViolating];

    private const int TopFeatureCount = 5;

    private readonly float[] bias;
    private readonly float[] weights;   // dense [bucket * classes + class]: fast lookups, 3 MB in memory

    internal TriageModel(float[] bias, float[] weights, TrainingSummary training)
    {
        if (bias.Length != Classes.Count || weights.Length != ModelFeatures.Buckets * Classes.Count)
            throw new ArgumentException("bias or weights do not match the classes and hash size");
        this.bias = bias;
        // Stored as float16: halves the file, and the rounding (3 significant digits) is far below what changes a decision.
        // Rounded here too, so a freshly trained model predicts exactly as the same model read back from its file.
        for (var k = 0; k < weights.Length; k++)
            weights[k] = (float)(Half)weights[k];
        this.weights = weights;
        Training = training;
        Version = $"{Format}+{Convert.ToHexStringLower(SHA256.HashData(ParameterBytes()))[..12]}";
    }

    /// <summary><c>triage-model/1+</c> and the first 12 hex digits of the SHA-256 of the parameters.</summary>
    public string Version { get; }

    public TrainingSummary Training { get; }

    public int NonZeroBuckets => Enumerable.Range(0, ModelFeatures.Buckets).Count(IsKept);

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
            ScriptDetector.DetectLanguage(TextNormalizer.Normalize(text)),
            Version);
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

    public void Write(Stream stream)
    {
        var parameters = ParameterBytes();
        var file = new ModelFile(
            Format,
            ModelFeatures.HashBits,
            [.. Classes],
            bias,
            Training,
            Convert.ToBase64String(parameters, Classes.Count * 4, parameters.Length - Classes.Count * 4));
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
        return new TriageModel(file.Bias, weights, file.Training);
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record ModelFile(string Format, int HashBits, string[] Classes, float[] Bias, TrainingSummary Training, string Weights);
}

/// <summary>What a model was trained on and how: counts and settings only, never text.</summary>
public sealed record TrainingSummary(
    IReadOnlyDictionary<string, int> TextsPerCorpus,
    int Seed,
    int Epochs,
    double LearningRate,
    double L2,
    double PruneBelow);

namespace Takedown.Triage;

/// <summary>A labelled text for training or evaluation.</summary>
/// <param name="Category">One of <see cref="TriageModel.Classes"/>.</param>
/// <param name="Corpus">Where it came from (mpold, mlma-ar, mlma-en, davidson, overrides): balancing and per-corpus metrics.</param>
public sealed record LabelledText(string Text, string Category, string Corpus);

/// <param name="ClassBalance">
/// 0 trains on the corpora's own class frequencies, 1 weights every class of a corpus equally; in between, the
/// inverse frequency raised to this power.
/// </param>
/// <param name="CorpusBalance">The same for corpora: 1 gives every corpus the same total weight, so 25k English tweets
/// do not drown 4k Arabic comments.</param>
public sealed record TrainerOptions(
    int Seed = 42,
    int Epochs = 8,
    double LearningRate = 0.5,
    double L2 = 1e-4,
    double PruneBelow = 0.2,
    double ClassBalance = 0.5,
    double CorpusBalance = 0.5);

/// <summary>
/// Trains <see cref="TriageModel"/>: softmax regression by AdaGrad stochastic gradient descent with L2
/// regularisation, then prunes weights below <see cref="TrainerOptions.PruneBelow"/> in magnitude to keep the
/// committed file small. Single-threaded and seeded, so the same data and options give the same model bit for bit.
/// </summary>
public static class ModelTrainer
{
    public static TriageModel Train(IReadOnlyList<LabelledText> data, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        var classes = TriageModel.Classes.Count;
        var classIndex = TriageModel.Classes.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i);
        var unknown = data.FirstOrDefault(d => !classIndex.ContainsKey(d.Category));
        if (unknown is not null)
            throw new ArgumentException($"category '{unknown.Category}' (corpus {unknown.Corpus}) is not one the model learns");
        if (data.Select(d => d.Category).Distinct().Count() < 2)
            throw new ArgumentException("training needs at least two classes");

        var examples = data
            .Select(d => (Vector: ModelFeatures.Vectorize(ModelFeatures.Extract(d.Text)), Label: classIndex[d.Category]))
            .ToArray();
        var exampleWeights = Weights(data, options);

        var bias = new float[classes];
        var biasSquares = new float[classes];
        var weights = new float[ModelFeatures.Buckets * classes];
        var squares = new float[weights.Length];
        var lambda = (float)options.L2;
        var rate = (float)options.LearningRate;
        const float epsilon = 1e-6f;

        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, examples.Length).ToArray();
        var gradient = new float[classes];
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            random.Shuffle(order);
            foreach (var e in order)
            {
                var ((buckets, values), label) = examples[e];
                var scores = (float[])bias.Clone();
                for (var i = 0; i < buckets.Length; i++)
                {
                    var row = buckets[i] * classes;
                    for (var c = 0; c < classes; c++)
                        scores[c] += values[i] * weights[row + c];
                }
                TriageModel.Softmax(scores);
                for (var c = 0; c < classes; c++)
                    gradient[c] = exampleWeights[e] * (scores[c] - (c == label ? 1f : 0f));

                for (var c = 0; c < classes; c++)
                {
                    biasSquares[c] += gradient[c] * gradient[c];
                    bias[c] -= rate * gradient[c] / (MathF.Sqrt(biasSquares[c]) + epsilon);
                }
                for (var i = 0; i < buckets.Length; i++)
                {
                    var row = buckets[i] * classes;
                    for (var c = 0; c < classes; c++)
                    {
                        var k = row + c;
                        var g = gradient[c] * values[i] + lambda * weights[k];
                        squares[k] += g * g;
                        weights[k] -= rate * g / (MathF.Sqrt(squares[k]) + epsilon);
                    }
                }
            }
        }

        for (var k = 0; k < weights.Length; k++)
        {
            if (Math.Abs(weights[k]) < options.PruneBelow)
                weights[k] = 0;
        }

        var summary = new TrainingSummary(
            data.GroupBy(d => d.Corpus).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            options.Seed, options.Epochs, options.LearningRate, options.L2, options.PruneBelow);
        return new TriageModel(bias, weights, summary);
    }

    // Mean weight 1 over the whole set, so the learning rate means the same whatever the balance settings.
    private static float[] Weights(IReadOnlyList<LabelledText> data, TrainerOptions options)
    {
        var perCorpus = data.GroupBy(d => d.Corpus).ToDictionary(g => g.Key, g => g.Count());
        var perClass = data.GroupBy(d => (d.Corpus, d.Category)).ToDictionary(g => g.Key, g => g.Count());
        var classesPerCorpus = data.GroupBy(d => d.Corpus).ToDictionary(g => g.Key, g => g.Select(d => d.Category).Distinct().Count());
        var raw = data.Select(d =>
        {
            var corpus = Math.Pow((double)data.Count / (perCorpus.Count * perCorpus[d.Corpus]), options.CorpusBalance);
            var cls = Math.Pow((double)perCorpus[d.Corpus] / (classesPerCorpus[d.Corpus] * perClass[(d.Corpus, d.Category)]), options.ClassBalance);
            return corpus * cls;
        }).ToArray();
        var mean = raw.Average();
        return raw.Select(w => (float)(w / mean)).ToArray();
    }
}

using Takedown.Contracts;

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
/// The Arabic binary heads' settings, chosen by macro-F1 on a validation split carved out of the training part
/// (never the test part): NB-SVM log-count-ratio scaling with smoothing <see cref="NbSmoothing"/>, AdaGrad for
/// <see cref="Epochs"/> epochs with the weights averaged over the second half, class-balanced loss.
/// </summary>
public static class HeadOptions
{
    public const int Epochs = 20;
    public const double LearningRate = 0.1;
    public const double L2 = 1e-2;
    public const double NbSmoothing = 1;
    public const double PruneBelow = 0.05;
    public const double ValidationFraction = 0.2;
}

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

        var heads = new List<BinaryHead>();
        var offensive = data.Where(d => HeadCorpora(TriageModel.OffensiveHead).Contains(d.Corpus)).ToList();
        var hateful = data.Where(d => HeadCorpora(TriageModel.HatefulHead).Contains(d.Corpus)).ToList();
        if (offensive.Select(d => d.Category != ContentCategories.NotViolating).Distinct().Count() == 2
            && hateful.Select(d => d.Category == ContentCategories.HateSpeech).Distinct().Count() == 2)
        {
            heads.Add(TrainHead(TriageModel.OffensiveHead, offensive, d => d.Category != ContentCategories.NotViolating, options));
            heads.Add(TrainHead(TriageModel.HatefulHead, hateful, d => d.Category == ContentCategories.HateSpeech, options));
        }
        return new TriageModel(bias, weights, summary, heads);
    }

    /// <summary>Each Arabic head learns from its task's own corpus: MPOLD for offensive, MLMA Arabic for hateful.</summary>
    public static string[] HeadCorpora(string head) =>
        head == TriageModel.OffensiveHead ? [TrainingCorpora.Mpold] : [TrainingCorpora.MlmaArabic];

    /// <summary>
    /// A binary head: class-balanced logistic regression by AdaGrad with averaged weights. The decision threshold is
    /// chosen on a validation split carved (stratified, seeded) out of <paramref name="data"/>, for the best binary
    /// macro-F1, then the head is retrained on all of <paramref name="data"/> and the threshold folded into its bias.
    /// </summary>
    internal static BinaryHead TrainHead(string name, IReadOnlyList<LabelledText> data, Func<LabelledText, bool> positive, TrainerOptions options)
    {
        var (fit, validation) = ModelEvaluation.Split(data, options.Seed + 1, HeadOptions.ValidationFraction);
        var probe = FitHead(name, fit, positive, options, 0);
        var scored = validation.Select(d =>
        {
            var (b, v) = ModelFeatures.Vectorize(ModelFeatures.ExtractForHeads(d.Text));
            return (Score: probe.Score(b, v), Positive: positive(d));
        }).ToList();
        var threshold = 0f;
        var bestF1 = -1.0;
        foreach (var t in scored.Select(s => s.Score).Distinct().Order())
        {
            int tp = 0, fp = 0, fn = 0, tn = 0;
            foreach (var (score, isPositive) in scored)
            {
                var predicted = score >= t;
                if (predicted && isPositive) tp++;
                else if (predicted) fp++;
                else if (isPositive) fn++;
                else tn++;
            }
            var f1 = (F1(tp, fp, fn) + F1(tn, fn, fp)) / 2;
            if (f1 > bestF1)
            {
                bestF1 = f1;
                threshold = t;
            }
        }
        return FitHead(name, data, positive, options, threshold);
    }

    private static double F1(int tp, int fp, int fn) => tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);

    private static BinaryHead FitHead(string name, IReadOnlyList<LabelledText> data, Func<LabelledText, bool> positive, TrainerOptions options, float threshold)
    {
        var examples = data.Select(d => (Vector: ModelFeatures.Vectorize(ModelFeatures.ExtractForHeads(d.Text)), Label: positive(d))).ToArray();
        var positives = examples.Count(e => e.Label);
        // Class-balanced: each side of the decision carries half the total weight.
        var positiveWeight = (float)(examples.Length / (2.0 * positives));
        var negativeWeight = (float)(examples.Length / (2.0 * (examples.Length - positives)));
        var epochs = HeadOptions.Epochs;
        var rate = (float)HeadOptions.LearningRate;
        var lambda = (float)HeadOptions.L2;
        const float epsilon = 1e-6f;

        // NB-SVM (Wang & Manning 2012): scale each feature by its log-count ratio between the classes; the ratio is
        // folded into the stored weights, so prediction multiplies the raw features by them as for any linear model.
        var ratio = new float[ModelFeatures.Buckets];
        Array.Fill(ratio, 1f);
        const double nb = HeadOptions.NbSmoothing;
        {
            var p = new double[ratio.Length];
            var q = new double[ratio.Length];
            foreach (var ((buckets, _), label) in examples)
            {
                foreach (var b in buckets)
                    (label ? p : q)[b] += 1;
            }
            double pSum = p.Sum() + p.Length * nb, qSum = q.Sum() + q.Length * nb;
            for (var k = 0; k < ratio.Length; k++)
            {
                if (p[k] + q[k] > 0)
                    ratio[k] = (float)Math.Log((p[k] + nb) / pSum / ((q[k] + nb) / qSum));
            }
            examples = examples.Select(e => ((e.Vector.Buckets, e.Vector.Values.Select((v, i) => v * ratio[e.Vector.Buckets[i]]).ToArray()), e.Label)).ToArray();
        }

        var weights = new float[ModelFeatures.Buckets];
        var squares = new float[weights.Length];
        var sums = new double[weights.Length];
        float bias = 0, biasSquare = 0;
        double biasSum = 0;
        var steps = 0;
        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, examples.Length).ToArray();
        var averageFrom = epochs / 2;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle(order);
            foreach (var e in order)
            {
                var ((buckets, values), label) = examples[e];
                var score = bias;
                for (var i = 0; i < buckets.Length; i++)
                    score += values[i] * weights[buckets[i]];
                var p = 1f / (1f + MathF.Exp(-score));
                var g0 = (label ? positiveWeight : negativeWeight) * (p - (label ? 1f : 0f));
                biasSquare += g0 * g0;
                bias -= rate * g0 / (MathF.Sqrt(biasSquare) + epsilon);
                for (var i = 0; i < buckets.Length; i++)
                {
                    var k = buckets[i];
                    var g = g0 * values[i] + lambda * weights[k];
                    squares[k] += g * g;
                    weights[k] -= rate * g / (MathF.Sqrt(squares[k]) + epsilon);
                }
            }
            if (epoch >= averageFrom)
            {
                // Averaged per epoch (Polyak): steadier than the last iterate of SGD.
                for (var k = 0; k < weights.Length; k++)
                    sums[k] += weights[k];
                biasSum += bias;
                steps++;
            }
        }
        var prune = HeadOptions.PruneBelow;
        var averaged = new float[weights.Length];
        for (var k = 0; k < weights.Length; k++)
        {
            var w = (float)(sums[k] / steps) * ratio[k];
            averaged[k] = Math.Abs(w) < prune ? 0 : w;
        }
        return new BinaryHead(name, (float)(biasSum / steps) - threshold, averaged);
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

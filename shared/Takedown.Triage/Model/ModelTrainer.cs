using Takedown.Contracts;
using Takedown.Text;

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
/// An Arabic binary head's settings, chosen by 5-fold cross-validated macro-F1 on the training part (never the test
/// part): NB-SVM log-count-ratio scaling with smoothing <paramref name="NbSmoothing"/>, optionally IDF weighting,
/// L2-regularised logistic regression with cost <paramref name="C"/> (larger: weaker regularisation), class-balanced.
/// </summary>
/// <param name="Idf">Scale each feature by its inverse document frequency in the head's training rows before the
/// unit-length scaling; the IDF table is stored with the head because the scaling needs it at prediction.</param>
/// <param name="Auxiliary">Another corpus whose rows (labelled for the same question) are added to the training rows, or null.
/// Every feature then also gets a copy per domain (the head's own corpus or the auxiliary one), so the shared copy learns
/// what holds in both and the domain copy what holds in one (Daumé 2007); prediction uses the shared and own-domain copies.</param>
/// <param name="LexiconWeight">How many times each <see cref="FeatureLexicon"/> family feature counts among the n-grams
/// (a text has hundreds of n-grams, so a single count would be lost after the unit-length scaling); 0 leaves them out.</param>
public sealed record HeadSettings(double C, double NbSmoothing, bool Idf, string? Auxiliary = null, double PruneBelow = 0.01, int LexiconWeight = 0)
{
    /// <summary>Folds of the training rows whose out-of-fold scores choose the decision threshold.</summary>
    public const int ThresholdFolds = 5;

    /// <summary>Passes of dual coordinate descent; the objective changes by well under 0.1% after 30.</summary>
    public const int Iterations = 30;

    public static HeadSettings For(string head) => head == TriageModel.OffensiveHead
        ? new HeadSettings(C: 10, NbSmoothing: 1, Idf: true, LexiconWeight: 3)
        : new HeadSettings(C: 1, NbSmoothing: 0.3, Idf: false, Auxiliary: TrainingCorpora.Mpold);
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
        var offensive = HeadRows(data, TriageModel.OffensiveHead);
        var hateful = HeadRows(data, TriageModel.HatefulHead);
        if (offensive.Select(d => d.Category != ContentCategories.NotViolating).Distinct().Count() == 2
            && hateful.Select(d => d.Category == ContentCategories.HateSpeech).Distinct().Count() == 2)
        {
            heads.Add(TrainHead(TriageModel.OffensiveHead, offensive, Auxiliary(data, TriageModel.OffensiveHead), d => d.Category != ContentCategories.NotViolating, options));
            heads.Add(TrainHead(TriageModel.HatefulHead, hateful, Auxiliary(data, TriageModel.HatefulHead), d => d.Category == ContentCategories.HateSpeech, options));
        }
        return new TriageModel(bias, weights, summary, heads);
    }

    /// <summary>Each Arabic head learns from its task's own corpus: MPOLD for offensive, MLMA Arabic for hateful.</summary>
    public static string[] HeadCorpora(string head) =>
        head == TriageModel.OffensiveHead ? [TrainingCorpora.Mpold] : [TrainingCorpora.MlmaArabic];

    // The head's corpus and the analysts' overrides of Arabic text (the heads decide Arabic text, so they must learn them).
    private static List<LabelledText> HeadRows(IReadOnlyList<LabelledText> data, string head) =>
        data.Where(d => HeadCorpora(head).Contains(d.Corpus)
            || (d.Corpus == TrainingCorpora.Overrides && ScriptDetector.DetectLanguage(TextNormalizer.Normalize(d.Text)) == ScriptDetector.Arabic)).ToList();

    private static List<LabelledText> Auxiliary(IReadOnlyList<LabelledText> data, string head) =>
        HeadSettings.For(head).Auxiliary is { } corpus ? data.Where(d => d.Corpus == corpus).ToList() : [];

    /// <summary>
    /// A binary head: class-balanced NB-scaled logistic regression (<see cref="FitHead"/>). The decision threshold is the
    /// one with the best binary macro-F1 over out-of-fold scores of <see cref="HeadSettings.ThresholdFolds"/> stratified,
    /// seeded folds of <paramref name="data"/>; the head is then trained on all of <paramref name="data"/> and the
    /// threshold folded into its bias.
    /// </summary>
    internal static BinaryHead TrainHead(string name, IReadOnlyList<LabelledText> data, IReadOnlyList<LabelledText> auxiliary, Func<LabelledText, bool> positive, TrainerOptions options)
    {
        var settings = HeadSettings.For(name);
        var features = data.Select(d => ModelFeatures.ExtractForHeads(d.Text)).ToArray();
        var labels = data.Select(positive).ToArray();
        // Auxiliary rows train every fold; only the head's own rows are held out and scored.
        var extra = auxiliary.Select(d => new HeadExample(ModelFeatures.ExtractForHeads(d.Text), positive(d), Auxiliary: true)).ToArray();
        var fold = Folds(labels, HeadSettings.ThresholdFolds, options.Seed + 1);
        var scored = new List<(float Score, bool Positive)>();
        for (var k = 0; k < HeadSettings.ThresholdFolds; k++)
        {
            var fit = Enumerable.Range(0, data.Count).Where(i => fold[i] != k).Select(i => new HeadExample(features[i], labels[i], false));
            var probe = FitHead(name, [.. fit, .. extra], settings, options.Seed, 0);
            scored.AddRange(Enumerable.Range(0, data.Count).Where(i => fold[i] == k).Select(i => (probe.Score(features[i]), labels[i])));
        }
        var all = features.Select((f, i) => new HeadExample(f, labels[i], false));
        return FitHead(name, [.. all, .. extra], settings, options.Seed, BestThreshold(scored));
    }

    private sealed record HeadExample(List<TextFeature> Features, bool Positive, bool Auxiliary);

    // Stratified: each class dealt round-robin into the folds after a seeded shuffle.
    private static int[] Folds(bool[] labels, int folds, int seed)
    {
        var fold = new int[labels.Length];
        foreach (var side in new[] { false, true })
        {
            var indices = Enumerable.Range(0, labels.Length).Where(i => labels[i] == side).ToArray();
            new Random(seed + (side ? 1 : 0)).Shuffle(indices);
            for (var j = 0; j < indices.Length; j++)
                fold[indices[j]] = j % folds;
        }
        return fold;
    }

    // The score at which "positive from here up" gives the best macro-F1 of the two sides.
    private static float BestThreshold(List<(float Score, bool Positive)> scored)
    {
        var sorted = scored.OrderByDescending(s => s.Score).ToList();
        int positives = sorted.Count(s => s.Positive), negatives = sorted.Count - positives;
        int tp = 0, fp = 0;
        var best = -1.0;
        var threshold = 0f;
        for (var i = 0; i < sorted.Count; i++)
        {
            if (sorted[i].Positive) tp++;
            else fp++;
            if (i + 1 < sorted.Count && sorted[i + 1].Score == sorted[i].Score)
                continue;
            int fn = positives - tp, tn = negatives - fp;
            var f1 = (F1(tp, fp, fn) + F1(tn, fn, fp)) / 2;
            if (f1 > best)
            {
                best = f1;
                // Midway to the next lower score, so a text scoring exactly like a validation text falls on the same side.
                threshold = i + 1 < sorted.Count ? (sorted[i].Score + sorted[i + 1].Score) / 2 : sorted[i].Score;
            }
        }
        return threshold;
    }

    private static double F1(int tp, int fp, int fn) => tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);

    /// <summary>
    /// L2-regularised logistic regression solved in the dual by coordinate descent (Yu, Huang and Lin 2011): exact up to
    /// convergence, no learning rate to tune, deterministic for a seed. Features are NB-scaled (Wang and Manning 2012):
    /// multiplied by their log-count ratio between the classes, which is folded into the stored weights.
    /// </summary>
    private static BinaryHead FitHead(string name, List<HeadExample> rows, HeadSettings settings, int seed, float threshold)
    {
        var idf = settings.Idf ? InverseDocumentFrequency(rows.Select(r => r.Features).ToArray()) : null;
        var head = new BinaryHead(name, 0, new float[ModelFeatures.Buckets], idf, DomainCopies: settings.Auxiliary is not null, settings.LexiconWeight);
        var examples = rows.Select(r => head.Vectorize(r.Features, r.Auxiliary)).ToArray();
        var labels = rows.Select(r => r.Positive).ToArray();
        var positives = labels.Count(l => l);
        // Class-balanced: each side of the decision carries half the total cost.
        var positiveCost = settings.C * labels.Length / (2.0 * positives);
        var negativeCost = settings.C * labels.Length / (2.0 * (labels.Length - positives));

        var ratio = new float[ModelFeatures.Buckets];
        {
            var p = new double[ratio.Length];
            var q = new double[ratio.Length];
            for (var e = 0; e < examples.Length; e++)
            {
                foreach (var b in examples[e].Buckets)
                    (labels[e] ? p : q)[b] += 1;
            }
            var nb = settings.NbSmoothing;
            double pSum = p.Sum() + p.Length * nb, qSum = q.Sum() + q.Length * nb;
            for (var k = 0; k < ratio.Length; k++)
            {
                if (p[k] + q[k] > 0)
                    ratio[k] = (float)Math.Log((p[k] + nb) / pSum / ((q[k] + nb) / qSum));
            }
        }
        var scaled = examples.Select(e => (e.Buckets, Values: e.Values.Select((v, i) => (double)v * ratio[e.Buckets[i]]).ToArray())).ToArray();

        // The bias is the weight of a constant feature 1, regularised like the rest (as in LIBLINEAR).
        var w = new double[ModelFeatures.Buckets];
        double bias = 0;
        var alpha = new double[scaled.Length];
        var squaredNorms = scaled.Select(e => e.Values.Sum(v => v * v) + 1).ToArray();
        for (var e = 0; e < scaled.Length; e++)
        {
            var cost = labels[e] ? positiveCost : negativeCost;
            alpha[e] = Math.Min(1e-3 * cost, 1e-8);
            var y = labels[e] ? 1.0 : -1.0;
            var (buckets, values) = scaled[e];
            for (var i = 0; i < buckets.Length; i++)
                w[buckets[i]] += y * alpha[e] * values[i];
            bias += y * alpha[e];
        }
        var random = new Random(seed);
        var order = Enumerable.Range(0, scaled.Length).ToArray();
        for (var iteration = 0; iteration < HeadSettings.Iterations; iteration++)
        {
            random.Shuffle(order);
            foreach (var e in order)
            {
                var y = labels[e] ? 1.0 : -1.0;
                var cost = labels[e] ? positiveCost : negativeCost;
                var (buckets, values) = scaled[e];
                var margin = bias;
                for (var i = 0; i < buckets.Length; i++)
                    margin += values[i] * w[buckets[i]];
                margin *= y;
                // Newton's method on the one-variable sub-problem, kept inside (0, cost).
                double old = alpha[e], z = old, q = squaredNorms[e];
                for (var step = 0; step < 10; step++)
                {
                    var gradient = q * (z - old) + margin + Math.Log(z / (cost - z));
                    var curvature = q + cost / (z * (cost - z));
                    var next = z - gradient / curvature;
                    if (next <= 0)
                        next = z / 10;
                    else if (next >= cost)
                        next = (z + cost) / 2;
                    var converged = Math.Abs(next - z) < 1e-10;
                    z = next;
                    if (converged)
                        break;
                }
                alpha[e] = z;
                var delta = (z - old) * y;
                for (var i = 0; i < buckets.Length; i++)
                    w[buckets[i]] += delta * values[i];
                bias += delta;
            }
        }

        var weights = head.Weights;
        for (var k = 0; k < weights.Length; k++)
        {
            var folded = (float)(w[k] * ratio[k]);
            weights[k] = Math.Abs(folded) < settings.PruneBelow ? 0 : folded;
        }
        return head with { Bias = (float)bias - threshold };
    }

    // log((1 + N) / (1 + df)) + 1 per bucket; buckets no training row has get the value of df = 0.
    private static float[] InverseDocumentFrequency(List<TextFeature>[] features)
    {
        var df = new int[ModelFeatures.Buckets];
        foreach (var text in features)
        {
            foreach (var bucket in text.Select(f => f.Bucket).Distinct())
                df[bucket]++;
        }
        return df.Select(d => (float)(Math.Log((1.0 + features.Length) / (1.0 + d)) + 1)).ToArray();
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

using System.Diagnostics;
using Takedown.Contracts;

namespace Takedown.Triage;

/// <summary>Counts of (actual, predicted) over a fixed label set, and the scores derived from them.</summary>
public sealed class ConfusionMatrix
{
    private readonly int[,] counts;

    public ConfusionMatrix(IReadOnlyList<string> labels)
    {
        Labels = labels;
        counts = new int[labels.Count, labels.Count];
    }

    public IReadOnlyList<string> Labels { get; }

    public int Total { get; private set; }

    public int this[string actual, string predicted] => counts[Index(actual), Index(predicted)];

    public void Add(string actual, string predicted)
    {
        counts[Index(actual), Index(predicted)]++;
        Total++;
    }

    public double Precision(string label)
    {
        var predicted = Labels.Sum(a => this[a, label]);
        return predicted == 0 ? 0 : (double)this[label, label] / predicted;
    }

    public double Recall(string label)
    {
        var actual = Labels.Sum(p => this[label, p]);
        return actual == 0 ? 0 : (double)this[label, label] / actual;
    }

    public double F1(string label)
    {
        double p = Precision(label), r = Recall(label);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    public int Support(string label) => Labels.Sum(p => this[label, p]);

    /// <summary>Mean F1 over the labels that occur in the data (a label absent from both sides says nothing).</summary>
    public double MacroF1 =>
        Labels.Where(l => Support(l) > 0 || Labels.Sum(a => this[a, l]) > 0).Select(F1).DefaultIfEmpty(0).Average();

    public double Accuracy => Total == 0 ? 0 : (double)Labels.Sum(l => this[l, l]) / Total;

    private int Index(string label)
    {
        for (var i = 0; i < Labels.Count; i++)
        {
            if (Labels[i] == label)
                return i;
        }
        throw new ArgumentException($"label '{label}' is not in this matrix");
    }
}

/// <summary>A two-class reading of the three classes, as the targets are stated.</summary>
/// <param name="Positive">Which of the model's classes count as the positive side.</param>
/// <param name="Target">The macro-F1 the model must reach on <paramref name="Corpus"/>.</param>
public sealed record BinaryView(string Name, string Corpus, string PositiveLabel, string NegativeLabel, IReadOnlySet<string> Positive, double Target)
{
    public string Map(string category) => Positive.Contains(category) ? PositiveLabel : NegativeLabel;

    public static readonly IReadOnlyList<BinaryView> Targets =
    [
        new("Arabic offensive vs not (MPOLD)", TrainingCorpora.Mpold, "offensive", "not-offensive",
            new HashSet<string> { ContentCategories.Abusive, ContentCategories.HateSpeech }, 0.80),
        new("Hateful vs rest (MLMA Arabic)", TrainingCorpora.MlmaArabic, "hateful", "not-hateful",
            new HashSet<string> { ContentCategories.HateSpeech }, 0.70),
    ];
}

/// <summary>One classifier's matrices on one corpus's test part: three classes and the binary views.</summary>
public sealed record CorpusScores(string Corpus, string Classifier, ConfusionMatrix Classes, IReadOnlyDictionary<string, ConfusionMatrix> Binary);

public sealed record EvaluationResult(
    int TrainCount,
    int TestCount,
    IReadOnlyList<CorpusScores> Scores,
    double TextsPerSecond,
    double P50Milliseconds,
    double P99Milliseconds,
    string ModelVersion,
    int NonZeroBuckets,
    IReadOnlyDictionary<string, int> HeadWeights);

/// <summary>
/// Held-out evaluation: a stratified split of every corpus (same seed, same split each run), one model trained on all
/// the training parts together, and on each test part the model beside a majority-class baseline (the corpus's most
/// frequent training class) and the lexicon (<see cref="KeywordTriage"/>) mapped to the same classes.
/// </summary>
public static class ModelEvaluation
{
    public const string Model = "model";
    public const string Majority = "majority class";
    public const string Lexicon = "lexicon";

    public static (List<LabelledText> Train, List<LabelledText> Test) Split(IReadOnlyList<LabelledText> data, int seed, double testFraction = 0.2)
    {
        List<LabelledText> train = [], test = [];
        foreach (var group in data.GroupBy(d => (d.Corpus, d.Category)).OrderBy(g => g.Key.Corpus, StringComparer.Ordinal).ThenBy(g => g.Key.Category, StringComparer.Ordinal))
        {
            var items = group.ToArray();
            // A generator per corpus and class, so a corpus's split does not change when other corpora are added or left out.
            new Random(seed ^ ModelFeatures.Bucket($"{group.Key.Corpus}/{group.Key.Category}")).Shuffle(items);
            var testCount = (int)Math.Round(items.Length * testFraction);
            test.AddRange(items.Take(testCount));
            train.AddRange(items.Skip(testCount));
        }
        return (train, test);
    }

    /// <summary>The lexicon's six categories read as the model's three: threats, targeting and propaganda are hostile but not hate, so abusive.</summary>
    public static string LexiconAsModelClass(string category) => category switch
    {
        ContentCategories.HateSpeech => ContentCategories.HateSpeech,
        ContentCategories.NotViolating => ContentCategories.NotViolating,
        // Only for a language the lexicon does not read: a question, not a finding.
        ContentCategories.NeedsReview => ContentCategories.NotViolating,
        _ => ContentCategories.Abusive,
    };

    public static EvaluationResult Run(IReadOnlyList<LabelledText> data, TrainerOptions options)
    {
        var (train, test) = Split(data, options.Seed);
        var model = ModelTrainer.Train(train, options);

        var predictions = new string[test.Count];
        var latencies = new double[test.Count];
        foreach (var warmUp in test.Take(200))
            model.Predict(warmUp.Text);
        var total = Stopwatch.StartNew();
        for (var i = 0; i < test.Count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            predictions[i] = model.Predict(test[i].Text).Category;
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        total.Stop();
        Array.Sort(latencies);

        var scores = new List<CorpusScores>();
        foreach (var corpus in test.Select(t => t.Corpus).Distinct().Order(StringComparer.Ordinal))
        {
            var indices = Enumerable.Range(0, test.Count).Where(i => test[i].Corpus == corpus).ToList();
            var majority = train.Where(t => t.Corpus == corpus).GroupBy(t => t.Category)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
            var classifiers = new (string Name, Func<int, string> Predict)[]
            {
                (Model, i => predictions[i]),
                (Majority, _ => majority),
                (Lexicon, i => LexiconAsModelClass(KeywordTriage.Classify(test[i].Text).Category)),
            };
            foreach (var (name, predict) in classifiers)
            {
                var matrix = new ConfusionMatrix(TriageModel.Classes);
                var views = BinaryView.Targets.Where(v => v.Corpus == corpus)
                    .ToDictionary(v => v.Name, v => new ConfusionMatrix([v.PositiveLabel, v.NegativeLabel]));
                foreach (var i in indices)
                {
                    var predicted = predict(i);
                    matrix.Add(test[i].Category, predicted);
                    foreach (var view in BinaryView.Targets.Where(v => v.Corpus == corpus))
                        views[view.Name].Add(view.Map(test[i].Category), view.Map(predicted));
                }
                scores.Add(new CorpusScores(corpus, name, matrix, views));
            }
        }

        return new EvaluationResult(
            train.Count,
            test.Count,
            scores,
            test.Count / total.Elapsed.TotalSeconds,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            model.Version,
            model.NonZeroBuckets,
            model.HeadWeights);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

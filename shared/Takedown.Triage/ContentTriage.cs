using System.Globalization;
using Takedown.Contracts;

namespace Takedown.Triage;

/// <summary>
/// The classifier the Classification service and <c>takedown classify</c> run: the lexicon decides what no labelled
/// data covers (threats, targeting, propaganda, and named slurs), the trained model decides between hate speech,
/// abusive language and neither, and reporting context keeps news about violence out of the queues.
/// </summary>
public static class ContentTriage
{
    private static readonly Lazy<string> VersionOfBoth = new(() => $"{KeywordTriage.ModelVersion}+{KeywordRules.Version}+{TriageModel.Load().Version}");

    /// <summary>The lexicon's and the model's versions; goes into every ContentClassified.</summary>
    public static string ModelVersion => VersionOfBoth.Value;

    // The model alone flags only from this probability. On the development set's tune part every model-only flag below it
    // was a false positive (news and everyday prose at 0.39–0.85), and insults the lexicon lacks score 0.54–0.84 too:
    // below it the probability does not tell them apart, so a person must (issue 16).
    public const double ModelAloneFlagsAt = 0.9;

    // Under this the model's own class barely wins among three: no evidence at all.
    public const double ModelAloneIsEvidenceFrom = 0.5;

    public static TriageResult Classify(string? text)
    {
        var lexicon = KeywordTriage.Classify(text);
        // The model was trained on Arabic and English only: on Persian or Urdu its n-grams are noise.
        if (string.IsNullOrWhiteSpace(text) || lexicon.Category == ContentCategories.NeedsReview)
            return lexicon;

        var model = TriageModel.Load().Predict(text);
        var modelSays = string.Create(CultureInfo.InvariantCulture,
            $"model: {model.Category} {model.Probability:0.00} ({string.Join(", ", model.TopFeatures.Select(f => f.Feature))})");
        var explanation = lexicon.Explanation.Append(modelSays).ToList();

        // Threats, targeting and propaganda come only from the lexicon; a model trained on insults cannot outrank them.
        if (lexicon.Category is ContentCategories.IncitementThreatToLife or ContentCategories.TargetingOfIndividuals or ContentCategories.TerroristPropaganda)
            return lexicon with { Explanation = explanation };

        // A report about violence or hate is not itself hate: the lexicon saw reporting language and nothing the author said.
        if (lexicon.Category == ContentCategories.NotViolating && lexicon.ReportingContext)
            return lexicon with { Explanation = explanation };

        var (category, confidence) = (lexicon.Category, model.Category) switch
        {
            // The lexicon's named slurs are precise; the model can confirm them but not downgrade them.
            (ContentCategories.HateSpeech, _) => (ContentCategories.HateSpeech, Math.Max(lexicon.Confidence, model.Probabilities[ContentCategories.HateSpeech])),
            // A known insult stays abuse: hate speech needs a group, which the lexicon's group rule checks, and the
            // Arabic hateful head also scores ordinary insults high (MLMA's hateful tweets are full of them).
            (ContentCategories.Abusive, _) => (ContentCategories.Abusive, Math.Max(lexicon.Confidence, model.Probabilities[ContentCategories.Abusive])),
            // No rule fired: the model decides.
            (_, var predicted) => (predicted, model.Probability),
        };
        if (lexicon.Category == ContentCategories.NotViolating && category != ContentCategories.NotViolating && model.Probability < ModelAloneFlagsAt)
            return WeakModelOnly(lexicon, explanation, model.Probability);
        return lexicon with
        {
            Category = category,
            Severity = category == ContentCategories.HateSpeech ? "P2" : "P3",
            Confidence = Math.Round(confidence, 2),
            Explanation = explanation,
        };
    }

    // A weak model score with no rule behind it: a question for an analyst when the text speaks to someone (abuse is
    // addressed), otherwise not acted on (news and everyday prose are third person).
    private static TriageResult WeakModelOnly(TriageResult lexicon, List<string> explanation, double probability)
    {
        var review = lexicon.AddressesSomeone && probability >= ModelAloneIsEvidenceFrom;
        var why = review ? $"below {ModelAloneFlagsAt:0.00}, on text addressed to someone: needs review"
            : probability < ModelAloneIsEvidenceFrom ? $"below {ModelAloneIsEvidenceFrom:0.00}: not acted on"
            : $"below {ModelAloneFlagsAt:0.00}, on text addressed to no one: not acted on";
        explanation.Add(FormattableString.Invariant($"model alone, {why}"));
        return lexicon with
        {
            Category = review ? ContentCategories.NeedsReview : ContentCategories.NotViolating,
            Severity = "P3",
            // Not acted on is no clean bill either: the more the model leaned to a violation, the lower the confidence.
            Confidence = Math.Round(review ? probability : Math.Min(lexicon.Confidence, 1 - probability), 2),
            Explanation = explanation,
        };
    }
}

using Takedown.Contracts;
using Takedown.Text;

namespace Takedown.Triage;

/// <param name="Category">One of <see cref="ContentCategories"/>.</param>
/// <param name="Severity">P0 (imminent threat to life) to P3.</param>
/// <param name="Explanation">The phrases and rules that drove the decision, for analysts.</param>
public sealed record TriageResult(string Category, string Severity, double Confidence, string Language, IReadOnlyList<string> Explanation)
{
    /// <summary>The text reads as reporting (news framing, attribution, condemnation).</summary>
    public bool ReportingContext { get; init; }
}

/// <summary>
/// The first, rule-based classifier: matches the <see cref="KeywordRules"/> table over normalised tokens, lets
/// reporting language (news framing, attribution, condemnation) excuse names and quoted threats, and picks the most
/// severe category left. A triage for analysts' queues, not a verdict: the explanation says what fired.
/// </summary>
public static class KeywordTriage
{
    public const string ModelVersion = "keyword-rules/1";

    // Keyword absence is weak evidence: unseen phrasing passes unnoticed.
    private const double NothingFoundConfidence = 0.6;
    private const double ReportedOnlyConfidence = 0.55;
    private const double CombinationBoost = 0.1;
    private const double PerExtraPhrase = 0.05;
    private const double MaximumConfidence = 0.95;

    // Most severe first; the first category with an effective hit decides.
    private static readonly (string Category, string Severity, string[] Families)[] Categories =
    [
        (ContentCategories.IncitementThreatToLife, "P0", [KeywordRules.ThreatToKill]),
        (ContentCategories.TargetingOfIndividuals, "P1", [KeywordRules.TargetingLabel, KeywordRules.ExposingLocation]),
        (ContentCategories.TerroristPropaganda, "P1", [KeywordRules.PropagandaOrganisation, KeywordRules.PropagandaFormula]),
        (ContentCategories.HateSpeech, "P2", [KeywordRules.HateSpeech]),
        (ContentCategories.Abusive, "P3", [KeywordRules.Abusive]),
    ];

    private static readonly ILookup<string, KeywordRule> PhrasesByFirstToken =
        KeywordRules.Phrases.ToLookup(r => r.Tokens[0], StringComparer.Ordinal);
    private static readonly ILookup<string, KeywordRule> ContextByFirstToken =
        KeywordRules.Context.ToLookup(r => r.Tokens[0], StringComparer.Ordinal);

    public static TriageResult Classify(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return new TriageResult(ContentCategories.NotViolating, "P3", NothingFoundConfidence, ScriptDetector.Undetermined, ["no text"]);

        var normalized = TextNormalizer.Normalize(text);
        var language = ScriptDetector.DetectLanguage(normalized);
        var tokens = TokensWithQuotes(normalized);

        var hits = WithoutContainedHits([.. Match(tokens, PhrasesByFirstToken), .. GroupHate(tokens)])
            .OrderBy(h => h.Start)
            .ToList();
        // Words inside a finding are not context: وكالة in وكالة أعماق is the outlet's name, not news framing.
        var covered = hits.SelectMany(h => h.Positions).ToHashSet();
        var context = WithoutContainedHits(Match(tokens, ContextByFirstToken))
            .Where(h => !h.Quoted && !h.Positions.Any(covered.Contains))
            .Select(h => h.Rule.Family)
            .Distinct()
            .ToList();

        var excused = context.Count > 0 ? hits.Where(IsExcusedByReporting).ToList() : [];
        var effective = hits.Except(excused).ToList();
        // Outsider names (داعش, ISIS) say nothing about the author's stance unless propaganda wording accompanies them.
        var uncorroborated = effective.Any(h => IsPropaganda(h) && !h.Rule.NeedsCorroboration)
            ? []
            : effective.Where(h => h.Rule.NeedsCorroboration).ToList();
        effective = effective.Except(uncorroborated).ToList();

        var explanation = effective.Select(Describe)
            .Concat(excused.Select(h => $"{Describe(h)} (discounted: reported, quoted or condemned)"))
            .Concat(uncorroborated.Select(h => $"{Describe(h)} (a name alone, without propaganda wording)"))
            .Concat(context.Select(family => $"context: {family} (lowers score)"))
            .Distinct()
            .ToList();
        if (context.Count > 0 && effective.Any(h => h.Rule.Family == KeywordRules.ThreatToKill && h.Rule.Direct))
            explanation.Add("direct threat outside quotes: reporting context does not excuse it");

        foreach (var (category, severity, families) in Categories)
        {
            var decisive = effective.Where(h => families.Contains(h.Rule.Family)).ToList();
            if (decisive.Count == 0)
                continue;
            return new TriageResult(category, severity, Confidence(category, decisive, effective), language, explanation) { ReportingContext = context.Count > 0 };
        }

        explanation.Add(hits.Count > 0 ? "only reported, quoted or named mentions: not violating" : "no rule matched");
        return new TriageResult(ContentCategories.NotViolating, "P3",
            hits.Count > 0 ? ReportedOnlyConfidence : NothingFoundConfidence, language, explanation) { ReportingContext = context.Count > 0 };
    }

    // Reporting context excuses what a report would contain: organisation names, anything in quotes, and
    // third-person threats. A direct threat in the author's own words is never excused.
    private static bool IsExcusedByReporting(Hit hit) =>
        hit.Quoted
        || hit.Rule.Family == KeywordRules.PropagandaOrganisation
        || (hit.Rule.Family == KeywordRules.ThreatToKill && !hit.Rule.Direct);

    private static bool IsPropaganda(Hit hit) =>
        hit.Rule.Family is KeywordRules.PropagandaOrganisation or KeywordRules.PropagandaFormula;

    private static double Confidence(string category, List<Hit> decisive, List<Hit> effective)
    {
        var confidence = decisive.Max(h => h.Rule.Weight)
            + PerExtraPhrase * (decisive.Select(h => h.Rule).Distinct().Count() - 1);
        // A threat aimed at a labelled or located person, or a label with an address, is the pattern that precedes attacks.
        var targeted = effective.Any(h => h.Rule.Family is KeywordRules.TargetingLabel or KeywordRules.ExposingLocation);
        var labelledAndLocated = decisive.Any(h => h.Rule.Family == KeywordRules.TargetingLabel)
            && decisive.Any(h => h.Rule.Family == KeywordRules.ExposingLocation);
        if ((category == ContentCategories.IncitementThreatToLife && targeted)
            || (category == ContentCategories.TargetingOfIndividuals && labelledAndLocated))
            confidence += CombinationBoost;
        return Math.Round(Math.Min(confidence, MaximumConfidence), 2);
    }

    private static string Describe(Hit hit) =>
        hit.Group is null ? $"{hit.Rule.Family}: {hit.Rule.Phrase}" : $"{hit.Rule.Family}: {hit.Rule.Phrase} (about {hit.Group.Phrase})";

    private sealed record Token(string Text, bool Quoted, IReadOnlyList<string> Variants);

    /// <param name="Group">For group hate: the community the term was applied to, at <c>Start</c> or <c>End</c>.</param>
    private sealed record Hit(KeywordRule Rule, int Start, int End, bool Quoted, KeywordRule? Group = null)
    {
        public IEnumerable<int> Positions => Group is null ? Enumerable.Range(Start, End - Start + 1) : [Start, End];
    }

    /// <summary>Tokens of the text, each marked with whether it stands inside "…", “…”, „…“ or «…».</summary>
    private static List<Token> TokensWithQuotes(string normalized)
    {
        var tokens = new List<Token>();
        var inQuote = false;
        int segmentStart = 0, openedAt = 0;
        for (var i = 0; i <= normalized.Length; i++)
        {
            var atEnd = i == normalized.Length;
            if (!atEnd && normalized[i] is not ('"' or '“' or '”' or '«' or '»' or '„'))
                continue;

            foreach (var token in Tokenizer.Tokenize(normalized[segmentStart..i]))
                tokens.Add(new Token(token, inQuote, [.. Tokenizer.StemVariants(token)]));
            if (atEnd)
                break;

            segmentStart = i + 1;
            var opens = normalized[i] switch
            {
                '"' => !inQuote,
                '“' or '«' or '„' => true,
                _ => false,
            };
            if (opens && !inQuote)
                openedAt = tokens.Count;
            inQuote = opens;
        }

        // An unclosed quotation mark is more likely a stray character than a quotation.
        if (inQuote)
        {
            for (var t = openedAt; t < tokens.Count; t++)
                tokens[t] = tokens[t] with { Quoted = false };
        }
        return tokens;
    }

    private static List<Hit> Match(List<Token> tokens, ILookup<string, KeywordRule> rulesByFirstToken)
    {
        var hits = new List<Hit>();
        for (var start = 0; start < tokens.Count; start++)
        {
            foreach (var rule in tokens[start].Variants.SelectMany(v => rulesByFirstToken[v]).Distinct())
            {
                var end = start + rule.Tokens.Count - 1;
                if (end >= tokens.Count)
                    continue;
                var matches = true;
                for (var k = 1; k < rule.Tokens.Count && matches; k++)
                    matches = tokens[start + k].Variants.Contains(rule.Tokens[k]);
                if (matches)
                    hits.Add(new Hit(rule, start, end, Quoted: tokens.Skip(start).Take(end - start + 1).All(t => t.Quoted)));
            }
        }
        return hits;
    }

    /// <summary>A dehumanising term within <see cref="KeywordRules.GroupWindow"/> words of a named community.</summary>
    private static IEnumerable<Hit> GroupHate(List<Token> tokens)
    {
        var groups = tokens.Select(t => KeywordRules.Groups.FirstOrDefault(g => g.Tokens.Count == 1 && t.Variants.Contains(g.Tokens[0]))).ToList();
        for (var i = 0; i < tokens.Count; i++)
        {
            var term = KeywordRules.DehumanisingTerms.FirstOrDefault(d => tokens[i].Variants.Contains(d.Tokens[0]));
            if (term is null)
                continue;
            var from = Math.Max(0, i - KeywordRules.GroupWindow - 1);
            var to = Math.Min(tokens.Count - 1, i + KeywordRules.GroupWindow + 1);
            for (var g = from; g <= to; g++)
            {
                if (groups[g] is not { } group || g == i)
                    continue;
                var (start, end) = g < i ? (g, i) : (i, g);
                yield return new Hit(term, start, end, Quoted: tokens[i].Quoted && tokens[g].Quoted, group);
                break;
            }
        }
    }

    // "عميل" inside "عميل السفارة" is the same finding; keep the longer phrase only. (A group-hate span is not a
    // phrase: words between the group and the term are separate findings.)
    private static List<Hit> WithoutContainedHits(List<Hit> hits) =>
        hits.Where(h => !hits.Any(o => o.Group is null && o.Start <= h.Start && h.End <= o.End && o.End - o.Start > h.End - h.Start))
            .ToList();
}

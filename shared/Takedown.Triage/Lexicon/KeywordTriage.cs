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

    /// <summary>The text speaks to someone (second person, vocative يا): abuse is addressed, news prose is not.</summary>
    public bool AddressesSomeone { get; init; }
}

/// <summary>
/// The rule-based classifier: matches the <see cref="KeywordRules"/> table over normalised tokens, drops negated
/// findings, lets reporting language (news framing, attribution) excuse names, labels and third-person threats and
/// opposing language (condemnation, counter-speech, warnings, removals, analysis) excuse propaganda wording too, and
/// picks the most severe category left. Intent before vocabulary: a threat, a call to kill or a call to find or
/// expose someone decides P0 whatever label comes with it; a label decides targeting; a label on a whole community is
/// hate speech. Text in a language it does not read is <c>needs-review</c>. A triage for analysts' queues, not a
/// verdict: the explanation says what fired and which context rule lowered it.
/// </summary>
public static class KeywordTriage
{
    public const string ModelVersion = "keyword-rules/2";

    // Keyword absence is weak evidence: unseen phrasing passes unnoticed.
    private const double NothingFoundConfidence = 0.6;
    private const double ReportedOnlyConfidence = 0.55;
    private const double UnreadLanguageConfidence = 0.5;
    private const double CombinationBoost = 0.1;
    private const double PerExtraPhrase = 0.05;
    private const double MaximumConfidence = 0.95;

    // A negator this many words before a finding reverses it ("no one deserves to die", "ليسوا حشرات").
    private const int NegationReach = 2;

    // Most severe first; the first category with an effective hit decides. Identifying details decide nothing alone.
    private static readonly (string Category, string Severity, string[] Families)[] Categories =
    [
        (ContentCategories.IncitementThreatToLife, "P0", [KeywordRules.ThreatToKill, KeywordRules.CallToFindOrExpose]),
        (ContentCategories.TargetingOfIndividuals, "P1", [KeywordRules.TargetingLabel]),
        (ContentCategories.TerroristPropaganda, "P1", [KeywordRules.PropagandaOrganisation, KeywordRules.PropagandaFormula]),
        (ContentCategories.HateSpeech, "P2", [KeywordRules.HateSpeech]),
        (ContentCategories.Abusive, "P3", [KeywordRules.Abusive]),
    ];

    private static readonly ILookup<string, KeywordRule> PhrasesByFirstToken =
        KeywordRules.Phrases.ToLookup(r => r.Tokens[0], StringComparer.Ordinal);
    private static readonly ILookup<string, KeywordRule> ContextByFirstToken =
        KeywordRules.Context.ToLookup(r => r.Tokens[0], StringComparer.Ordinal);
    private static readonly ILookup<string, KeywordRule> NegatorsByFirstToken =
        KeywordRules.Negators.ToLookup(r => r.Tokens[0], StringComparer.Ordinal);
    private static readonly ILookup<string, KeywordRule> AddresseesByFirstToken =
        KeywordRules.Addressees.ToLookup(r => r.Tokens[0], StringComparer.Ordinal);
    private static readonly ILookup<string, KeywordRule> DehumanisingByFirstToken =
        KeywordRules.DehumanisingTerms.ToLookup(r => r.Tokens[0], StringComparer.Ordinal);

    public static TriageResult Classify(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return new TriageResult(ContentCategories.NotViolating, "P3", NothingFoundConfidence, ScriptDetector.Undetermined, ["no text"]);

        var language = LanguageIdentifier.Identify(text);
        // Arabic rules on Persian or Urdu misfire and their absence says nothing: never not-violating with confidence.
        if (LanguageIdentifier.IsUnread(text, language))
        {
            return new TriageResult(ContentCategories.NeedsReview, "P2", UnreadLanguageConfidence, language,
                [$"language: {language}: the rules and the model read Arabic and English only, so an analyst must read it"]);
        }
        if (language != ScriptDetector.English)
            language = ScriptDetector.DetectLanguage(TextNormalizer.Normalize(text));

        var tokens = TokensWithQuotes(TextNormalizer.Normalize(text));
        var negators = Match(tokens, NegatorsByFirstToken);
        var found = WithoutContainedHits([.. Match(tokens, PhrasesByFirstToken), .. GroupHate(tokens)]);
        var negated = found.Where(h => IsNegated(h, negators)).ToList();
        var hits = found.Except(negated).OrderBy(h => h.Start).ToList();

        // Words inside a finding are not context: وكالة in وكالة أعماق is the outlet's name, not news framing.
        var covered = hits.SelectMany(h => h.Positions).ToHashSet();
        var contextHits = WithoutContainedHits(Match(tokens, ContextByFirstToken))
            .Where(h => !h.Quoted && !h.Positions.Any(covered.Contains))
            .ToList();
        var context = contextHits.Select(h => h.Rule.Family).Distinct().ToList();
        var opposed = contextHits.Any(h => h.Rule.Opposes);

        // A threat in the author's own words makes the labels and details beside it the author's too: they aim it.
        var ownThreat = hits.Any(h => IsDirect(h) && !h.Quoted);
        var excused = context.Count > 0 ? hits.Where(h => IsExcused(h, opposed) && !(ownThreat && AimsAThreat(h))).ToList() : [];
        var effective = hits.Except(excused).ToList();
        // Outsider names (داعش, ISIS) and outlets say nothing about the author's stance unless propaganda wording accompanies them.
        var uncorroborated = effective.Any(h => IsPropaganda(h) && !h.Rule.NeedsCorroboration)
            ? []
            : effective.Where(h => h.Rule.NeedsCorroboration).ToList();
        effective = effective.Except(uncorroborated).ToList();
        // A label applied to a whole community is a generalisation about it (hate speech), not the targeting of a person.
        var labelsOnCommunities = effective
            .Where(h => h.Rule.Family == KeywordRules.TargetingLabel && effective.Any(g => g.Group is not null && g.Start <= h.Start && h.End <= g.End))
            .ToList();
        // In propaganda wording, labels are the group's names for its enemies (ثكنة للمرتدين): no one findable is targeted.
        var enemyNames = effective.Any(h => h.Rule.Family == KeywordRules.PropagandaFormula) && !effective.Any(h => h.Rule.Family == KeywordRules.IdentifyingDetails)
            ? effective.Where(h => h.Rule.Family == KeywordRules.TargetingLabel).ToList()
            : [];
        effective = effective.Except(labelsOnCommunities).Except(enemyNames).ToList();

        var explanation = effective.Select(Describe)
            .Concat(excused.Select(h => $"{Describe(h)} (discounted: reported, quoted or condemned)"))
            .Concat(uncorroborated.Select(h => $"{Describe(h)} (a name alone, without propaganda wording)"))
            .Concat(negated.Select(h => $"{Describe(h)} (negated)"))
            .Concat(labelsOnCommunities.Select(h => $"{Describe(h)} (said of a whole community: hate speech, not targeting)"))
            .Concat(enemyNames.Select(h => $"{Describe(h)} (the group's name for its enemies, in propaganda wording)"))
            .Concat(context.Select(family => $"context: {family} (lowers score)"))
            .Concat(negated.Count > 0 ? ["context: negation (lowers score)"] : [])
            .Distinct()
            .ToList();
        if (context.Count > 0 && effective.Any(IsDirect))
            explanation.Add("direct threat outside quotes: reporting context does not excuse it");

        // Denying a finding ("refugees are not vermin") is counter-speech: it keeps the model from flagging the words.
        var reporting = context.Count > 0 || negated.Count > 0;
        var addressed = Match(tokens, AddresseesByFirstToken).Count > 0;
        foreach (var (category, severity, families) in Categories)
        {
            var decisive = effective.Where(h => families.Contains(h.Rule.Family)).ToList();
            if (decisive.Count == 0)
                continue;
            return new TriageResult(category, severity, Confidence(category, decisive, effective), language, explanation) { ReportingContext = reporting, AddressesSomeone = addressed };
        }

        explanation.Add(hits.Count + negated.Count > 0 ? "only reported, quoted, negated or named mentions: not violating" : "no rule matched");
        return new TriageResult(ContentCategories.NotViolating, "P3",
            hits.Count + negated.Count > 0 ? ReportedOnlyConfidence : NothingFoundConfidence, language, explanation) { ReportingContext = reporting, AddressesSomeone = addressed };
    }

    // Quotation excuses anything. Reporting excuses what a report would contain: names, labels, identifying details,
    // slurs and third-person threats. Opposing the content (condemning it, warning about it, removing it) excuses
    // propaganda wording too. A threat or call in the author's own words is never excused outside quotes.
    private static bool IsExcused(Hit hit, bool opposed) =>
        hit.Quoted
        || (!IsDirect(hit) && (hit.Rule.Family != KeywordRules.PropagandaFormula || opposed));

    private static bool IsDirect(Hit hit) =>
        hit.Rule.Direct && hit.Rule.Family is KeywordRules.ThreatToKill or KeywordRules.CallToFindOrExpose;

    private static bool AimsAThreat(Hit hit) =>
        !hit.Quoted && hit.Rule.Family is KeywordRules.TargetingLabel or KeywordRules.IdentifyingDetails;

    private static bool IsPropaganda(Hit hit) =>
        hit.Rule.Family is KeywordRules.PropagandaOrganisation or KeywordRules.PropagandaFormula;

    // A negator just before the finding, or for group hate anywhere between the community and the term.
    private static bool IsNegated(Hit hit, List<Hit> negators) =>
        negators.Any(n => n.End < hit.Start && n.End >= hit.Start - NegationReach)
        || (hit.GroupAt >= 0 && negators.Any(n => hit.GroupAt < hit.Start ? n.Start > hit.GroupAt && n.End < hit.Start : n.Start > hit.End && n.End < hit.GroupAt));

    private static double Confidence(string category, List<Hit> decisive, List<Hit> effective)
    {
        var confidence = decisive.Max(h => h.Rule.Weight)
            + PerExtraPhrase * (decisive.Select(h => h.Rule).Distinct().Count() - 1);
        // A threat aimed at a labelled or located person, or a label with an address, is the pattern that precedes attacks.
        var targeted = effective.Any(h => h.Rule.Family is KeywordRules.TargetingLabel or KeywordRules.IdentifyingDetails);
        var labelledAndLocated = decisive.Any(h => h.Rule.Family == KeywordRules.TargetingLabel)
            && effective.Any(h => h.Rule.Family == KeywordRules.IdentifyingDetails);
        if ((category == ContentCategories.IncitementThreatToLife && targeted)
            || (category == ContentCategories.TargetingOfIndividuals && labelledAndLocated))
            confidence += CombinationBoost;
        return Math.Round(Math.Min(confidence, MaximumConfidence), 2);
    }

    private static string Describe(Hit hit) =>
        hit.Group is null ? $"{hit.Rule.Family}: {hit.Rule.Phrase}" : $"{hit.Rule.Family}: {hit.Rule.Phrase} (about {hit.Group.Phrase})";

    private sealed record Token(string Text, bool Quoted, IReadOnlyList<string> Variants);

    /// <param name="Group">For group hate: the community the term (at <c>Start</c>..<c>End</c>) was applied to, at <c>GroupAt</c>.</param>
    private sealed record Hit(KeywordRule Rule, int Start, int End, bool Quoted, KeywordRule? Group = null, int GroupAt = -1)
    {
        public IEnumerable<int> Positions => Group is null ? Enumerable.Range(Start, End - Start + 1) : Enumerable.Range(Start, End - Start + 1).Append(GroupAt);
    }

    // English news quotes with single marks ('we will reach you'); an apostrophe inside a word (don't, militia's) is none.
    private static bool IsQuotationMark(string text, int i) => text[i] switch
    {
        '"' or '“' or '”' or '«' or '»' or '„' => true,
        '\'' or '‘' or '’' => i == 0 || i == text.Length - 1 || !char.IsLetterOrDigit(text[i - 1]) || !char.IsLetterOrDigit(text[i + 1]),
        _ => false,
    };

    /// <summary>Tokens of the text, each marked with whether it stands inside "…", “…”, „…“, «…», '…' or ‘…’.</summary>
    private static List<Token> TokensWithQuotes(string normalized)
    {
        var tokens = new List<Token>();
        var inQuote = false;
        int segmentStart = 0, openedAt = 0;
        for (var i = 0; i <= normalized.Length; i++)
        {
            var atEnd = i == normalized.Length;
            if (!atEnd && !IsQuotationMark(normalized, i))
                continue;

            foreach (var token in Tokenizer.Tokenize(normalized[segmentStart..i]))
                tokens.Add(new Token(token, inQuote, [.. Tokenizer.StemVariants(token)]));
            if (atEnd)
                break;

            segmentStart = i + 1;
            var opens = normalized[i] switch
            {
                '"' or '\'' => !inQuote,
                '“' or '«' or '„' or '‘' => true,
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
                    matches = rule.Tokens[k] == KeywordRule.AnyWord || tokens[start + k].Variants.Contains(rule.Tokens[k]);
                if (matches)
                    hits.Add(new Hit(rule, start, end, Quoted: tokens.Skip(start).Take(end - start + 1).All(t => t.Quoted)));
            }
        }
        return hits;
    }

    /// <summary>A dehumanising term or phrase within <see cref="KeywordRules.GroupWindow"/> words of a named community.</summary>
    private static IEnumerable<Hit> GroupHate(List<Token> tokens)
    {
        var groups = tokens.Select(t => KeywordRules.Groups.FirstOrDefault(g => g.Tokens.Count == 1 && t.Variants.Contains(g.Tokens[0]))).ToList();
        foreach (var term in WithoutContainedHits(Match(tokens, DehumanisingByFirstToken)))
        {
            var from = Math.Max(0, term.Start - KeywordRules.GroupWindow - 1);
            var to = Math.Min(tokens.Count - 1, term.End + KeywordRules.GroupWindow + 1);
            for (var g = from; g <= to; g++)
            {
                if (groups[g] is not { } group || (g >= term.Start && g <= term.End))
                    continue;
                yield return term with { Quoted = term.Quoted && tokens[g].Quoted, Group = group, GroupAt = g };
                break;
            }
        }
    }

    // "عميل" inside "عميل السفارة" is the same finding; keep the longer phrase only. (A group-hate hit's span is its
    // term's; a label inside it is dealt with as a label on a community.)
    private static List<Hit> WithoutContainedHits(List<Hit> hits) =>
        hits.Where(h => !hits.Any(o => o.Group is null && o.Start <= h.Start && h.End <= o.End && o.End - o.Start > h.End - h.Start))
            .DistinctBy(h => (h.Rule.Family, h.Start, h.End, h.GroupAt))   // سنقتل and سنقتلكم on one word are one finding
            .ToList();
}

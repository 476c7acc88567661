using Takedown.Text;

namespace Takedown.Triage;

/// <summary>One phrase of the rule table, kept with its normalised tokens so that spelling variants match.</summary>
/// <param name="Weight">Confidence this phrase alone gives its category.</param>
/// <param name="Direct">A threat in the imperative or first/second person: not excused by reporting context.</param>
/// <param name="NeedsCorroboration">Counts only alongside another propaganda phrase (names outsiders use, e.g. داعش).</param>
/// <param name="Opposes">For context: the author opposes what is named (condemnation, counter-speech, warnings), which
/// excuses even propaganda wording; plain reporting does not.</param>
internal sealed record KeywordRule(string Family, string Phrase, double Weight, bool Direct = false, bool NeedsCorroboration = false, bool Opposes = false)
{
    /// <summary>A phrase word written <c>*</c> matches any one word: "بقي لك * أيام".</summary>
    public const string AnyWord = "*";

    public IReadOnlyList<string> Tokens { get; } =
        [.. Phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries).SelectMany(part => part == AnyWord ? [AnyWord] : Tokenizer.Tokenize(TextNormalizer.Normalize(part)))];
}

/// <summary>
/// The keyword rule table, loaded from the versioned lexicon file (Lexicon/lexicon.json, embedded): Arabic (MSA with
/// Iraqi, Levantine, Gulf, Egyptian and Maghrebi forms) and English, each family with the reason it is there. Phrases are normalised
/// and tokenised like the text, and each phrase token matches a text token or one of its clitic variants
/// (see <see cref="Tokenizer.StemVariants"/>).
/// </summary>
internal static class KeywordRules
{
    public const string ThreatToKill = "threat-to-kill";
    public const string TargetingLabel = "targeting-label";
    public const string CallToFindOrExpose = "call-to-find-or-expose";
    public const string IdentifyingDetails = "identifying-details";
    public const string PropagandaOrganisation = "propaganda-organisation";
    public const string PropagandaFormula = "propaganda-formula";
    public const string HateSpeech = "hate-speech";
    public const string Abusive = "abusive";

    public const string NewsFraming = "news-framing";
    public const string Attribution = "attribution";
    public const string Condemnation = "condemnation";
    public const string CounterSpeech = "counter-speech";
    public const string OfficialWarning = "official-warning";
    public const string PlatformAction = "platform-action";
    public const string Discussion = "discussion";

    private static readonly LexiconFile File = LexiconFile.Load();

    /// <summary>The lexicon's version ("lexicon/N"), part of every decision's model version.</summary>
    public static string Version => File.Version;

    // Spellings that normalise alike (خائن and خاين, الإسلامية and الاسلامية) are one rule: the first listed.
    public static readonly IReadOnlyList<KeywordRule> Phrases =
        [.. File.Families.SelectMany(f => f.Phrases.Select(p => new KeywordRule(f.Family, p, f.Weight, f.Direct, f.NeedsCorroboration)))
            .DistinctBy(r => (r.Family, string.Join(' ', r.Tokens)))];

    // Communities named in hate speech; a dehumanising term within a few words of one of them is hate speech.
    public static readonly IReadOnlyList<KeywordRule> Groups = [.. File.Groups.Phrases.Select(p => new KeywordRule("group", p, 0))];

    public static readonly IReadOnlyList<KeywordRule> DehumanisingTerms =
        [.. File.DehumanisingTerms.Phrases.Select(p => new KeywordRule(File.DehumanisingTerms.Family, p, File.DehumanisingTerms.Weight))];

    // How many words may separate a group from a dehumanising term ("الشيعة كلهم كفار", "the refugees are vermin").
    public static int GroupWindow => File.GroupWindow;

    // Reporting language: it quotes or names what it reports, so names and quoted threats in it are not the
    // author's own speech.
    public static readonly IReadOnlyList<KeywordRule> Context =
        [.. File.Context.SelectMany(f => f.Phrases.Select(p => new KeywordRule(f.Family, p, 0, Opposes: f.Opposes)))];

    // Words that reverse the finding right after them ("refugees are not vermin", "no one deserves to die").
    public static readonly IReadOnlyList<KeywordRule> Negators = [.. File.Negators.Phrases.Select(p => new KeywordRule(File.Negators.Family, p, 0))];

    // Second person and the vocative (يا, you): the text speaks to someone.
    public static readonly IReadOnlyList<KeywordRule> Addressees = [.. File.Addressees.Phrases.Select(p => new KeywordRule(File.Addressees.Family, p, 0))];
}

/// <summary>The shape of lexicon.json.</summary>
internal sealed record LexiconFile(
    string Version, IReadOnlyList<LexiconFamily> Families, LexiconFamily Groups, LexiconFamily DehumanisingTerms, int GroupWindow,
    IReadOnlyList<LexiconFamily> Context, LexiconFamily Negators, LexiconFamily Addressees)
{
    public static LexiconFile Load()
    {
        using var stream = typeof(LexiconFile).Assembly.GetManifestResourceStream("Takedown.Triage.Lexicon.lexicon.json")
            ?? throw new InvalidOperationException("The lexicon resource is missing from Takedown.Triage.");
        return System.Text.Json.JsonSerializer.Deserialize<LexiconFile>(stream, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException("The lexicon resource is empty.");
    }
}

internal sealed record LexiconFamily(
    string Family, double Weight, bool Direct, bool NeedsCorroboration, string Why, IReadOnlyList<string> Phrases, IReadOnlyList<string>? Notes = null,
    bool Opposes = false);

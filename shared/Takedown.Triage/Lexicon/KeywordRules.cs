using Takedown.Text;

namespace Takedown.Triage;

/// <summary>One phrase of the rule table, kept with its normalised tokens so that spelling variants match.</summary>
/// <param name="Weight">Confidence this phrase alone gives its category.</param>
/// <param name="Direct">A threat in the imperative or first/second person: not excused by reporting context.</param>
/// <param name="NeedsCorroboration">Counts only alongside another propaganda phrase (names outsiders use, e.g. داعش).</param>
internal sealed record KeywordRule(string Family, string Phrase, double Weight, bool Direct = false, bool NeedsCorroboration = false)
{
    public IReadOnlyList<string> Tokens { get; } = Tokenizer.Tokenize(TextNormalizer.Normalize(Phrase));
}

/// <summary>
/// The keyword rule table: Arabic (MSA with Iraqi, Levantine and Gulf forms) and English. Phrases are written as
/// people write them; they are normalised and tokenised like the text, and each phrase token matches a text token
/// or one of its clitic variants (see <see cref="Tokenizer.StemVariants"/>). So write a word with the article when
/// the article belongs to the phrase (الدولة الإسلامية) and without it when it does not matter (عميل).
/// </summary>
internal static class KeywordRules
{
    public const string ThreatToKill = "threat-to-kill";
    public const string TargetingLabel = "targeting-label";
    public const string ExposingLocation = "exposing-location";
    public const string PropagandaOrganisation = "propaganda-organisation";
    public const string PropagandaFormula = "propaganda-formula";
    public const string HateSpeech = "hate-speech";
    public const string Abusive = "abusive";

    public const string NewsFraming = "news-framing";
    public const string Attribution = "attribution";
    public const string Condemnation = "condemnation";

    public static readonly IReadOnlyList<KeywordRule> Phrases =
    [
        // Direct threats and calls to kill, imperative or first/second person: the core of a P0 threat to life.
        .. Rules(ThreatToKill, 0.85, direct: true,
            "اقتلوه", "اقتلوها", "اقتلوهم", "اقتلوا", "اقتله", "اقتلها", "اذبحوه", "اذبحوهم", "اذبحوا", "اعدموه",
            "اهدروا دمه", "سنقتل", "سنقتلك", "سنذبح", "سنذبحك",
            "اكتلوه", "اگتلوه", "اسحلوه", "راح نكتلك", "راح نقتلك",   // Iraqi: ق spoken and written as ك/گ; سحل, to lynch
            "رح نقتلك", "رح نقتله",                                  // Levantine future
            "بنقتلك", "بنذبحك",                                      // Gulf and Levantine future
            "kill him", "kill her", "kill them", "behead him", "behead them",
            "we will kill", "we'll kill", "i will kill you", "i'll kill you"),
        // Third-person and passive calls (must be killed, his blood is permitted): incitement, but also how news
        // paraphrases a threat, so reporting context excuses them.
        .. Rules(ThreatToKill, 0.75, direct: false,
            "يجب قتل", "يجب ان يقتل", "لازم ينقتل", "لازم ينكتل", "لازم يموت",
            "دمه مباح", "دمه حلال", "هدر دمه", "اهدار دمه", "مهدور الدم",
            "death to", "must be killed", "should be killed", "must die", "deserves to die"),

        // Labels that mark a named person as a traitor or foreign agent, the prelude to attacks on activists and
        // journalists (عميل السفارة and ذيول السفارة are the Iraqi militia terms for protesters).
        .. Rules(TargetingLabel, 0.8, direct: false,
            "عميل السفارة", "عملاء السفارة", "ذيل السفارة", "ذيول السفارة", "مرتد", "مرتدين",
            "agent of the embassy", "agents of the embassy", "embassy agent", "embassy agents", "apostate", "apostates"),
        // The same labels on their own are common words (عميل is also a bank's client), so they weigh less.
        .. Rules(TargetingLabel, 0.6, direct: false,
            "عميل", "جاسوس", "جواسيس", "خائن", "خونة",
            "spy", "traitor", "traitors", "collaborator", "collaborators"),

        // Publishing where someone lives or can be found: turns a label or threat into an actionable target.
        .. Rules(ExposingLocation, 0.7, direct: false,
            "عنوانه", "عنوانها", "عنوان بيته", "بيته في", "بيتها في", "يسكن في", "تسكن في", "ساكن في",
            "وين ساكن", "موقع بيته", "رقم تلفونه", "رقم هاتفه",
            "his address", "her address", "home address", "lives at", "where he lives", "where she lives",
            "find him", "find her"),

        // Names the organisation and its media use for themselves: outlets and "provinces" (ولاية نينوى is never
        // an administrative name; Iraq has محافظات).
        .. Rules(PropagandaOrganisation, 0.6, direct: false,
            "الدولة الإسلامية", "دولة الخلافة", "وكالة أعماق", "أعماق الإخبارية", "مؤسسة الفرقان", "صحيفة النبأ",
            "مركز الحياة للإعلام", "ولاية العراق", "ولاية الشام", "ولاية نينوى", "ولاية الأنبار", "ولاية كركوك",
            "ولاية صلاح الدين", "ولاية ديالى", "ولاية الجنوب", "ولاية الرقة", "ولاية الخير", "ولاية البركة",
            "ولاية سيناء", "ولاية خراسان", "ولاية غرب أفريقيا",
            "islamic state", "amaq", "amaq agency", "amaq news agency", "al furqan", "al naba", "al hayat media",
            "dabiq", "rumiyah", "wilayat"),
        // Names only outsiders use (داعش is pejorative; supporters never say it), so alone they are a mention, not
        // propaganda.
        .. Rules(PropagandaOrganisation, 0.5, direct: false, needsCorroboration: true,
            "داعش", "تنظيم الدولة", "تنظيم الدولة الإسلامية", "isis", "isil", "daesh"),
        // Slogans and pledges of allegiance that only supporters write.
        .. Rules(PropagandaFormula, 0.85, direct: false,
            "باقية وتتمدد", "الخلافة باقية", "نبايع أمير المؤمنين", "بيعة أمير المؤمنين", "نجدد البيعة",
            "جنود الخلافة", "مجاهدي الدولة الإسلامية", "مجاهدو الدولة الإسلامية",
            "remaining and expanding", "baqiyah wa tatamadad", "join the caliphate", "soldiers of the caliphate",
            "mujahideen of the islamic state", "pledge allegiance to the caliph"),

        // Sectarian and religious slurs that dehumanise a whole community by name (الرافضة for Shia, نواصب for
        // Sunnis, عبدة الشيطان for Yazidis, أحفاد القردة for Jews). الرافضة keeps its article: bare رافضة is
        // also the ordinary adjective "refusing".
        .. Rules(HateSpeech, 0.75, direct: false,
            "الرافضة", "روافض", "رافضي", "نواصب", "ناصبي", "عبدة الشيطان", "أحفاد القردة"),
        // Slurs with an ordinary meaning too (المجوس are Zoroastrians; صفوي a dynasty): weaker alone.
        .. Rules(HateSpeech, 0.6, direct: false, "مجوس", "صفويين", "صفوي"),

        // Personal insults: abusive but not a threat; the lowest priority.
        .. Rules(Abusive, 0.6, direct: false,
            "كلب", "چلب", "يا كلب", "حيوان", "حقير", "واطي", "وسخ", "حمار", "زبالة",   // چلب: Iraqi spelling of كلب
            "idiot", "moron", "scum", "bastard"),
    ];

    // Communities named in hate speech; a dehumanising term within a few words of one of them is hate speech.
    public static readonly IReadOnlyList<KeywordRule> Groups = Rules("group", 0, direct: false,
        "الشيعة", "السنة", "المسيحيين", "المسيحيون", "النصارى", "اليهود", "الإيزيديين", "الإيزيدية", "اليزيديين",
        "الأكراد", "الكرد", "التركمان", "الصابئة", "اللاجئين", "المهاجرين",
        "shia", "shias", "sunnis", "christians", "jews", "yazidis", "kurds", "muslims", "arabs", "refugees",
        "migrants", "immigrants");

    // Terms that deny a group's humanity ("vermin", "subhuman") or, for كفار, put it outside the protection of law.
    public static readonly IReadOnlyList<KeywordRule> DehumanisingTerms = Rules(HateSpeech, 0.7, direct: false,
        "كفار", "حشرات", "خنازير", "كلاب", "جرذان", "انجاس", "نجس",
        "vermin", "subhuman", "subhumans", "cockroaches", "rats", "parasites", "animals");

    // How many words may separate a group from a dehumanising term ("الشيعة كلهم كفار", "the refugees are vermin").
    public const int GroupWindow = 3;

    // Reporting language: it quotes or names what it reports, so names and quoted threats in it are not the
    // author's own speech.
    public static readonly IReadOnlyList<KeywordRule> Context =
    [
        // News framing: the text is a report.
        .. Rules(NewsFraming, 0, direct: false,
            "أفادت", "ذكرت", "قالت الشرطة", "وكالة", "مراسل", "مراسلنا", "مصادر", "بحسب", "وفقا",
            "according to", "reported", "reports", "police said", "news", "correspondent"),
        // Attribution: the words are someone else's.
        .. Rules(Attribution, 0, direct: false,
            "قال", "قالت", "صرح", "صرحت", "زعم", "زعمت", "ادعى", "said", "says", "claimed", "claims", "stated"),
        // Condemnation: the author opposes what is named.
        .. Rules(Condemnation, 0, direct: false,
            "ندين", "نستنكر", "يدين", "تدين", "أدان", "أدانت", "استنكر", "condemn", "condemns", "condemned", "condemnation"),
    ];

    private static KeywordRule[] Rules(string family, double weight, bool direct, params string[] phrases) =>
        Rules(family, weight, direct, needsCorroboration: false, phrases);

    private static KeywordRule[] Rules(string family, double weight, bool direct, bool needsCorroboration, params string[] phrases) =>
        [.. phrases.Select(p => new KeywordRule(family, p, weight, direct, needsCorroboration))];
}

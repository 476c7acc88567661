using System.Text;

namespace Takedown.Text;

/// <summary>
/// Which language the classifier is reading, beyond the script: Persian, Urdu and Kurdish (Sorani) in Arabic script
/// are told from Arabic by the letters and function words Arabic does not have, and Arabizi and a few other
/// Latin-script languages from English by their words. Errs towards "ar" and "en": a false alarm costs an analyst a
/// look, while a miss here only keeps the old behaviour. Works on the raw text, because normalisation folds the
/// Persian letters (ک, ی) into Arabic ones.
/// </summary>
public static class LanguageIdentifier
{
    public const string Persian = "fa";
    public const string Urdu = "ur";
    public const string Kurdish = "ckb";
    public const string Arabizi = "ar-Latn";

    /// <summary>
    /// The text is in a language the rules and the model were not written or trained for: one this class names other
    /// than Arabic and English, or mostly letters of another script. Text with no letters, or Arabic and Latin
    /// letters in a tie, is not: the rules read both.
    /// </summary>
    public static bool IsUnread(string text, string language) => language switch
    {
        ScriptDetector.Arabic or ScriptDetector.English => false,
        ScriptDetector.Undetermined => OtherScriptLetters(text),
        _ => true,
    };

    private static bool OtherScriptLetters(string text)
    {
        int letters = 0, arabicOrLatin = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (!Rune.IsLetter(rune))
                continue;
            letters++;
            if (ScriptDetector.DetectLanguage(rune.ToString()) != ScriptDetector.Undetermined)
                arabicOrLatin++;
        }
        return letters > 0 && arabicOrLatin * 2 < letters;
    }

    // Letters of Sorani (ە ێ ۆ ڵ ڕ) and of Urdu (ٹ ڈ ڑ ں ے ہ ھ) that Arabic never writes.
    private static readonly HashSet<char> KurdishLetters = ['\u06D5', '\u06CE', '\u06C6', '\u06B5', '\u0695'];
    private static readonly HashSet<char> UrduLetters = ['\u0679', '\u0688', '\u0691', '\u06BA', '\u06D2', '\u06C1', '\u06BE'];

    // Persian function words in Persian spelling (ی U+06CC, ک U+06A9); none is an Arabic word.
    private static readonly HashSet<string> PersianWords =
        ["است", "این", "را", "می", "نمی", "که", "های", "برای", "از", "با", "شود", "باید", "هستند", "بود", "خیلی", "کجا", "یک", "آن", "شما", "او", "هست", "کرد", "کند", "شد", "دارد", "چه", "زندگی", "امروز"];

    // Arabizi: Arabic typed in Latin letters, digits standing for Arabic sounds (3 ع, 7 ح, 5 خ, 2 ء, 9 ق/ص).
    private static readonly HashSet<string> ArabiziWords =
        ["wallah", "wallahi", "yalla", "habibi", "habibti", "inshallah", "kifak", "kifik", "shu", "shou", "enta", "enti", "mesh", "mish", "msh", "ana", "ya", "lel", "wein", "fein", "kolna", "akhi", "sho", "lesh", "leh", "keda", "bas", "hayda", "hada", "3am", "ra7"];

    private static readonly HashSet<string> EnglishWords =
        ["the", "a", "an", "is", "are", "was", "were", "to", "of", "and", "in", "on", "for", "you", "he", "she", "it", "we", "they", "i", "my", "your",
         "his", "her", "this", "that", "with", "at", "by", "be", "not", "no", "will", "all", "our", "their", "have", "has", "who", "what", "so", "from",
         "me", "him", "them", "us", "do", "don't", "here", "there", "these", "those", "just", "off", "up", "go", "where", "every", "someone"];

    private static readonly Dictionary<string, string> OtherLatinWords = new(StringComparer.Ordinal)
    {
        ["bu"] = "tr", ["bir"] = "tr", ["ve"] = "tr", ["ile"] = "tr", ["için"] = "tr", ["değil"] = "tr", ["tarafından"] = "tr",
        ["le"] = "fr", ["la"] = "fr", ["les"] = "fr", ["est"] = "fr", ["et"] = "fr", ["une"] = "fr", ["ce"] = "fr", ["où"] = "fr", ["il"] = "fr", ["sait"] = "fr",
        ["el"] = "es", ["los"] = "es", ["hoy"] = "es", ["hace"] = "es", ["todos"] = "es", ["es"] = "es", ["muy"] = "es",
        ["der"] = "de", ["die"] = "de", ["das"] = "de", ["und"] = "de", ["ist"] = "de", ["nicht"] = "de", ["wir"] = "de",
    };

    /// <summary>
    /// "ar", "en", "fa", "ur", "ckb", "ar-Latn" (Arabizi), another code for a Latin-script language it recognises
    /// ("fr", "es", "de", "tr"), or "und" (no letters, or a script that is neither Arabic nor Latin).
    /// </summary>
    public static string Identify(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var script = ScriptDetector.DetectLanguage(text);
        var words = Words(text);
        return script switch
        {
            ScriptDetector.Arabic => ArabicScript(text, words),
            ScriptDetector.English => LatinScript(words),
            _ => ScriptDetector.Undetermined,
        };
    }

    private static string ArabicScript(string text, List<string> words)
    {
        if (text.Count(KurdishLetters.Contains) >= 2)
            return Kurdish;
        if (text.Count(UrduLetters.Contains) >= 2)
            return Urdu;
        // Two Persian function words, or one written with a Persian-keyboard letter (Arabic keyboards type ي and ك).
        var persian = words.Where(PersianWords.Contains).ToList();
        if (persian.Count >= 2 || persian.Any(w => w.Contains('\u06CC') || w.Contains('\u06A9')))
            return Persian;
        return ScriptDetector.Arabic;
    }

    private static string LatinScript(List<string> words)
    {
        var lower = words.Select(w => w.ToLowerInvariant()).ToList();
        var digitWords = lower.Count(w => w.Any(char.IsAsciiDigit) && w.Any(char.IsAsciiLetter));
        var arabizi = lower.Count(ArabiziWords.Contains);
        if (digitWords >= 2 || (digitWords >= 1 && arabizi >= 1) || arabizi >= 3)
            return Arabizi;
        var english = lower.Count(EnglishWords.Contains);
        var other = lower.Where(OtherLatinWords.ContainsKey).GroupBy(w => OtherLatinWords[w]).OrderByDescending(g => g.Count()).FirstOrDefault();
        if (other is not null && other.Count() >= 2 && other.Count() > english)
            return other.Key;
        // Short texts ("you idiot", "fuck off") have no function words; only a longer text without any is not English.
        return lower.Count < 4 || english > 0 ? ScriptDetector.English : ScriptDetector.Undetermined;
    }

    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var c in text)
        {
            // The zero-width non-joiner separates Persian می from its verb; the apostrophe belongs to "don't".
            if (char.IsLetterOrDigit(c) || c == '\'' || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.NonSpacingMark)
            {
                word.Append(c);
                continue;
            }
            if (word.Length > 0)
                words.Add(word.ToString().Trim('\''));
            word.Clear();
        }
        if (word.Length > 0)
            words.Add(word.ToString().Trim('\''));
        return words;
    }
}

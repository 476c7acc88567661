using System.Text;

namespace Takedown.Text;

/// <summary>
/// Script-based language guess: counts Arabic-script and Latin-script letters and reports the script that holds more
/// than half of all letters. This is detection of a script, not of a language: Persian, Urdu or Kurdish in Arabic
/// script report "ar"; French, or Arabic typed in Latin letters (Arabizi), report "en". Good enough to route text
/// to the Arabic or English rules; do not present it as language identification.
/// </summary>
public static class ScriptDetector
{
    public const string Arabic = "ar";
    public const string English = "en";
    public const string Undetermined = "und";

    /// <returns>"ar" or "en" when that script's letters are the majority; "und" when there are no letters or neither is.</returns>
    public static string DetectLanguage(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int arabic = 0, latin = 0, letters = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (!Rune.IsLetter(rune))
                continue;
            letters++;
            if (IsArabicScript(rune.Value))
                arabic++;
            else if (IsLatinScript(rune.Value))
                latin++;
        }

        if (arabic * 2 > letters)
            return Arabic;
        if (latin * 2 > letters)
            return English;
        return Undetermined;
    }

    private static bool IsArabicScript(int codePoint) => codePoint is
        (>= 0x0600 and <= 0x06FF) or (>= 0x0750 and <= 0x077F) or (>= 0x08A0 and <= 0x08FF)
        or (>= 0xFB50 and <= 0xFDFF) or (>= 0xFE70 and <= 0xFEFF);

    // Basic Latin, Latin-1, Latin Extended-A/B, IPA, Latin Extended Additional, full-width and styled Latin.
    private static bool IsLatinScript(int codePoint) => codePoint is
        (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= 0x00C0 and <= 0x02AF) or (>= 0x1E00 and <= 0x1EFF)
        or (>= 0xFF21 and <= 0xFF5A) or (>= 0x1D400 and <= 0x1D6A3);
}

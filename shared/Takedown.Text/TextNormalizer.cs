using System.Text;

namespace Takedown.Text;

/// <summary>
/// The one normaliser behind keyword classification and text fingerprints, so that a post and its re-upload with
/// different spelling, diacritics, digits or invisible characters compare equal.
/// </summary>
/// <remarks>
/// Steps, in one pass: compatibility folding (the NFKC decompositions of presentation forms, full-width and
/// styled letters), invariant lower-casing, Arabic folding (diacritics and tatweel removed; alef, alef maqsura,
/// teh marbuta, hamza carriers and Persian letters unified; Arabic-Indic digits to ASCII), zero-width and
/// direction marks removed, whitespace collapsed and trimmed.
/// <para>
/// The compatibility folding is done here rather than by <see cref="string.Normalize(NormalizationForm)"/>:
/// every Takedown host runs with InvariantGlobalization, where that call returns its input unchanged, and a
/// fingerprint must not depend on whether a host happens to have ICU. The folded blocks are the ones that occur in
/// this content; the rarely typed two- and three-letter Arabic ligatures (U+FC00–U+FDC7) are left as they are.
/// </para>
/// </remarks>
public static class TextNormalizer
{
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new StringBuilder(text.Length);
        var pendingSpace = false;

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                AppendSupplementary(output, new Rune(c, text[++i]), ref pendingSpace);
                continue;
            }

            if (CompatibilityFolding(c) is { } folded)
            {
                foreach (var f in folded)
                    AppendFolded(output, f, ref pendingSpace);
                continue;
            }

            AppendFolded(output, c, ref pendingSpace);
        }

        return output.ToString();
    }

    private static void AppendFolded(StringBuilder output, char c, ref bool pendingSpace)
    {
        if (char.IsWhiteSpace(c))
        {
            pendingSpace = output.Length > 0;
            return;
        }

        if (IsRemoved(c))
            return;

        if (pendingSpace)
        {
            output.Append(' ');
            pendingSpace = false;
        }
        output.Append(FoldArabic(c));
    }

    private static void AppendSupplementary(StringBuilder output, Rune rune, ref bool pendingSpace)
    {
        if (StyledLatin(rune.Value) is { } plain)
        {
            AppendFolded(output, plain, ref pendingSpace);
            return;
        }

        if (pendingSpace)
        {
            output.Append(' ');
            pendingSpace = false;
        }
        var lower = Rune.ToLowerInvariant(rune);
        output.Append(lower.ToString());
    }

    private static bool IsRemoved(char c) => c switch
    {
        // Harakat, hamza above/below and other combining marks: optional in writing, so they only split spellings.
        >= '\u064B' and <= '\u065F' => true,
        '\u0670' => true,                              // superscript alef, a vowel mark
        >= '\u06D6' and <= '\u06ED' => true,           // Quranic annotation marks
        '\u0640' => true,                              // tatweel: decorative stretching, also used to dodge keyword filters
        // Invisible characters inserted (often deliberately) inside words; they change no meaning.
        '\u00AD' => true,                              // soft hyphen
        '\u061C' => true,                              // Arabic letter mark
        >= '\u200B' and <= '\u200F' => true,           // zero-width space, ZWNJ, ZWJ, LRM, RLM
        >= '\u202A' and <= '\u202E' => true,           // bidi embeddings and overrides
        >= '\u2060' and <= '\u2064' => true,           // word joiner and invisible operators
        >= '\u2066' and <= '\u2069' => true,           // bidi isolates
        '\uFEFF' => true,                              // BOM / zero-width no-break space
        >= '\uFE70' and <= '\uFE7F' => true,           // presentation forms of harakat (NFKC: space or tatweel + mark)
        _ => false,
    };

    private static char FoldArabic(char c) => c switch
    {
        // Hamza and madda on alef are usually omitted or misplaced when typing; ٱ (wasla) is Quranic spelling.
        '\u0623' or '\u0625' or '\u0622' or '\u0671' => '\u0627',
        '\u0649' => '\u064A',                          // ى → ي: Egyptian and much social-media text writes final ي as ى and vice versa
        '\u0629' => '\u0647',                          // ة → ه: users type both for final teh marbuta
        '\u0624' => '\u0648',                          // ؤ → و: hamza carriers are spelled inconsistently
        '\u0626' => '\u064A',                          // ئ → ي
        '\u06A9' => '\u0643',                          // Persian kaf ک, from Persian keyboards, → ك
        '\u06CC' => '\u064A',                          // Persian yeh ی → ي
        >= '\u0660' and <= '\u0669' => (char)('0' + (c - '\u0660')),   // Arabic-Indic digits
        >= '\u06F0' and <= '\u06F9' => (char)('0' + (c - '\u06F0')),   // Extended Arabic-Indic (Persian/Urdu) digits
        _ => char.ToLowerInvariant(c),
    };

    private static string? CompatibilityFolding(char c) => c switch
    {
        >= '\uFF01' and <= '\uFF5E' => ((char)(c - 0xFEE0)).ToString(),   // full-width ASCII
        >= '\uFB00' and <= '\uFEFF' => PresentationForms[c - 0xFB00],
        >= '\u2100' and <= '\u214F' => LetterlikeSymbols.TryGetValue(c, out var letter) ? letter : null,
        _ => null,
    };

    // Mathematical alphanumerics (𝐤𝐢𝐥𝐥, 𝓴𝓲𝓵𝓵, 𝟏𝟐): styled letters used to slip past keyword filters. NFKC maps each to
    // the plain letter; the Latin styles are 13 runs of A–Z a–z and the digits 5 runs of 0–9.
    private static char? StyledLatin(int codePoint) => codePoint switch
    {
        >= 0x1D400 and < 0x1D6A4 when (codePoint - 0x1D400) % 52 is var k =>
            k < 26 ? (char)('A' + k) : (char)('a' + k - 26),
        >= 0x1D7CE and <= 0x1D7FF => (char)('0' + (codePoint - 0x1D7CE) % 10),
        _ => null,
    };

    // The letterlike symbols that fill the gaps in the styled alphabets above (ℎ is the italic h, ℯ the script e, …).
    private static readonly Dictionary<char, string> LetterlikeSymbols = new()
    {
        ['ℂ'] = "C", ['ℊ'] = "g", ['ℋ'] = "H", ['ℌ'] = "H", ['ℍ'] = "H", ['ℎ'] = "h", ['ℐ'] = "I", ['ℑ'] = "I",
        ['ℒ'] = "L", ['ℓ'] = "l", ['ℕ'] = "N", ['ℙ'] = "P", ['ℚ'] = "Q", ['ℛ'] = "R", ['ℜ'] = "R", ['ℝ'] = "R",
        ['ℤ'] = "Z", ['ℨ'] = "Z", ['\u212A'] = "K", ['ℬ'] = "B", ['ℭ'] = "C", ['ℯ'] = "e", ['ℰ'] = "E", ['ℱ'] = "F",
        ['ℳ'] = "M", ['ℴ'] = "o", ['ℹ'] = "i", ['ⅅ'] = "D", ['ⅆ'] = "d", ['ⅇ'] = "e", ['ⅈ'] = "i", ['ⅉ'] = "j",
    };

    // U+FB00–U+FEFF indexed from U+FB00: null where the character has no compatibility decomposition we fold.
    private static readonly string?[] PresentationForms = BuildPresentationForms();

    private static string?[] BuildPresentationForms()
    {
        var table = new string?[0xFF00 - 0xFB00];
        void Run(int first, int count, string value)
        {
            for (var cp = first; cp < first + count; cp++)
                table[cp - 0xFB00] = value;
        }

        // Latin ligatures (ﬁ, ﬂ, …) from PDF copy-paste.
        Run(0xFB00, 1, "ff"); Run(0xFB01, 1, "fi"); Run(0xFB02, 1, "fl"); Run(0xFB03, 1, "ffi"); Run(0xFB04, 1, "ffl");
        Run(0xFB05, 2, "st");

        // Arabic Presentation Forms-A: isolated/final/initial/medial glyphs of Persian, Urdu and other letters.
        Run(0xFB50, 2, "ٱ"); Run(0xFB52, 4, "ٻ"); Run(0xFB56, 4, "پ"); Run(0xFB5A, 4, "ڀ"); Run(0xFB5E, 4, "ٺ");
        Run(0xFB62, 4, "ٿ"); Run(0xFB66, 4, "ٹ"); Run(0xFB6A, 4, "ڤ"); Run(0xFB6E, 4, "ڦ"); Run(0xFB72, 4, "ڄ");
        Run(0xFB76, 4, "ڃ"); Run(0xFB7A, 4, "چ"); Run(0xFB7E, 4, "ڇ"); Run(0xFB82, 2, "ڍ"); Run(0xFB84, 2, "ڌ");
        Run(0xFB86, 2, "ڎ"); Run(0xFB88, 2, "ڈ"); Run(0xFB8A, 2, "ژ"); Run(0xFB8C, 2, "ڑ"); Run(0xFB8E, 4, "ک");
        Run(0xFB92, 4, "گ"); Run(0xFB96, 4, "ڳ"); Run(0xFB9A, 4, "ڱ"); Run(0xFB9E, 2, "ں"); Run(0xFBA0, 4, "ڻ");
        Run(0xFBA4, 2, "ۀ"); Run(0xFBA6, 4, "ہ"); Run(0xFBAA, 4, "ھ"); Run(0xFBAE, 2, "ے"); Run(0xFBB0, 2, "ۓ");
        Run(0xFBD3, 4, "ڭ"); Run(0xFBD7, 2, "ۇ"); Run(0xFBD9, 2, "ۆ"); Run(0xFBDB, 2, "ۈ"); Run(0xFBDD, 1, "ۇٴ");
        Run(0xFBDE, 2, "ۋ"); Run(0xFBE0, 2, "ۅ"); Run(0xFBE2, 2, "ۉ"); Run(0xFBE4, 4, "ې"); Run(0xFBE8, 2, "ى");
        Run(0xFBEA, 2, "ئا"); Run(0xFBEC, 2, "ئە"); Run(0xFBEE, 2, "ئو"); Run(0xFBF0, 2, "ئۇ"); Run(0xFBF2, 2, "ئۆ");
        Run(0xFBF4, 2, "ئۈ"); Run(0xFBF6, 3, "ئې"); Run(0xFBF9, 3, "ئى"); Run(0xFBFC, 4, "ی");

        // Word ligatures: ﷲ and ﷺ are common in religious and propaganda posts.
        Run(0xFDF0, 1, "صلے"); Run(0xFDF1, 1, "قلے"); Run(0xFDF2, 1, "الله"); Run(0xFDF3, 1, "اكبر");
        Run(0xFDF4, 1, "محمد"); Run(0xFDF5, 1, "صلعم"); Run(0xFDF6, 1, "رسول"); Run(0xFDF7, 1, "عليه");
        Run(0xFDF8, 1, "وسلم"); Run(0xFDF9, 1, "صلى"); Run(0xFDFA, 1, "صلى الله عليه وسلم"); Run(0xFDFB, 1, "جل جلاله");
        Run(0xFDFC, 1, "ریال");

        // Arabic Presentation Forms-B: positional glyphs of the basic letters, emitted by PDF extraction and by
        // tools that disguise text from filters.
        Run(0xFE80, 1, "ء"); Run(0xFE81, 2, "آ"); Run(0xFE83, 2, "أ"); Run(0xFE85, 2, "ؤ"); Run(0xFE87, 2, "إ");
        Run(0xFE89, 4, "ئ"); Run(0xFE8D, 2, "ا"); Run(0xFE8F, 4, "ب"); Run(0xFE93, 2, "ة"); Run(0xFE95, 4, "ت");
        Run(0xFE99, 4, "ث"); Run(0xFE9D, 4, "ج"); Run(0xFEA1, 4, "ح"); Run(0xFEA5, 4, "خ"); Run(0xFEA9, 2, "د");
        Run(0xFEAB, 2, "ذ"); Run(0xFEAD, 2, "ر"); Run(0xFEAF, 2, "ز"); Run(0xFEB1, 4, "س"); Run(0xFEB5, 4, "ش");
        Run(0xFEB9, 4, "ص"); Run(0xFEBD, 4, "ض"); Run(0xFEC1, 4, "ط"); Run(0xFEC5, 4, "ظ"); Run(0xFEC9, 4, "ع");
        Run(0xFECD, 4, "غ"); Run(0xFED1, 4, "ف"); Run(0xFED5, 4, "ق"); Run(0xFED9, 4, "ك"); Run(0xFEDD, 4, "ل");
        Run(0xFEE1, 4, "م"); Run(0xFEE5, 4, "ن"); Run(0xFEE9, 4, "ه"); Run(0xFEED, 2, "و"); Run(0xFEEF, 2, "ى");
        Run(0xFEF1, 4, "ي"); Run(0xFEF5, 2, "لآ"); Run(0xFEF7, 2, "لأ"); Run(0xFEF9, 2, "لإ"); Run(0xFEFB, 2, "لا");
        return table;
    }
}

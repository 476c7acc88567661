namespace Takedown.Text;

/// <summary>Splits normalised text into word tokens and offers light Arabic clitic variants for keyword matching.</summary>
public static class Tokenizer
{
    /// <summary>
    /// Letters and digits form tokens; everything else separates them. URLs are dropped whole, so a link's path does
    /// not read as words; '#' and '@' are dropped and the hashtag or handle kept as words ('_' separates them too,
    /// which splits #الدولة_الإسلامية into its words).
    /// </summary>
    /// <param name="normalizedText">Output of <see cref="TextNormalizer.Normalize"/>.</param>
    public static IReadOnlyList<string> Tokenize(string normalizedText)
    {
        ArgumentNullException.ThrowIfNull(normalizedText);
        var tokens = new List<string>();
        var text = normalizedText.AsSpan();
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsLetterOrDigit(text[i]))
            {
                i++;
                continue;
            }

            var rest = text[i..];
            var chunkEnd = rest.IndexOf(' ');
            var chunk = chunkEnd < 0 ? rest : rest[..chunkEnd];
            if (LooksLikeUrl(chunk))
            {
                i += chunk.Length;
                continue;
            }

            var start = i;
            // Combining marks stay inside a word (Latin accents that NFKC would compose; Arabic marks are already gone).
            while (i < text.Length && (char.IsLetterOrDigit(text[i]) || IsMark(text[i])))
                i++;
            tokens.Add(normalizedText[start..i]);
        }
        return tokens;
    }

    /// <summary>
    /// The token itself and, for Arabic tokens, the token with attached clitics removed: conjunction and preposition
    /// prefixes with or without the article (والسفارة → السفارة, سفارة) and object/possessive pronoun suffixes
    /// (عميلها → عميل). A strip happens only when enough letters remain to be a word. Not a stemmer: just enough
    /// for a keyword written in its bare form to match the ways it is attached to other words.
    /// </summary>
    /// <param name="token">A token from <see cref="Tokenize"/>, i.e. already normalised.</param>
    public static IEnumerable<string> StemVariants(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var variants = new List<string> { token };
        if (!IsArabicWord(token))
            return variants;

        // A worklist, so that stacked clitics come off one at a time: وبالسفارة → بالسفارة → سفارة.
        for (var next = 0; next < variants.Count; next++)
        {
            var word = variants[next];
            foreach (var (prefix, restoresArticle) in Prefixes)
            {
                if (!word.StartsWith(prefix, StringComparison.Ordinal))
                    continue;
                var stem = word[prefix.Length..];
                // The article can take a two-letter word (الدم); a one-letter clitic must leave three, or وصل would lose its root.
                var minimum = prefix.EndsWith("ال", StringComparison.Ordinal) || restoresArticle ? 2 : 3;
                if (stem.Length < minimum)
                    continue;
                Add(variants, stem);
                if (restoresArticle)
                    Add(variants, "ال" + stem);   // للسفارة is ل + السفارة with the article's alef dropped
            }
        }

        foreach (var variant in variants.ToArray())
        {
            foreach (var suffix in Suffixes)
            {
                if (variant.EndsWith(suffix, StringComparison.Ordinal) && variant.Length - suffix.Length >= 3)
                    Add(variants, variant[..^suffix.Length]);
            }
        }
        return variants;
    }

    private static readonly (string Prefix, bool RestoresArticle)[] Prefixes =
    [
        ("وال", false), ("فال", false), ("بال", false), ("كال", false), ("لل", true), ("ال", false),
        ("و", false), ("ف", false), ("ب", false), ("ل", false), ("ك", false),
    ];

    // Object and possessive pronouns as written after normalisation (ـه also stands for ة, so سفاره → سفار is produced
    // too; rules are matched against variants, never the other way round, so the extra variant is harmless).
    private static readonly string[] Suffixes = ["هم", "ها", "كم", "ني", "نا", "ه"];

    private static bool IsArabicWord(string token)
    {
        foreach (var c in token)
        {
            if (c is < '\u0620' or > '\u064A' && c is < '\u066E' or > '\u06D3')
                return false;
        }
        return token.Length > 0;
    }

    private static bool IsMark(char c) =>
        char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark
            or System.Globalization.UnicodeCategory.SpacingCombiningMark;

    private static bool LooksLikeUrl(ReadOnlySpan<char> chunk)
    {
        if (chunk.StartsWith("http://") || chunk.StartsWith("https://") || chunk.StartsWith("www."))
            return true;
        // A bare host with a path, e.g. t.me/channel or youtu.be/abc: a dot before the first slash, no spaces.
        var slash = chunk.IndexOf('/');
        var dot = chunk.IndexOf('.');
        return dot > 0 && slash > dot + 1 && char.IsAsciiLetterLower(chunk[dot + 1]);
    }

    private static void Add(List<string> variants, string variant)
    {
        if (!variants.Contains(variant))
            variants.Add(variant);
    }
}

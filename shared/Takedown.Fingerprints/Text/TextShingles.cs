using System.Text;
using Takedown.Text;

namespace Takedown.Fingerprints.Text;

/// <summary>
/// What a text fingerprint is computed from: the text's words, normalised, without what changes when a post is
/// copied (mentions, a block of hashtags before or after the text, links, emoji, punctuation), cut into overlapping
/// character shingles.
/// </summary>
public static class TextShingles
{
    /// <summary>Characters per shingle. Chosen by measurement (docs/fingerprints.md): word shingles break on every respelling.</summary>
    public const int Length = 5;

    /// <summary>
    /// The words of <paramref name="text"/> as the fingerprint sees them, joined by single spaces ("" when it has none).
    /// </summary>
    /// <remarks>
    /// <see cref="TextNormalizer.Normalize"/>, then: Iraqi spellings with Persian-keyboard letters folded (چ → ج, گ → ك,
    /// پ → ب, ڤ → ف; the shared normaliser leaves them because keyword rules spell them out); @mentions removed;
    /// hashtags before the first and after the last plain word removed when at least
    /// <see cref="TextFingerprint.MinimumWords"/> words remain (reposts add and change these blocks, while a hashtag
    /// inside the sentence, or a text that is mostly hashtags, is the content itself); then
    /// <see cref="Tokenizer.Tokenize"/>, which drops links, '#', emoji and punctuation.
    /// </remarks>
    public static string Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chunks = FoldIraqiLetters(TextNormalizer.Normalize(text))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(chunk => chunk[0] != '@')
            .ToArray();

        var first = Array.FindIndex(chunks, IsPlainWord);
        var last = Array.FindLastIndex(chunks, IsPlainWord);
        if (first >= 0)
        {
            var body = Tokenizer.Tokenize(string.Join(' ', chunks[first..(last + 1)]));
            if (body.Count >= TextFingerprint.MinimumWords)
                return string.Join(' ', body);
        }
        return string.Join(' ', Tokenizer.Tokenize(string.Join(' ', chunks)));
    }

    /// <summary>The distinct character shingles of <see cref="Words"/>; a text shorter than one shingle is its own shingle.</summary>
    public static IReadOnlySet<string> Of(string text) => FromWords(Words(text));

    internal static HashSet<string> FromWords(string words)
    {
        var shingles = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + Length <= words.Length; i++)
            shingles.Add(words.Substring(i, Length));
        if (shingles.Count == 0 && words.Length > 0)
            shingles.Add(words);
        return shingles;
    }

    // A chunk with a word that is neither a hashtag nor a link: where the text proper starts or ends.
    private static bool IsPlainWord(string chunk) => chunk[0] != '#' && Tokenizer.Tokenize(chunk).Count > 0;

    private static string FoldIraqiLetters(string normalized)
    {
        var builder = new StringBuilder(normalized);
        builder.Replace('\u0686', '\u062C')   // چ → ج
            .Replace('\u06AF', '\u0643')      // گ → ك
            .Replace('\u067E', '\u0628')      // پ → ب
            .Replace('\u06A4', '\u0641');     // ڤ → ف
        return builder.ToString();
    }
}

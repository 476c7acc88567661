using System.Text.Json;
using Takedown.Text;

namespace Takedown.Triage;

/// <summary>
/// The Arabic heads' lexicon (Model/model-lexicon.json, embedded): families of insults, profanity, curses,
/// dehumanising words, slurs and target groups, written by the project, not mined from the corpora. A text gets one
/// feature per family it contains (<c>lexicon "animal"</c>), so a rare insult counts like the common ones of its family
/// although the training comments barely show it. Phrases match like the keyword rules: normalised tokens, each phrase
/// token against a text token or one of its clitic variants.
/// </summary>
public static class FeatureLexicon
{
    /// <summary>Prefix of the lexicon features' names.</summary>
    public const string Kind = "lexicon";

    /// <summary>An insult right after a vocative or "you" (يا حمار, انت كذاب): aimed at the reader, so offensive rather than described.</summary>
    public const string VocativeInsult = "vocative-insult";

    private static readonly string[] Vocatives = ["يا", "انت", "انتم"];

    // The families whose words insult a person; the vocative feature fires on these.
    private static readonly string[] InsultFamilies = ["animal", "contempt", "accusation", "sexual-profanity"];

    private static readonly LexiconData Data = LexiconData.Load();

    /// <summary>The lexicon's version ("model-lexicon/N"): a head trained with one version must predict with the same.</summary>
    public static string Version => Data.Version;

    public static IReadOnlyList<string> Families => Data.Families;

    public static bool IsLexiconFeature(TextFeature feature) => feature.Name.StartsWith(Kind + " ", StringComparison.Ordinal);

    /// <summary>One feature per family with a phrase in <paramref name="tokens"/> (normalised tokens), then the vocative feature.</summary>
    public static List<TextFeature> Match(IReadOnlyList<string> tokens)
    {
        var variants = tokens.Select(Tokenizer.StemVariants).Select(v => v.ToHashSet(StringComparer.Ordinal)).ToArray();
        var families = new SortedSet<int>();
        var insultAt = new bool[tokens.Count];
        for (var start = 0; start < tokens.Count; start++)
        {
            foreach (var variant in variants[start])
            {
                foreach (var (family, phrase) in Data.ByFirstToken[variant])
                {
                    if (start + phrase.Length > tokens.Count || !phrase.Skip(1).Select((t, j) => variants[start + 1 + j].Contains(t)).All(m => m))
                        continue;
                    families.Add(family);
                    insultAt[start] |= InsultFamilies.Contains(Data.Families[family]);
                }
            }
        }

        var features = families.Select(f => Feature(Data.Families[f])).ToList();
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            if (Vocatives.Contains(tokens[i]) && (insultAt[i + 1] || (i + 2 < tokens.Count && insultAt[i + 2])))
            {
                features.Add(Feature(VocativeInsult));
                break;
            }
        }
        return features;
    }

    private static TextFeature Feature(string family)
    {
        var name = $"{Kind} \"{family}\"";
        return new TextFeature(name, ModelFeatures.Bucket($"head|{name}"));
    }

    private sealed record LexiconData(string Version, IReadOnlyList<string> Families, ILookup<string, (int Family, string[] Phrase)> ByFirstToken)
    {
        public static LexiconData Load()
        {
            using var stream = typeof(FeatureLexicon).Assembly.GetManifestResourceStream("Takedown.Triage.Model.model-lexicon.json")
                ?? throw new InvalidOperationException("The model lexicon resource is missing from Takedown.Triage.");
            var file = JsonSerializer.Deserialize<LexiconFileData>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
                ?? throw new InvalidOperationException("The model lexicon resource is empty.");
            var phrases = file.Families
                .SelectMany((f, i) => f.Phrases.Select(p => (Family: i, Phrase: Tokenizer.Tokenize(TextNormalizer.Normalize(p)).ToArray())))
                .Where(p => p.Phrase.Length > 0)
                .ToLookup(p => p.Phrase[0], StringComparer.Ordinal);
            return new LexiconData(file.Version, [.. file.Families.Select(f => f.Family)], phrases);
        }
    }

    private sealed record LexiconFileData(string Version, IReadOnlyList<LexiconFileFamily> Families);

    private sealed record LexiconFileFamily(string Family, string Why, IReadOnlyList<string> Phrases);
}

using System.Text.Json;

namespace Takedown.Triage;

/// <summary>One text of the project's development set (<c>DevSet/dev-set.jsonl</c>, see its README).</summary>
/// <param name="Language">A language tag with the dialect for Arabic: ar-msa, ar-iq, ar-lev, ar-gulf, ar-eg, ar-mag, ar-latn (Arabizi), en, fa, ur, ckb, ...</param>
/// <param name="Severity">The expected severity of a violating text; null for not-violating and needs-review.</param>
/// <param name="Split"><see cref="DevSet.Tune"/>, <see cref="DevSet.Fixed"/> or <see cref="DevSet.Blind"/>.</param>
public sealed record DevSetText(string Id, string Text, string Language, string Category, string? Severity, string Note, string Split);

/// <summary>The labelled texts the project wrote to hold the classifier to, embedded in Takedown.Triage so that
/// the evaluation runs from the repository alone.</summary>
public static class DevSet
{
    /// <summary>The part whose misses may be looked at when rules are changed.</summary>
    public const string Tune = "tune";

    /// <summary>The part never used to pick rules: the honest estimate.</summary>
    public const string Fixed = "fixed";

    /// <summary>Written after the rules of keyword-rules/2 + lexicon/2 were frozen, scored once and never used to change
    /// them: the only part whose phrasing the rules' author did not have in mind while writing them.</summary>
    public const string Blind = "blind";

    public const string ResourceName = "Takedown.Triage.DevSet.dev-set.jsonl";

    public static IReadOnlyList<DevSetText> Load()
    {
        using var stream = typeof(DevSet).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from Takedown.Triage.");
        using var reader = new StreamReader(stream);
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var texts = new List<DevSetText>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            texts.Add(JsonSerializer.Deserialize<DevSetText>(line, options)
                ?? throw new InvalidDataException($"dev-set.jsonl line {number} is empty"));
        }
        return texts;
    }
}

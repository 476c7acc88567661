using System.Globalization;
using System.Text;
using Takedown.Contracts;

namespace Takedown.Triage;

/// <summary>
/// The development-set section of <c>docs/classification.md</c>, between markers so that <c>takedown model dev-set</c>
/// can rewrite it without the corpora that <c>takedown model evaluate</c> needs for the rest of the file.
/// </summary>
public static class DevSetReport
{
    public const string Start = "<!-- dev-set:start -->";
    public const string End = "<!-- dev-set:end -->";
    public const string Command = "dotnet run --project services/Cli -- model dev-set";

    public static string Render(DevSetResult result)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');

        Line(Start);
        Line("## The project's development set");
        Line();
        Line($"`shared/Takedown.Triage/DevSet/dev-set.jsonl`: {result.Outcomes.Count} short texts the project wrote (see the README beside it) in Arabic — MSA and the dialects of Iraq, " +
             "the Levant, the Gulf, Egypt and the Maghreb — and English, with hard negatives (news quoting accusations and threats, condemnation, counter-speech, " +
             "official warnings, platforms removing a group's content, pledges against terrorist content) and text the classifier cannot read (Persian, Urdu, Kurdish, Arabizi, " +
             "other languages: `needs-review`). The `fixed` part (positions 2, 5 and 8 of every ten in a category, set when the texts were written) is never used to pick rules; " +
             "rules were changed only from misses of the `tune` part. The `blind` part was written after the rules were frozen. Figures of the whole classifier (`ContentTriage`, lexicon and model), " +
             $"version `{result.ModelVersion}`.");
        Line();
        Line("**Read the figures with this caveat.** The texts of the `tune` and `fixed` parts and the rules of `lexicon/2` were written by the same person in the same session: " +
             "the fixed part's misses were never looked at, but its phrasings were in mind while phrases were added, so 1.000 there says the rules cover what was written, " +
             "not that they generalise. The `blind` part was written after the rules were frozen (commit `5842a82`), scored once and never used to change them: " +
             "it is the honest estimate, and it falls far short of the bar — threats, targeting and propaganda in wording the lexicon does not list are missed. " +
             "Issue 16's bar is met on the tune and fixed parts only.");
        Line();
        Line($"Regenerate this section alone, without the corpora: `{Command}` (add `--show-misses` to list the tune part's misses).");
        Line();
        Line($"Bar (issue 16): precision and recall ≥ {F(DevSetEvaluation.Bar)} for every category, no hard negative flagged, every threat `incitement-threat-to-life` at P0.");
        Line();
        Line("| category | " + string.Join(" | ", DevSetResult.Splits.Select(s => $"{s} P / R (texts)")) + " |");
        Line("|---|" + string.Concat(DevSetResult.Splits.Select(_ => "---|")));
        var matrices = DevSetResult.Splits.ToDictionary(s => s, result.Matrix);
        foreach (var category in ContentCategories.All)
        {
            Line($"| {category} | " + string.Join(" | ", DevSetResult.Splits.Select(s =>
            {
                var m = matrices[s];
                return $"{F(m.Precision(category))} / {F(m.Recall(category))} ({m.Support(category)})";
            })) + " |");
        }
        Line();
        foreach (var split in DevSetResult.Splits)
        {
            var outcomes = result.Outcomes.Where(o => o.Text.Split == split).ToList();
            var weakest = result.Weakest(split);
            Line($"- `{split}`: {outcomes.Count(o => o.Correct)} of {outcomes.Count} exact; weakest precision or recall {F(weakest)} " +
                 $"({(weakest >= DevSetEvaluation.Bar ? "bar met" : $"**bar not met**: {F(DevSetEvaluation.Bar - weakest)} short")}); " +
                 $"hard negatives flagged: {outcomes.Count(o => o.FlagsANegative)}; threats not at P0: {outcomes.Count(o => o.ThreatBelowP0)}; " +
                 $"not-violating texts sent to needs-review: {outcomes.Count(o => o.Text.Category == ContentCategories.NotViolating && o.Result.Category == ContentCategories.NeedsReview)}.");
        }
        Line();
        Line("Confusion matrices (rows: expected, columns: given; ITL incitement-threat-to-life, TOI targeting-of-individuals, TP terrorist-propaganda, HS hate-speech, AB abusive, NV not-violating, NR needs-review):");
        foreach (var split in DevSetResult.Splits)
        {
            Line();
            Line($"`{split}`:");
            Line();
            var m = matrices[split];
            Line("| expected \\ given | " + string.Join(" | ", ContentCategories.All.Select(Short)) + " |");
            Line("|---|" + string.Concat(ContentCategories.All.Select(_ => "---:|")));
            foreach (var actual in ContentCategories.All)
                Line($"| {Short(actual)} | " + string.Join(" | ", ContentCategories.All.Select(p => m[actual, p].ToString(CultureInfo.InvariantCulture))) + " |");
        }
        Line(End);
        return md.ToString();
    }

    /// <summary>The document with its development-set section replaced, or the section appended when it has none.</summary>
    public static string ReplaceSection(string document, string section)
    {
        var start = document.IndexOf(Start, StringComparison.Ordinal);
        var end = document.IndexOf(End, StringComparison.Ordinal);
        if (start < 0 || end < start)
            return document.TrimEnd('\n') + "\n\n" + section;
        var after = end + End.Length;
        if (after < document.Length && document[after] == '\n')
            after++;
        return document[..start] + section + document[after..];
    }

    private static string Short(string category) => category switch
    {
        ContentCategories.IncitementThreatToLife => "ITL",
        ContentCategories.TargetingOfIndividuals => "TOI",
        ContentCategories.TerroristPropaganda => "TP",
        ContentCategories.HateSpeech => "HS",
        ContentCategories.Abusive => "AB",
        ContentCategories.NotViolating => "NV",
        ContentCategories.NeedsReview => "NR",
        _ => category,
    };

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}

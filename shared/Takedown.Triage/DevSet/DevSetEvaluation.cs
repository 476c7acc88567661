using Takedown.Contracts;

namespace Takedown.Triage;

/// <summary>What <see cref="ContentTriage"/> made of one development-set text.</summary>
public sealed record DevSetOutcome(DevSetText Text, TriageResult Result)
{
    public bool Correct => Result.Category == Text.Category;

    /// <summary>A violating category given to text that is not violating (needs-review is a question, not a flag).</summary>
    public bool FlagsANegative =>
        Text.Category == ContentCategories.NotViolating && Result.Category is not (ContentCategories.NotViolating or ContentCategories.NeedsReview);

    /// <summary>A threat to life that did not come out as one, at P0.</summary>
    public bool ThreatBelowP0 =>
        Text.Category == ContentCategories.IncitementThreatToLife && (Result.Category != Text.Category || Result.Severity != "P0");
}

public sealed record DevSetResult(IReadOnlyList<DevSetOutcome> Outcomes, string ModelVersion)
{
    public static readonly IReadOnlyList<string> Splits = [DevSet.Tune, DevSet.Fixed, DevSet.Blind];

    public ConfusionMatrix Matrix(string split)
    {
        var matrix = new ConfusionMatrix(ContentCategories.All);
        foreach (var o in Outcomes.Where(o => o.Text.Split == split))
            matrix.Add(o.Text.Category, o.Result.Category);
        return matrix;
    }

    /// <summary>The lowest precision or recall of any category in the split: what the bar is held against.</summary>
    public double Weakest(string split)
    {
        var matrix = Matrix(split);
        return ContentCategories.All.Where(c => matrix.Support(c) > 0)
            .SelectMany(c => new[] { matrix.Precision(c), matrix.Recall(c) })
            .Min();
    }

    public IReadOnlyList<DevSetOutcome> FlaggedNegatives => [.. Outcomes.Where(o => o.FlagsANegative)];

    public IReadOnlyList<DevSetOutcome> ThreatsBelowP0 => [.. Outcomes.Where(o => o.ThreatBelowP0)];
}

/// <summary>Runs the classifier over the development set; needs nothing beyond the repository.</summary>
public static class DevSetEvaluation
{
    /// <summary>Issue 16's bar: precision and recall of every category on the project's own development set.</summary>
    public const double Bar = 0.85;

    public static DevSetResult Run() => Run(DevSet.Load());

    public static DevSetResult Run(IReadOnlyList<DevSetText> texts) =>
        new([.. texts.Select(t => new DevSetOutcome(t, ContentTriage.Classify(t.Text)))], ContentTriage.ModelVersion);
}

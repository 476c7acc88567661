using Takedown.Contracts;
using Takedown.Triage;
using Xunit;

namespace Takedown.Text.Tests;

/// <summary>Issue 16's bar, held against the project's own development set (shared/Takedown.Triage/DevSet).</summary>
public sealed class DevSetTests
{
    private static readonly DevSetResult Result = DevSetEvaluation.Run();

    [Fact]
    public void The_dev_set_is_labelled_with_the_contract_categories_and_a_fixed_part_of_about_thirty_percent()
    {
        var texts = DevSet.Load();

        Assert.Equal(texts.Count, texts.Select(t => t.Id).Distinct().Count());
        Assert.All(texts, t =>
        {
            Assert.Contains(t.Category, ContentCategories.All);
            Assert.Contains(t.Split, DevSetResult.Splits);
            Assert.False(string.IsNullOrWhiteSpace(t.Note), $"{t.Id} has no note");
            Assert.Equal(t.Category is ContentCategories.NotViolating or ContentCategories.NeedsReview, t.Severity is null);
        });
        Assert.All(texts.Where(t => t.Category == ContentCategories.IncitementThreatToLife), t => Assert.Equal("P0", t.Severity));
        var written = texts.Where(t => t.Split != DevSet.Blind).ToList();
        Assert.InRange((double)written.Count(t => t.Split == DevSet.Fixed) / written.Count, 0.28, 0.32);
        Assert.All(ContentCategories.All, c => Assert.Contains(written, t => t.Category == c && t.Split == DevSet.Fixed));
    }

    [Theory]
    [InlineData(DevSet.Tune)]
    [InlineData(DevSet.Fixed)]
    public void Every_category_has_precision_and_recall_of_at_least_the_bar(string split)
    {
        var matrix = Result.Matrix(split);

        Assert.All(ContentCategories.All, category =>
        {
            Assert.True(matrix.Precision(category) >= DevSetEvaluation.Bar, $"{split} {category} precision {matrix.Precision(category):0.000}");
            Assert.True(matrix.Recall(category) >= DevSetEvaluation.Bar, $"{split} {category} recall {matrix.Recall(category):0.000}");
        });
    }

    [Theory]
    [InlineData(DevSet.Tune)]
    [InlineData(DevSet.Fixed)]
    public void No_news_counter_speech_or_other_hard_negative_is_flagged(string split) =>
        Assert.Empty(Result.FlaggedNegatives.Where(o => o.Text.Split == split).Select(o => $"{o.Text.Id}: {o.Result.Category}"));

    [Theory]
    [InlineData(DevSet.Tune)]
    [InlineData(DevSet.Fixed)]
    public void Every_threat_outranks_its_labels_at_p0(string split)
    {
        var threats = Result.Outcomes.Where(o => o.Text.Split == split && o.Text.Category == ContentCategories.IncitementThreatToLife).ToList();

        // Labelled threats are in the part, so the assertion below covers "threats outrank labels".
        Assert.Contains(threats, o => o.Result.Explanation.Any(e => e.StartsWith("targeting-label:", StringComparison.Ordinal)));
        Assert.Empty(threats.Where(o => o.ThreatBelowP0).Select(o => $"{o.Text.Id}: {o.Result.Category} {o.Result.Severity}"));
    }

    // The blind part is not held to the bar (it falls far short, see docs/classification.md); what is held is that the
    // report states its figures as they are.
    [Fact]
    public void The_report_shows_the_dev_set_figures_of_this_build()
    {
        var report = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "classification.md"));

        Assert.Contains(DevSetReport.Render(Result), report.ReplaceLineEndings("\n"));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "global.json")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new DirectoryNotFoundException("no global.json above the test assembly");
    }
}

using Xunit;
using Takedown.Contracts;
using Takedown.Triage;

namespace Takedown.Text.Tests;

public sealed class ContentTriageTests
{
    [Fact]
    public void The_lexicon_decides_targeting_and_the_model_only_adds_its_view()
    {
        var result = ContentTriage.Classify("فلان عميل السفارة");

        Assert.Equal((ContentCategories.TargetingOfIndividuals, "P1"), (result.Category, result.Severity));
        Assert.Equal("targeting-label: عميل السفارة", result.Explanation[0]);
        Assert.StartsWith("model: ", result.Explanation[^1]);
    }

    [Fact]
    public void An_insult_no_rule_knows_is_left_to_the_model()
    {
        var lexiconAlone = KeywordTriage.Classify("you are a worthless piece of shit");
        var result = ContentTriage.Classify("you are a worthless piece of shit");

        Assert.Equal(ContentCategories.NotViolating, lexiconAlone.Category);
        Assert.Equal((ContentCategories.Abusive, "P3"), (result.Category, result.Severity));
        Assert.True(result.Confidence > 0.5);
    }

    [Fact]
    public void News_about_a_killing_stays_not_violating()
    {
        var result = ContentTriage.Classify("قالت الشرطة إن مسلحين من داعش قتلوا خمسة مدنيين");

        Assert.Equal(ContentCategories.NotViolating, result.Category);
    }

    [Fact]
    public void The_version_names_the_rules_the_lexicon_and_the_model()
    {
        Assert.Equal($"keyword-rules/1+lexicon/1+{TriageModel.Load().Version}", ContentTriage.ModelVersion);
        Assert.StartsWith("triage-model/3+", TriageModel.Load().Version);
    }
}

public sealed class ContentTriageInsultTests
{
    [Fact]
    public void A_plain_arabic_insult_stays_abusive_whatever_the_hateful_head_says()
    {
        var result = ContentTriage.Classify("يا كلب يا حقير");

        Assert.Equal((ContentCategories.Abusive, "P3"), (result.Category, result.Severity));
        Assert.StartsWith("abusive: ", result.Explanation[0]);
    }
}

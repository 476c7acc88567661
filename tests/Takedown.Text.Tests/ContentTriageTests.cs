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
    public void A_weak_model_score_on_an_insult_no_rule_knows_goes_to_an_analyst()
    {
        var lexiconAlone = KeywordTriage.Classify("you are a worthless piece of shit");
        var result = ContentTriage.Classify("you are a worthless piece of shit");

        Assert.Equal(ContentCategories.NotViolating, lexiconAlone.Category);
        Assert.Equal((ContentCategories.NeedsReview, "P3"), (result.Category, result.Severity));
        Assert.Equal("model alone, below 0.90, on text addressed to someone: needs review", result.Explanation[^1]);
    }

    [Fact]
    public void News_prose_the_model_alone_calls_abusive_is_not_acted_on()
    {
        var result = ContentTriage.Classify("Local elections will be held in March, the commission announced.");

        Assert.StartsWith("model: abusive", result.Explanation[^2]);
        Assert.Equal((ContentCategories.NotViolating, "P3"), (result.Category, result.Severity));
        Assert.Equal("model alone, below 0.90, on text addressed to no one: not acted on", result.Explanation[^1]);
    }

    [Theory]
    [InlineData("این خبرنگار جاسوس است", "fa")]
    [InlineData("ئەم ڕۆژنامەنووسە خائینە", "ckb")]
    public void Text_in_a_language_it_does_not_read_goes_to_an_analyst_without_the_model(string text, string language)
    {
        var result = ContentTriage.Classify(text);

        Assert.Equal((ContentCategories.NeedsReview, "P2", language), (result.Category, result.Severity, result.Language));
        Assert.DoesNotContain(result.Explanation, e => e.StartsWith("model:", StringComparison.Ordinal));
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
        Assert.Equal($"keyword-rules/2+lexicon/2+{TriageModel.Load().Version}", ContentTriage.ModelVersion);
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

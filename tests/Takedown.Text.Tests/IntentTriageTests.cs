using Takedown.Triage;
using Xunit;

namespace Takedown.Text.Tests;

/// <summary>Issue 16: intent decides before vocabulary, and reporting about violence is left alone.</summary>
public class IntentTriageTests
{
    [Theory]
    [InlineData("هذا الصحفي عميل للسفارة ودمه مباح", "threat-to-kill: دمه مباح")]            // blood licence beside a label
    [InlineData("يا ذيل السفارة، راح نوصلك", "threat-to-kill: راح نوصلك")]                    // Iraqi: we will reach you
    [InlineData("You apostate, your days are numbered", "threat-to-kill: your days are numbered")]
    public void A_threat_outranks_the_label_that_comes_with_it(string text, string threat)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("incitement-threat-to-life", "P0"), (result.Category, result.Severity));
        Assert.Contains(threat, result.Explanation);
        Assert.Contains(result.Explanation, e => e.StartsWith("targeting-label: ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("انشروا عنوان بيته", "call-to-find-or-expose: انشروا عنوان بيته")]
    [InlineData("post his home address", "call-to-find-or-expose: post his home address")]
    public void A_call_to_expose_where_someone_lives_is_p0(string text, string explanation)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("incitement-threat-to-life", "P0", 0.85), (result.Category, result.Severity, result.Confidence));
        Assert.Equal([explanation], result.Explanation);
    }

    [Fact]
    public void A_label_with_a_workplace_is_targeting_without_an_insult()
    {
        var result = KeywordTriage.Classify("هذا عميل السفارة ويشتغل في وزارة الصحة");

        Assert.Equal(("targeting-of-individuals", "P1", 0.9), (result.Category, result.Severity, result.Confidence));
        Assert.Equal(["targeting-label: عميل السفارة", "identifying-details: يشتغل في"], result.Explanation);
    }

    [Fact]
    public void A_workplace_without_a_label_is_nothing()
    {
        var result = KeywordTriage.Classify("He works at the ministry and lives in the old town");

        Assert.Equal("not-violating", result.Category);
    }

    [Fact]
    public void An_outlet_named_in_a_report_of_its_removal_is_not_propaganda()
    {
        var result = KeywordTriage.Classify("Telegram removed the channels of Amaq");

        Assert.Equal("not-violating", result.Category);
        Assert.Contains("context: platform-action (lowers score)", result.Explanation);
    }

    [Fact]
    public void A_claim_in_the_outlets_style_is_propaganda()
    {
        var result = KeywordTriage.Classify("أعماق: بفضل الله تمكن جنود الخلافة من تدمير آلية للجيش المرتد");

        Assert.Equal(("terrorist-propaganda", "P1"), (result.Category, result.Severity));
        Assert.Contains("propaganda-organisation: أعماق", result.Explanation);           // the outlet counts beside the wording
        Assert.DoesNotContain(result.Explanation, e => e.StartsWith("targeting-label", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("اللاجئين مو حشرات")]
    [InlineData("Refugees are not vermin")]
    public void Denying_dehumanisation_is_counter_speech(string text)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal("not-violating", result.Category);
        Assert.Contains("context: negation (lowers score)", result.Explanation);
        Assert.True(result.ReportingContext);
    }

    [Theory]
    [InlineData("المسيحيون أعداء الله لا يجوز العيش معهم", "hate-speech: لا يجوز العيش معهم (about المسيحيون)")]
    [InlineData("الأكراد كلهم خونة", "hate-speech: خونة (about الأكراد)")]            // a label on a whole community
    public void A_dehumanising_generalisation_about_a_community_is_hate_speech(string text, string explanation)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("hate-speech", "P2"), (result.Category, result.Severity));
        Assert.Contains(explanation, result.Explanation);
    }

    [Theory]
    [InlineData("تحذير: حسابات مزيفة تنتحل صفة الوزارة وتنشر تهديدات باسم الدولة الإسلامية", "context: official-warning (lowers score)")]
    [InlineData("من يقول إن دمه مباح لا يمثل الإسلام", "context: counter-speech (lowers score)")]
    [InlineData("The court heard that the message read 'we will reach you'", "context: news-framing (lowers score)")]
    public void Warnings_counter_speech_and_quoted_threats_are_not_violating(string text, string context)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal("not-violating", result.Category);
        Assert.Contains(context, result.Explanation);
    }

    [Theory]
    [InlineData("ئەم ڕۆژنامەنووسە خائینە", "ckb")]
    [InlineData("ya 7mar shu 3am t2oul", "ar-Latn")]
    public void An_unread_language_is_needs_review_never_not_violating(string text, string language)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("needs-review", "P2", language), (result.Category, result.Severity, result.Language));
    }
}

using Takedown.Triage;
using Xunit;

namespace Takedown.Text.Tests;

public class KeywordTriageTests
{
    [Theory]
    [InlineData("فلان عميل السفارة", 0.8, "targeting-label: عميل السفارة")]
    [InlineData("هذا عميل للسفارة", 0.8, "targeting-label: عميل السفارة")]               // ل + السفارة
    [InlineData("هذا ذيل السفارة وكل ربعه ذيول", 0.8, "targeting-label: ذيل السفارة")]    // Iraqi
    [InlineData("he is an agent of the embassy", 0.8, "targeting-label: agent of the embassy")]
    [InlineData("هذا الشيخ مرتد", 0.8, "targeting-label: مرتد")]
    [InlineData("الصحفي فلان خائن", 0.6, "targeting-label: خائن")]
    public void Calling_someone_an_embassy_agent_is_targeting(string text, double confidence, string explanation)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("targeting-of-individuals", "P1", confidence), (result.Category, result.Severity, result.Confidence));
        Assert.Equal([explanation], result.Explanation);
    }

    [Fact]
    public void A_label_with_an_address_is_more_certain_targeting()
    {
        var result = KeywordTriage.Classify("الصحفي فلان خائن وعنوانه في شارع فلسطين");

        Assert.Equal(("targeting-of-individuals", "P1", 0.7), (result.Category, result.Severity, result.Confidence));
        Assert.Equal(["targeting-label: خائن", "identifying-details: عنوانه"], result.Explanation);
    }

    [Theory]
    [InlineData("فلان عميل السفارة اقتلوه", "ar")]
    [InlineData("هذا ذيل السفارة بيته في الكرادة اكتلوه", "ar")]                          // Iraqi: اكتلوه = اقتلوه
    [InlineData("he is a traitor, his address is 12 Palestine Street, kill him", "en")]
    public void A_call_to_kill_a_labelled_person_is_an_imminent_threat(string text, string language)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("incitement-threat-to-life", "P0", 0.95, language),
            (result.Category, result.Severity, result.Confidence, result.Language));
        Assert.Contains(result.Explanation, e => e.StartsWith("threat-to-kill: ", StringComparison.Ordinal));
        Assert.Contains(result.Explanation, e => e.StartsWith("targeting-label: ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("اقتـــلوهُ", "threat-to-kill: اقتلوه")]                                  // tatweel and a vowel mark
    [InlineData("سنقتلكم جميعا", "threat-to-kill: سنقتل")]
    [InlineData("\"اقتلوه\"", "threat-to-kill: اقتلوه")]                                  // quotes alone excuse nothing
    [InlineData("we will kill you all", "threat-to-kill: we will kill")]
    public void A_direct_threat_to_kill_is_p0(string text, string explanation)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("incitement-threat-to-life", "P0", 0.85), (result.Category, result.Severity, result.Confidence));
        Assert.Equal([explanation], result.Explanation);
    }

    [Fact]
    public void A_direct_threat_outside_quotes_wins_over_news_framing()
    {
        var result = KeywordTriage.Classify("According to the news he is a spy. Kill him");

        Assert.Equal(("incitement-threat-to-life", "P0", 0.95), (result.Category, result.Severity, result.Confidence));
        Assert.Equal(
            [
                "targeting-label: spy",
                "threat-to-kill: kill him",
                "context: news-framing (lowers score)",
                "direct threat outside quotes: reporting context does not excuse it",
            ],
            result.Explanation);
    }

    [Theory]
    [InlineData("الدولة الإسلامية باقية وتتمدد", 0.9, "propaganda-formula: باقية وتتمدد")]
    [InlineData("نبايع أمير المؤمنين على السمع والطاعة", 0.85, "propaganda-formula: نبايع أمير المؤمنين")]
    [InlineData("#داعش #باقية_وتتمدد", 0.9, "propaganda-organisation: داعش")]             // a name counts beside a slogan
    [InlineData("Join the caliphate, brothers. The Islamic State is remaining and expanding", 0.95, "propaganda-formula: join the caliphate")]
    [InlineData("وكالة أعماق: مقتل 20 من عناصر الجيش في ولاية نينوى", 0.65, "propaganda-organisation: وكالة أعماق")]
    public void A_propaganda_formula_or_outlet_is_terrorist_propaganda(string text, double confidence, string explanation)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("terrorist-propaganda", "P1", confidence), (result.Category, result.Severity, result.Confidence));
        Assert.Contains(explanation, result.Explanation);
        Assert.DoesNotContain(result.Explanation, e => e.StartsWith("context:", StringComparison.Ordinal));   // وكالة in وكالة أعماق is a name
    }

    [Theory]
    [InlineData("قالت الشرطة إن تنظيم داعش تبنى الهجوم", "propaganda-organisation: داعش", "context: news-framing (lowers score)")]
    [InlineData("Police said ISIS claimed responsibility for the attack", "propaganda-organisation: isis", "context: news-framing (lowers score)")]
    [InlineData("ندين بشدة جرائم داعش الإرهابية", "propaganda-organisation: داعش", "context: condemnation (lowers score)")]
    [InlineData("ذكرت مصادر أن مقاتلي الدولة الإسلامية انسحبوا من القرية", "propaganda-organisation: الدولة الإسلامية", "context: news-framing (lowers score)")]
    public void A_news_report_naming_the_organisation_is_not_violating(string text, string hit, string context)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("not-violating", "P3", 0.55), (result.Category, result.Severity, result.Confidence));
        Assert.Contains($"{hit} (discounted: reported, quoted or condemned)", result.Explanation);
        Assert.Contains(context, result.Explanation);
        Assert.Equal("only reported, quoted, negated or named mentions: not violating", result.Explanation[^1]);
    }

    [Theory]
    [InlineData("ذكرت وكالة الأنباء أن المهاجم كتب \"سنقتل كل من يعارضنا\"", "threat-to-kill: سنقتل")]
    [InlineData("قال المتحدث إن المنشور تضمن عبارة «اقتلوه»", "threat-to-kill: اقتلوه")]
    [InlineData("The police said the post read \"kill him\"", "threat-to-kill: kill him")]
    [InlineData("Police said the leaflet claimed the judge must be killed", "threat-to-kill: must be killed")]
    public void A_report_quoting_a_threat_is_not_violating(string text, string hit)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("not-violating", "P3", 0.55), (result.Category, result.Severity, result.Confidence));
        Assert.Contains($"{hit} (discounted: reported, quoted or condemned)", result.Explanation);
    }

    [Theory]
    [InlineData("داعش")]
    [InlineData("I read a long book about ISIS")]
    public void The_organisations_outsider_name_alone_is_not_propaganda(string text)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("not-violating", "P3", 0.55), (result.Category, result.Severity, result.Confidence));
        Assert.Contains(result.Explanation, e => e.EndsWith("(a name alone, without propaganda wording)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("الرافضة أنجاس", 0.75, "hate-speech: الرافضة")]
    [InlineData("الشيعة كلهم كفار", 0.7, "hate-speech: كفار (about الشيعة)")]
    [InlineData("the refugees are vermin", 0.7, "hate-speech: vermin (about refugees)")]
    public void Dehumanising_a_community_is_hate_speech(string text, double confidence, string explanation)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("hate-speech", "P2", confidence), (result.Category, result.Severity, result.Confidence));
        Assert.Equal([explanation], result.Explanation);
    }

    [Theory]
    [InlineData("الحكومة رافضة للقرار")]           // bare رافضة is the adjective "refusing"
    [InlineData("rats live in the sewers")]        // a dehumanising word with no community named
    public void Ordinary_uses_of_slur_words_are_not_hate_speech(string text) =>
        Assert.Equal("not-violating", KeywordTriage.Classify(text).Category);

    [Theory]
    [InlineData("انت حقير وواطي", 0.65)]
    [InlineData("ولك چلب", 0.6)]                    // Iraqi spelling of كلب
    [InlineData("you idiot", 0.6)]
    public void Insults_are_abusive(string text, double confidence)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("abusive", "P3", confidence), (result.Category, result.Severity, result.Confidence));
    }

    [Theory]
    [InlineData("ذهبت إلى السوق واشتريت خبزا", "ar")]
    [InlineData("شلونكم شباب، اليوم الجو حلو", "ar")]
    [InlineData("The embassy opens at 9 tomorrow", "en")]
    public void Neutral_text_is_not_violating(string text, string language)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("not-violating", "P3", 0.6, language), (result.Category, result.Severity, result.Confidence, result.Language));
        Assert.Equal(["no rule matched"], result.Explanation);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public void Missing_text_is_not_violating(string? text)
    {
        var result = KeywordTriage.Classify(text);

        Assert.Equal(("not-violating", "P3", "und"), (result.Category, result.Severity, result.Language));
        Assert.Equal(["no text"], result.Explanation);
    }

    [Fact]
    public void Every_rule_phrase_survives_normalisation() =>
        Assert.All(
            KeywordRules.Phrases.Concat(KeywordRules.Context).Concat(KeywordRules.Groups).Concat(KeywordRules.DehumanisingTerms),
            rule => Assert.NotEmpty(rule.Tokens));
}

public sealed class LexiconFileTests
{
    [Fact]
    public void The_lexicon_file_is_versioned_and_every_family_says_why_it_is_there()
    {
        var lexicon = Takedown.Triage.LexiconFile.Load();

        Assert.Equal("lexicon/2", lexicon.Version);
        Assert.All(lexicon.Families.Concat(lexicon.Context).Append(lexicon.Groups).Append(lexicon.DehumanisingTerms), family =>
        {
            Assert.False(string.IsNullOrWhiteSpace(family.Why), $"{family.Family} has no reason");
            Assert.NotEmpty(family.Phrases);
        });
        Assert.Contains(lexicon.Families, f => f.Family == "targeting-label" && f.Phrases.Contains("عميل السفارة"));
    }
}

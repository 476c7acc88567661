using Takedown.Text;
using Xunit;

namespace Takedown.Text.Tests;

public class TokenizerTests
{
    private static string Tokens(string text) => string.Join("|", Tokenizer.Tokenize(TextNormalizer.Normalize(text)));

    [Theory]
    [InlineData("عميل السفارة، خائن!", "عميل|السفاره|خاين")]
    [InlineData("kill him... now?!", "kill|him|now")]
    [InlineData("we'll kill", "we|ll|kill")]
    [InlineData("🔥🔥 اقتلوه 🔥", "اقتلوه")]
    [InlineData("", "")]
    public void Punctuation_and_emoji_separate_words(string text, string expected) =>
        Assert.Equal(expected, Tokens(text));

    [Theory]
    [InlineData("#باقية_وتتمدد", "باقيه|وتتمدد")]
    [InlineData("#ISIS news", "isis|news")]
    [InlineData("@ali_kadhim قال", "ali|kadhim|قال")]
    public void Hashtag_and_mention_signs_are_dropped_and_the_words_kept(string text, string expected) =>
        Assert.Equal(expected, Tokens(text));

    [Theory]
    [InlineData("شاهد https://t.me/some_channel/12 الآن", "شاهد|الان")]
    [InlineData("see http://example.org/kill-him?x=1 and www.example.org/a", "see|and")]
    [InlineData("مصدر:https://example.org/x", "مصدر")]
    [InlineData("t.me/channel_name الإصدار", "الاصدار")]
    [InlineData("score 5.3/10", "score|5|3|10")]
    public void Urls_are_removed_entirely(string text, string expected) =>
        Assert.Equal(expected, Tokens(text));

    [Theory]
    [InlineData("والسفارة", "سفاره")]
    [InlineData("والسفارة", "السفاره")]
    [InlineData("للسفارة", "السفاره")]      // ل + السفارة, the article's alef dropped in writing
    [InlineData("للسفارة", "سفاره")]
    [InlineData("بالسفارة", "سفاره")]
    [InlineData("وبالسفارة", "سفاره")]     // stacked clitics
    [InlineData("فعميل", "عميل")]
    [InlineData("عميلها", "عميل")]
    [InlineData("بيتها", "بيت")]
    [InlineData("ويقتلونكم", "يقتلون")]
    [InlineData("الدم", "دم")]              // the article may leave two letters
    public void Clitics_come_off_arabic_tokens(string token, string expectedVariant) =>
        Assert.Contains(expectedVariant, Tokenizer.StemVariants(TextNormalizer.Normalize(token)));

    [Theory]
    [InlineData("وصل", "صل")]               // و is part of the root when only two letters would remain
    [InlineData("كلب", "لب")]
    [InlineData("بيع", "يع")]
    [InlineData("لله", "له")]
    public void Clitics_are_kept_when_too_little_would_remain(string token, string notExpected) =>
        Assert.DoesNotContain(notExpected, Tokenizer.StemVariants(TextNormalizer.Normalize(token)));

    [Theory]
    [InlineData("والسفارة")]
    [InlineData("traitors")]
    public void The_token_itself_is_the_first_variant(string token)
    {
        var normalized = TextNormalizer.Normalize(token);
        Assert.Equal(normalized, Tokenizer.StemVariants(normalized).First());
    }

    [Fact]
    public void Latin_tokens_have_no_other_variants() =>
        Assert.Equal(["wall"], Tokenizer.StemVariants("wall"));
}

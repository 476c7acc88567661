using Takedown.Text;
using Xunit;

namespace Takedown.Text.Tests;

public class LanguageIdentifierTests
{
    [Theory]
    [InlineData("هذا الصحفي عميل للسفارة", "ar")]
    [InlineData("والله لنسحله بالشارع هذا الجوكري", "ar")]             // Iraqi چ/گ-free dialect stays Arabic
    [InlineData("ولك چلب", "ar")]                                       // چ alone is Iraqi Arabic, not Persian
    [InlineData("ما می‌دانیم کجا زندگی می‌کنی", "fa")]
    [InlineData("آج موسم بہت اچھا ہے", "ur")]
    [InlineData("ئەمڕۆ کەشوهەوا زۆر خۆشە", "ckb")]
    [InlineData("kifak ya habibi, shu 3am ta3mel lyom?", "ar-Latn")]
    [InlineData("you idiot", "en")]                                     // too short to need function words
    [InlineData("Ce journaliste est un traître, on sait où il habite", "fr")]
    [InlineData("Этот журналист предатель", "und")]
    public void Tells_the_language_apart_from_the_script(string text, string expected) =>
        Assert.Equal(expected, LanguageIdentifier.Identify(text));

    [Theory]
    [InlineData("ئەمڕۆ کەشوهەوا زۆر خۆشە", true)]
    [InlineData("Этот журналист предатель", true)]
    [InlineData("🔥🔥 123", false)]                 // nothing to read is not an unread language
    [InlineData("داعش ISIS", false)]               // Arabic and Latin in a tie: the rules read both
    [InlineData("he is a spy", false)]
    public void Only_a_language_the_rules_do_not_read_is_unread(string text, bool unread) =>
        Assert.Equal(unread, LanguageIdentifier.IsUnread(text, LanguageIdentifier.Identify(text)));
}

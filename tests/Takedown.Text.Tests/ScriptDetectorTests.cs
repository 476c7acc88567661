using Takedown.Text;
using Xunit;

namespace Takedown.Text.Tests;

public class ScriptDetectorTests
{
    [Theory]
    [InlineData("فلان عميل السفارة", "ar")]
    [InlineData("شلونك خويه، شكو ماكو؟", "ar")]                 // Iraqi dialect is Arabic script too
    [InlineData("he is an agent of the embassy", "en")]
    [InlineData("عاجل: ISIS claimed the attack in الموصل today", "en")]   // Latin letters are the majority
    [InlineData("داعش الإرهابي ISIS", "ar")]
    [InlineData("داعش ISIS", "und")]                            // a tie is no majority
    [InlineData("🔥🔥 123 !!! ٣٤", "und")]                       // no letters at all
    [InlineData("", "und")]
    [InlineData("Привет мир", "und")]                          // letters, but neither Arabic nor Latin
    [InlineData("\uFECB\uFEE4\uFEF4\uFEDE", "ar")]              // presentation forms count as Arabic
    public void The_script_holding_most_letters_decides(string text, string expected) =>
        Assert.Equal(expected, ScriptDetector.DetectLanguage(text));
}

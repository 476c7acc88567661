using Takedown.Text;
using Xunit;

namespace Takedown.Text.Tests;

public class TextNormalizerTests
{
    [Theory]
    [InlineData("مُحَمَّدٌ", "محمد")]                   // harakat, shadda, tanwin
    [InlineData("قُرْآنٌ", "قران")]
    [InlineData("هٰذا", "هذا")]                         // superscript alef
    [InlineData("الرَّحِيمِ ۝ ۖ", "الرحيم")]              // Quranic marks
    [InlineData("سأ\u0654ل", "سال")]                    // combining hamza above
    public void Diacritics_are_removed(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Theory]
    [InlineData("الســـلام", "السلام")]
    [InlineData("اقتـــلوه", "اقتلوه")]
    public void Tatweel_is_removed(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Theory]
    [InlineData("أحمد", "احمد")]
    [InlineData("إسلام", "اسلام")]
    [InlineData("آمن", "امن")]
    [InlineData("ٱلله", "الله")]
    public void Alef_variants_become_bare_alef(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Theory]
    [InlineData("مدرسة", "مدرسه")]
    [InlineData("السفارة", "السفاره")]
    public void Teh_marbuta_becomes_heh(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Theory]
    [InlineData("على", "علي")]
    [InlineData("مصطفى", "مصطفي")]
    public void Alef_maqsura_becomes_yeh(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Theory]
    [InlineData("مؤمن", "مومن")]
    [InlineData("مسئول", "مسيول")]
    [InlineData("خائن", "خاين")]
    public void Hamza_on_waw_and_yeh_is_dropped(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Theory]
    [InlineData("٠١٢٣٤٥٦٧٨٩", "0123456789")]
    [InlineData("۰۱۲۳۴۵۶۷۸۹", "0123456789")]
    [InlineData("شارع ١٤ رمضان", "شارع 14 رمضان")]
    public void Arabic_indic_and_persian_digits_become_ascii(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Theory]
    [InlineData("کتاب", "كتاب")]
    [InlineData("فارسی", "فارسي")]
    public void Persian_kaf_and_yeh_become_arabic(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Theory]
    [InlineData("  Kill \t\n  HIM  ", "kill him")]
    [InlineData("عميل\u00A0\u00A0السفارة", "عميل السفاره")]
    [InlineData(" \r\n ", "")]
    public void Whitespace_is_collapsed_and_trimmed(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Theory]
    [InlineData("عم\u200Cيل", "عميل")]                  // ZWNJ
    [InlineData("عم\u200Dيل", "عميل")]                  // ZWJ
    [InlineData("\u200Fاقتلوه\u200E", "اقتلوه")]        // RLM, LRM
    [InlineData("\uFEFFkill\u200B him", "kill him")]    // BOM, zero-width space
    public void Zero_width_and_direction_marks_are_removed(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Theory]
    [InlineData("\uFECB\uFEE4\uFEF4\uFEDE", "عميل")]    // presentation forms-B, as copied from a PDF
    [InlineData("\uFEFB", "لا")]                        // lam-alef ligature
    [InlineData("\uFDF2", "الله")]
    [InlineData("ＫＩＬＬ", "kill")]                      // full-width
    [InlineData("\U0001D424\U0001D422\U0001D425\U0001D425", "kill")]   // mathematical bold
    [InlineData("\U0001D458\U0001D456\U0001D459\U0001D459 \u210E\U0001D456\U0001D45A", "kill him")]   // italic, with ℎ
    [InlineData("\uFB01nd", "find")]
    public void Compatibility_forms_fold_to_plain_letters(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Fact]
    public void Latin_is_lower_cased_and_emoji_kept() =>
        Assert.Equal("death to 🔥", TextNormalizer.Normalize("DEATH To 🔥"));

    [Theory]
    [InlineData("وَالسَّفَارَةُ  أَعْلَنَتْ ١٢ ـ إجراءً")]
    [InlineData("\uFECB\uFEE4\uFEF4\uFEDE ＫＩＬＬ \u200Fهٰذا\u200E")]
    [InlineData("Mixed عربي and English ۳")]
    public void Normalising_twice_changes_nothing(string input)
    {
        var once = TextNormalizer.Normalize(input);
        Assert.Equal(once, TextNormalizer.Normalize(once));
    }
}

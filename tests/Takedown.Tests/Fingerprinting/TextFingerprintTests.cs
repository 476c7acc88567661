extern alias reupload;

using System.Security.Cryptography;
using System.Text;
using Signals = reupload::Takedown.ReuploadDetection.Fingerprinting.Signals;

namespace Takedown.Tests.Fingerprinting;

public sealed class TextFingerprintTests
{
    [Fact]
    public void Text_sha256_is_the_sha256_of_the_normalised_text_so_spelling_variants_share_it()
    {
        // Diacritics, tatweel, hamza on alef, teh marbuta and extra spaces: all gone after normalisation.
        var variants = new[] { "أنت عَمِيلُ السَّفَارَةِ", "انت  عميل   الســـفارة", "  أنت عميل السفارة " };
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("انت عميل السفاره")));

        foreach (var text in variants)
            Assert.Equal(expected, Signals.OfText(text).Single(f => f.Signal == Signals.TextSha256).Value);
    }

    [Fact]
    public void Text_that_normalises_to_nothing_has_no_text_fingerprint()
    {
        Assert.Empty(Signals.OfText("   "));
        Assert.Empty(Signals.OfText("ـــ ً ُ"));
    }
}

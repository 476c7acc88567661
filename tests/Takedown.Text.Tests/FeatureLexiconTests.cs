using System.Text;
using System.Text.RegularExpressions;
using Takedown.Triage;
using Xunit;

namespace Takedown.Text.Tests;

/// <summary>The Arabic heads' lexicon (Model/model-lexicon.json): family features matched like the keyword rules.</summary>
public class FeatureLexiconTests
{
    private static List<string> Families(string text) =>
        [.. FeatureLexicon.Match(Tokenizer.Tokenize(TextNormalizer.Normalize(text))).Select(f => f.Name)];

    [Fact]
    public void The_lexicon_is_versioned_and_every_family_has_phrases()
    {
        Assert.Matches(new Regex("^model-lexicon/[0-9]+$"), FeatureLexicon.Version);
        Assert.Contains("animal", FeatureLexicon.Families);
        Assert.Equal(FeatureLexicon.Families.Count, FeatureLexicon.Families.Distinct().Count());
    }

    [Theory]
    [InlineData("والكلاب دول ما بيفهموش", "lexicon \"animal\"")]          // conjunction and article stripped
    [InlineData("الله ياخذ كلبهم", "lexicon \"animal\"")]                 // possessive suffix stripped
    [InlineData("هذا چلب ابن چلب", "lexicon \"animal\"")]                  // Iraqi spelling
    [InlineData("لعنة الله عليهم", "lexicon \"curse\"")]                   // two-word phrase, teh marbuta folded
    [InlineData("ولاد الكلب دول", "lexicon \"parentage\"")]
    [InlineData("الصهاينة المجرمين", "lexicon \"sectarian-slur\"")]
    public void A_family_fires_on_its_phrases_as_people_write_them(string text, string feature)
    {
        Assert.Contains(feature, Families(text));
    }

    [Fact]
    public void An_insult_after_a_vocative_fires_the_vocative_feature_once()
    {
        var features = Families("يا حمار يا غبي");

        Assert.Contains("lexicon \"animal\"", features);
        Assert.Contains("lexicon \"contempt\"", features);
        Assert.Single(features, f => f == $"lexicon \"{FeatureLexicon.VocativeInsult}\"");
        Assert.DoesNotContain($"lexicon \"{FeatureLexicon.VocativeInsult}\"", Families("الحمار في المزرعة"));
    }

    [Fact]
    public void Neutral_text_has_no_lexicon_features()
    {
        Assert.Empty(Families("صباح الخير يا اصدقاء، شكرا على المقال"));
        Assert.Empty(Families("the council approved the budget"));
    }

    [Fact]
    public void The_heads_features_end_with_the_lexicon_families_and_the_features_name_them()
    {
        var features = ModelFeatures.ExtractForHeads("انت كذاب ومنافق");

        Assert.Contains(features, f => f.Name == "lexicon \"accusation\"");
        Assert.Contains(features, f => f.Name == $"lexicon \"{FeatureLexicon.VocativeInsult}\"");
        Assert.True(FeatureLexicon.IsLexiconFeature(features[^1]));
    }

    [Fact]
    public void A_model_trained_with_another_lexicon_version_is_refused()
    {
        using var file = new MemoryStream();
        TriageModel.Load().Write(file);
        var json = Encoding.UTF8.GetString(file.ToArray());
        Assert.Contains($"\"lexicon\": \"{FeatureLexicon.Version}\"", json);

        var other = json.Replace($"\"lexicon\": \"{FeatureLexicon.Version}\"", "\"lexicon\": \"model-lexicon/0\"");
        var error = Assert.Throws<InvalidDataException>(() => TriageModel.Read(new MemoryStream(Encoding.UTF8.GetBytes(other))));
        Assert.Contains("model-lexicon/0", error.Message);
    }
}

using System.Text.RegularExpressions;
using Takedown.Triage;
using Xunit;

namespace Takedown.Text.Tests;

/// <summary>The committed model (embedded parameters only: these tests never read the corpora) and the trainer.</summary>
public class ModelTests
{
    [Fact]
    public void The_committed_model_loads_with_a_version_derived_from_its_parameters()
    {
        var model = TriageModel.Load();

        Assert.Matches(new Regex("^triage-model/3\\+[0-9a-f]{12}$"), model.Version);
        Assert.Same(model, TriageModel.Load());
        Assert.True(model.NonZeroBuckets > 10_000, "an empty or truncated parameter file");
    }

    [Fact]
    public void Writing_and_reading_the_model_keeps_its_version_and_predictions()
    {
        var model = TriageModel.Load();
        using var file = new MemoryStream();
        model.Write(file);
        file.Position = 0;

        var copy = TriageModel.Read(file);

        Assert.Equal(model.Version, copy.Version);
        Assert.Equal(model.Predict("you are a stupid idiot").Probabilities, copy.Predict("you are a stupid idiot").Probabilities);
        Assert.Equal(model.Predict("انت حمار وحقير ووسخ").Probabilities, copy.Predict("انت حمار وحقير ووسخ").Probabilities);
    }

    [Theory]
    [InlineData("you are a stupid ugly bitch")]
    [InlineData("you are a worthless piece of shit")]
    public void A_plain_insult_is_abusive(string text)
    {
        var prediction = TriageModel.Load().Predict(text);

        Assert.Equal("abusive", prediction.Category);
        Assert.True(prediction.Probabilities["abusive"] > 0.5, $"abusive probability {prediction.Probabilities["abusive"]:0.00}");
    }

    // Arabic goes to the binary heads. The hateful head learns MLMA Arabic, whose "hateful" tweets are full of the
    // same insults, and its threshold is set for hateful-vs-rest macro-F1, so a plain Arabic insult can land on either
    // side of abusive / hate-speech; what must hold is that it is offensive (docs/classification.md).
    [Theory]
    [InlineData("انت حمار وحقير ووسخ")]
    [InlineData("انت حمار")]
    public void A_plain_arabic_insult_is_offensive(string text)
    {
        var prediction = TriageModel.Load().Predict(text);

        Assert.Contains(prediction.Category, new[] { "abusive", "hate-speech" });
        Assert.True(prediction.Probabilities["not-violating"] < 0.5, $"not-violating probability {prediction.Probabilities["not-violating"]:0.00}");
        Assert.Equal(1.0, prediction.Probabilities.Values.Sum(), precision: 5);
        Assert.NotEmpty(prediction.TopFeatures);
    }

    [Theory]
    // English news-style sentences are not all this safe: the English corpora are tweets, 77% offensive, and the
    // model leans to "abusive" on formal English it has not seen (docs/classification.md, Reading the results).
    [InlineData("The minister opened a new hospital in the city today", "en")]
    [InlineData("افتتح وزير الصحة اليوم مستشفى جديدا في المدينة", "ar")]
    public void A_neutral_news_sentence_is_not_violating(string text, string language)
    {
        var prediction = TriageModel.Load().Predict(text);

        Assert.Equal(("not-violating", language), (prediction.Category, prediction.Language));
        Assert.Equal(1.0, prediction.Probabilities.Values.Sum(), precision: 5);
    }

    [Fact]
    public void Every_prediction_names_the_model_and_the_ngrams_that_pushed_it()
    {
        var model = TriageModel.Load();

        var prediction = model.Predict("shut up you fucking idiot");

        Assert.Equal(model.Version, prediction.ModelVersion);
        Assert.InRange(prediction.TopFeatures.Count, 1, 5);
        Assert.All(prediction.TopFeatures, f => Assert.True(f.Contribution > 0));
        Assert.Contains(prediction.TopFeatures, f => f.Feature.Contains("fuck") || f.Feature.Contains("idiot"));
    }

    private static readonly string[] Insults = ["you idiot", "stupid moron", "idiot and moron", "you stupid fool", "what a fool you are", "moron"];
    private static readonly string[] Neutral = ["lovely weather today", "the train leaves at noon", "a sunny morning", "the weather is lovely", "see you at noon", "morning train"];

    private static List<LabelledText> SyntheticData() =>
    [
        .. Insults.Select(t => new LabelledText(t, "abusive", "synthetic")),
        .. Neutral.Select(t => new LabelledText(t, "not-violating", "synthetic")),
    ];

    [Fact]
    public void The_trainer_separates_two_classes_of_a_tiny_synthetic_set()
    {
        var model = ModelTrainer.Train(SyntheticData(), new TrainerOptions(Epochs: 20, PruneBelow: 0));

        var insult = model.Predict("you are a stupid idiot");
        var weather = model.Predict("lovely sunny weather this morning");

        Assert.Equal("abusive", insult.Category);
        Assert.True(insult.Probability > 0.7, $"insult {insult.Probability:0.00}");
        Assert.Equal("not-violating", weather.Category);
        Assert.True(weather.Probability > 0.7, $"weather {weather.Probability:0.00}");
        Assert.Contains(insult.TopFeatures, f => f.Feature is "word \"idiot\"" or "word \"stupid\"");
        Assert.DoesNotContain(insult.TopFeatures, f => f.Feature.Contains("weather"));
    }

    [Fact]
    public void The_same_data_and_seed_train_the_same_model()
    {
        var first = ModelTrainer.Train(SyntheticData(), new TrainerOptions(Seed: 3, Epochs: 5));
        var second = ModelTrainer.Train(SyntheticData(), new TrainerOptions(Seed: 3, Epochs: 5));

        Assert.Equal(first.Version, second.Version);
    }

    [Theory]
    [InlineData("offensive", "abusive")]
    [InlineData("hateful", "hate-speech")]
    [InlineData("abusive_hateful", "hate-speech")]
    [InlineData("normal", "not-violating")]
    [InlineData("disrespectful_normal", "abusive")]
    [InlineData("fearful", "abusive")]
    public void MLMA_sentiments_map_to_the_model_classes(string sentiment, string category) =>
        Assert.Equal(category, TrainingCorpora.MapMlma(sentiment));

    [Theory]
    [InlineData("Offensive", "HS", "hate-speech")]
    [InlineData("Offensive", "V", "abusive")]
    [InlineData("Offensive", "-", "abusive")]
    [InlineData("Non-Offensive", "-", "not-violating")]
    public void MPOLD_labels_map_to_the_model_classes(string majority, string kind, string category) =>
        Assert.Equal(category, TrainingCorpora.MapMpold(majority, kind));

    [Fact]
    public void A_held_out_split_is_stratified_and_repeatable()
    {
        var data = Enumerable.Range(0, 50).Select(i => new LabelledText($"text {i}", i < 10 ? "abusive" : "not-violating", "synthetic")).ToList();

        var (train, test) = ModelEvaluation.Split(data, seed: 42);

        Assert.Equal((2, 8), (test.Count(t => t.Category == "abusive"), test.Count(t => t.Category == "not-violating")));
        Assert.Equal(40, train.Count);
        Assert.Equal(test, ModelEvaluation.Split(data, seed: 42).Test);
    }

    [Fact]
    public void Overrides_become_labelled_training_data_and_the_classes_the_model_does_not_learn_are_skipped()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path,
            [
                """{"text": "you are a stupid idiot", "category": "abusive"}""",
                "",
                """{"text": "lovely weather today", "category": "not-violating"}""",
                """{"text": "we know where you live", "category": "targeting-of-individuals"}""",
            ]);

            var texts = TrainingCorpora.ReadOverrides(path, out var skipped);

            Assert.Equal(
                [new LabelledText("you are a stupid idiot", "abusive", "overrides"), new LabelledText("lovely weather today", "not-violating", "overrides")],
                texts);
            Assert.Equal(1, skipped);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_override_line_without_a_category_is_rejected_with_its_line_number()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["""{"text": "fine", "category": "abusive"}""", """{"text": "no category"}"""]);

            var error = Assert.Throws<InvalidDataException>(() => TrainingCorpora.ReadOverrides(path, out _));

            Assert.Contains("line 2", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static readonly string[] ArabicInsults =
        ["انت حمار", "يا كلب يا حقير", "حقير ووسخ", "انت غبي وحمار", "يا وسخ", "كلب ابن كلب", "يا غبي", "حمار وغبي", "وسخ وحقير", "يا حمار يا غبي"];
    private static readonly string[] ArabicNeutral =
        ["صباح الخير", "الجو جميل اليوم", "مبروك النجاح", "شكرا على المقال", "مساء الخير يا اصدقاء", "الله يوفقك", "خبر جميل", "صباح النور", "مقال مفيد شكرا", "الجو حار اليوم"];
    private static readonly string[] ArabicHate =
        ["اللاجئين كلاب يجب طردهم", "اليهود حقيرين", "الاجانب وسخين ولازم يطلعوا", "النساء غبيات", "اللاجئين حمير", "الافارقة عبيد", "اليهود كلاب", "الاجانب حقيرين", "اللاجئين وسخين", "النساء حمير"];

    [Fact]
    public void The_arabic_heads_learn_offensive_from_mpold_and_hateful_from_mlma_and_survive_a_round_trip()
    {
        List<LabelledText> data =
        [
            .. ArabicInsults.Select(t => new LabelledText(t, "abusive", TrainingCorpora.Mpold)),
            .. ArabicNeutral.Select(t => new LabelledText(t, "not-violating", TrainingCorpora.Mpold)),
            .. ArabicHate.Select(t => new LabelledText(t, "hate-speech", TrainingCorpora.MlmaArabic)),
            .. ArabicInsults.Select(t => new LabelledText(t, "abusive", TrainingCorpora.MlmaArabic)),
            .. ArabicNeutral.Take(5).Select(t => new LabelledText(t, "not-violating", TrainingCorpora.MlmaArabic)),
        ];
        var model = ModelTrainer.Train(data, new TrainerOptions(Epochs: 2));

        Assert.Equal(2, model.HeadWeights.Count);
        Assert.All(model.HeadWeights.Values, count => Assert.True(count > 0));
        Assert.Equal("not-violating", model.Predict("صباح الخير يا اصدقاء").Category);
        Assert.NotEqual("not-violating", model.Predict("انت حمار وغبي").Category);

        using var file = new MemoryStream();
        model.Write(file);
        file.Position = 0;
        var copy = TriageModel.Read(file);
        Assert.Equal(model.Version, copy.Version);
        Assert.Equal(model.Predict("يا كلب يا حقير").Probabilities, copy.Predict("يا كلب يا حقير").Probabilities);
    }
}

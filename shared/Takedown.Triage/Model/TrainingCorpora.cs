using System.Text;
using System.Text.Json;
using Takedown.Contracts;

namespace Takedown.Triage;

/// <summary>
/// Reads the labelled corpora described in <c>shared/data/text/README.md</c> and maps their labels to the model's
/// classes. The files live beside the repository, never in it; nothing here writes or logs their text.
/// </summary>
public static class TrainingCorpora
{
    public const string Mpold = "mpold";
    public const string MlmaArabic = "mlma-ar";
    public const string MlmaEnglish = "mlma-en";
    public const string Davidson = "davidson";
    public const string Overrides = "overrides";

    public static readonly IReadOnlyList<string> All = [Mpold, MlmaArabic, MlmaEnglish, Davidson];

    public static List<LabelledText> Load(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"corpus directory {directory} does not exist");
        var texts = new List<LabelledText>();

        var mpold = ReadDelimited(Path.Combine(directory, "mpold", "comments.tsv"), '\t');
        int comment = Column(mpold, "Comment"), majority = Column(mpold, "Majority_Label"), kind = mpold[0].Length - 1;
        texts.AddRange(mpold.Skip(1).Select(row => new LabelledText(row[comment], MapMpold(row[majority], row[kind]), Mpold)));

        foreach (var (file, corpus) in new[] { ("ar_dataset.csv", MlmaArabic), ("en_dataset.csv", MlmaEnglish) })
        {
            var mlma = ReadDelimited(Path.Combine(directory, "mlma", file), ',');
            int tweet = Column(mlma, "tweet"), sentiment = Column(mlma, "sentiment");
            texts.AddRange(mlma.Skip(1).Select(row => new LabelledText(row[tweet], MapMlma(row[sentiment]), corpus)));
        }

        var davidson = ReadDelimited(Path.Combine(directory, "davidson", "labeled_data.csv"), ',');
        int text = Column(davidson, "tweet"), label = Column(davidson, "class");
        texts.AddRange(davidson.Skip(1).Select(row => new LabelledText(row[text], MapDavidson(row[label]), Davidson)));
        return texts;
    }

    /// <summary>MPOLD: Offensive is hate speech when the last column says HS, otherwise abusive (vulgar or plain offensive).</summary>
    public static string MapMpold(string majorityLabel, string kind) => majorityLabel.Trim() switch
    {
        "Offensive" => kind.Trim() == "HS" ? ContentCategories.HateSpeech : ContentCategories.Abusive,
        "Non-Offensive" => ContentCategories.NotViolating,
        var other => throw new InvalidDataException($"unknown MPOLD label '{other}'"),
    };

    /// <summary>
    /// MLMA's sentiment combines annotators' hostility types with '_': any "hateful" is hate speech; "normal" alone is
    /// not violating; any other hostile type (offensive, abusive, disrespectful, fearful), even beside "normal", is abusive.
    /// </summary>
    public static string MapMlma(string sentiment)
    {
        var types = sentiment.Trim().Split('_', StringSplitOptions.RemoveEmptyEntries);
        if (types.Contains("hateful"))
            return ContentCategories.HateSpeech;
        if (types.All(t => t == "normal"))
            return ContentCategories.NotViolating;
        return ContentCategories.Abusive;
    }

    /// <summary>Davidson et al.: 0 hate speech, 1 offensive language, 2 neither.</summary>
    public static string MapDavidson(string label) => label.Trim() switch
    {
        "0" => ContentCategories.HateSpeech,
        "1" => ContentCategories.Abusive,
        "2" => ContentCategories.NotViolating,
        var other => throw new InvalidDataException($"unknown Davidson class '{other}'"),
    };

    /// <summary>
    /// Analysts' overrides exported as JSON lines <c>{"text": …, "category": …}</c>. Lines whose category the model
    /// does not learn (threats, targeting, propaganda) are counted in <paramref name="skipped"/> and left out.
    /// </summary>
    public static List<LabelledText> ReadOverrides(string path, out int skipped)
    {
        var texts = new List<LabelledText>();
        skipped = 0;
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            OverrideLine? entry;
            try
            {
                entry = JsonSerializer.Deserialize<OverrideLine>(line, new JsonSerializerOptions(JsonSerializerDefaults.Web));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path} line {lineNumber}: not a JSON object ({e.Message})");
            }
            if (entry?.Text is null || entry.Category is null)
                throw new InvalidDataException($"{path} line {lineNumber}: needs \"text\" and \"category\"");
            if (TriageModel.Classes.Contains(entry.Category))
                texts.Add(new LabelledText(entry.Text, entry.Category, Overrides));
            else
                skipped++;
        }
        return texts;
    }

    private sealed record OverrideLine(string? Text, string? Category);

    private static int Column(List<string[]> rows, string name) =>
        Array.IndexOf(rows[0], name) is >= 0 and var index ? index : throw new InvalidDataException($"column {name} is missing");

    /// <summary>RFC 4180: fields may be quoted, quoted fields may hold the delimiter, doubled quotes and newlines.</summary>
    internal static List<string[]> ReadDelimited(string path, char delimiter)
    {
        var content = File.ReadAllText(path, Encoding.UTF8);
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < content.Length; i++)
        {
            var c = content[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < content.Length && content[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                    quoted = false;
                else
                    field.Append(c);
            }
            else if (c == '"' && field.Length == 0 && delimiter != '\t')   // the TSV is unquoted: a leading " is text
                quoted = true;
            else if (c == delimiter)
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && i + 1 < content.Length && content[i + 1] == '\n')
                    i++;
                row.Add(field.ToString());
                field.Clear();
                if (row.Count > 1 || row[0].Length > 0)
                    rows.Add([.. row]);
                row.Clear();
            }
            else
                field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            rows.Add([.. row]);
        }
        var width = rows[0].Length;
        var ragged = rows.FindIndex(r => r.Length != width);
        if (ragged >= 0)
            throw new InvalidDataException($"{path}: row {ragged + 1} has {rows[ragged].Length} fields, the header {width}");
        return rows;
    }
}

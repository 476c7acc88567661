using System.Security.Cryptography;
using System.Text;
using Takedown.Triage;

namespace Takedown.Classification.Classify;

/// <summary>A classification decision, in the stream "classification-{contentId}".</summary>
public sealed record ContentClassified(
    Guid ContentId,
    Guid ReportId,
    string Category,
    string Severity,
    double Confidence,
    string Language,
    IReadOnlyList<string> Explanation,
    string ModelVersion,
    string TextSha256,
    DateTimeOffset ClassifiedAt);

public sealed record ClassifyContent(Guid ContentId, Guid ReportId, string? Text, DateTimeOffset Now);

public sealed record Classification(string? Category, string? TextSha256, string? ModelVersion)
{
    public static readonly Classification None = new(null, null, null);

    public static string StreamId(Guid contentId) => $"classification-{contentId}";

    /// <summary>A repeat report with the same text and model changes nothing; new text or a new model is a new decision.</summary>
    public static ContentClassified[] Decide(ClassifyContent command, Classification state)
    {
        var textHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(command.Text ?? "")));
        if (state.TextSha256 == textHash && state.ModelVersion == KeywordTriage.ModelVersion)
            return [];

        var result = KeywordTriage.Classify(command.Text);
        return
        [
            new(command.ContentId, command.ReportId, result.Category, result.Severity, result.Confidence, result.Language,
                result.Explanation, KeywordTriage.ModelVersion, textHash, command.Now),
        ];
    }

    public static Classification Evolve(Classification state, ContentClassified e) => new(e.Category, e.TextSha256, e.ModelVersion);
}

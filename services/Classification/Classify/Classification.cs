using System.Security.Cryptography;
using System.Text;
using Takedown.Triage;

namespace Takedown.Classification.Classify;

/// <summary>An event in the stream "classification-{contentId}".</summary>
public interface IClassificationEvent
{
    Guid ContentId { get; }
}

/// <summary>A classification decision, with the legal clock it starts (null in events recorded before clocks existed).</summary>
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
    DateTimeOffset ClassifiedAt,
    string? Regime = null,
    DateTimeOffset? DueAt = null,
    DateTimeOffset? ClockStartsAt = null,
    TimeSpan? Allowed = null,
    string? RemovalOrderRegime = null,
    TimeSpan? RemovalOrderAllowed = null) : IClassificationEvent;

/// <param name="OverriddenBy">The acting API key, as recorded in event metadata.</param>
public sealed record ClassificationOverridden(
    Guid ContentId, string Category, string Severity, string Reason, string OverriddenBy, DateTimeOffset OverriddenAt) : IClassificationEvent;

public abstract record ClassificationCommand(Guid ContentId, DateTimeOffset Now);

/// <param name="ClockStartsAt">When the legal clock starts. No notices exist yet, so this is the report time.</param>
public sealed record ClassifyContent(
    Guid ContentId, Guid ReportId, string? Text, string? Jurisdiction, string Platform, DateTimeOffset ClockStartsAt, DateTimeOffset Now)
    : ClassificationCommand(ContentId, Now);

public sealed record OverrideClassification(Guid ContentId, string Category, string Severity, string Reason, string OverriddenBy, DateTimeOffset Now)
    : ClassificationCommand(ContentId, Now);

public sealed class NotClassified(Guid contentId) : Exception($"Content {contentId} has no classification to override.");

public sealed record Classification(string? Category, string? Severity, string? TextSha256, string? ModelVersion)
{
    public static readonly Classification None = new(null, null, null, null);

    public static string StreamId(Guid contentId) => $"classification-{contentId}";

    /// <summary>
    /// A repeat report with the same text and model changes nothing; new text or a new model is a new decision.
    /// An override that restates the current category and severity changes nothing either.
    /// </summary>
    public static IClassificationEvent[] Decide(ClassificationCommand command, Classification state, LegalPolicy policy) => command switch
    {
        ClassifyContent c when state.TextSha256 == HashOf(c.Text) && state.ModelVersion == ContentTriage.ModelVersion => [],
        ClassifyContent c => [Classify(c, policy)],

        OverrideClassification when state.Category is null => throw new NotClassified(command.ContentId),
        OverrideClassification c when c.Category == state.Category && c.Severity == state.Severity => [],
        OverrideClassification c => [new ClassificationOverridden(c.ContentId, c.Category, c.Severity, c.Reason, c.OverriddenBy, c.Now)],

        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown classification command."),
    };

    public static Classification Evolve(Classification state, IClassificationEvent e) => e switch
    {
        ContentClassified c => new(c.Category, c.Severity, c.TextSha256, c.ModelVersion),
        ClassificationOverridden o => state with { Category = o.Category, Severity = o.Severity },
        _ => state,
    };

    private static ContentClassified Classify(ClassifyContent c, LegalPolicy policy)
    {
        var result = ContentTriage.Classify(c.Text);
        // The notice type is unknown until a notice is sent, so only the jurisdiction, category and severity decide here.
        var clock = policy.Decide(c.Jurisdiction, result.Category, result.Severity, noticeType: null, c.Platform, c.ClockStartsAt);
        // Reporting starts the clock itself (at the notice, or at the order) and needs both durations for that.
        var order = policy.Decide(c.Jurisdiction, result.Category, result.Severity, NoticeTypes.RemovalOrder, c.Platform, c.ClockStartsAt);
        return new(c.ContentId, c.ReportId, result.Category, result.Severity, result.Confidence, result.Language,
            result.Explanation, ContentTriage.ModelVersion, HashOf(c.Text), c.Now, clock.Regime, clock.DueAt, c.ClockStartsAt,
            clock.Allowed, order.Regime, order.Allowed);
    }

    private static string HashOf(string? text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text ?? "")));
}

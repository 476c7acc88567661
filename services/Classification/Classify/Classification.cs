using System.Security.Cryptography;
using System.Text;
using Takedown.EventStore;
using Takedown.Triage;

namespace Takedown.Classification.Classify;

/// <summary>An event in the stream "classification-{contentId}".</summary>
public interface IClassificationEvent
{
    Guid ContentId { get; }
}

/// <summary>A classification decision, with the legal regime it puts the content under (deadlines are Reporting's).</summary>
/// <param name="Jurisdiction">The report's (null when the report named none), kept with <paramref name="Platform"/> so an
/// override can decide the clock again.</param>
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
    string Regime,
    TimeSpan Allowed,
    string RemovalOrderRegime,
    TimeSpan RemovalOrderAllowed,
    string? Jurisdiction,
    string Platform) : IClassificationEvent;

/// <param name="OverriddenBy">The acting API key, as recorded in event metadata.</param>
/// <param name="Regime">The clock the policy gives the new category and severity.</param>
public sealed record ClassificationOverridden(
    Guid ContentId, string Category, string Severity, string Reason, string OverriddenBy, DateTimeOffset OverriddenAt,
    string Regime, TimeSpan Allowed, string RemovalOrderRegime, TimeSpan RemovalOrderAllowed) : IClassificationEvent;

public abstract record ClassificationCommand(Guid ContentId, DateTimeOffset Now);

public sealed record ClassifyContent(
    Guid ContentId, Guid ReportId, string? Text, string? Jurisdiction, string Platform, DateTimeOffset Now)
    : ClassificationCommand(ContentId, Now);

public sealed record OverrideClassification(Guid ContentId, string Category, string Severity, string Reason, string OverriddenBy, DateTimeOffset Now)
    : ClassificationCommand(ContentId, Now);

public sealed class NotClassified(Guid contentId) : Exception($"Content {contentId} has no classification to override.");

public sealed record Classification(
    string? Category, string? Severity, string? TextSha256, string? ModelVersion, string? Jurisdiction = null, string? Platform = null)
{
    public static readonly Classification None = new(null, null, null, null);

    public static readonly StreamAggregate<Classification, IClassificationEvent> Aggregate = new(_ => None, Evolve);

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
        OverrideClassification c => [Override(c, state, policy)],

        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown classification command."),
    };

    public static Classification Evolve(Classification state, IClassificationEvent e) => e switch
    {
        ContentClassified c => new(c.Category, c.Severity, c.TextSha256, c.ModelVersion, c.Jurisdiction, c.Platform),
        ClassificationOverridden o => state with { Category = o.Category, Severity = o.Severity },
        _ => state,
    };

    private static ContentClassified Classify(ClassifyContent c, LegalPolicy policy)
    {
        var result = ContentTriage.Classify(c.Text);
        // The notice type is unknown until a notice is sent, so only the jurisdiction, category and severity decide here;
        // Reporting starts the clock itself (at the notice, or at the order) and needs both regimes for that.
        var regime = policy.Decide(c.Jurisdiction, result.Category, result.Severity, noticeType: null, c.Platform);
        var order = policy.Decide(c.Jurisdiction, result.Category, result.Severity, NoticeTypes.RemovalOrder, c.Platform);
        return new(c.ContentId, c.ReportId, result.Category, result.Severity, result.Confidence, result.Language,
            result.Explanation, ContentTriage.ModelVersion, HashOf(c.Text), c.Now, regime.Regime, regime.Allowed,
            order.Regime, order.Allowed, c.Jurisdiction, c.Platform);
    }

    // The policy may give the new category or severity another regime (P0 always gets the shortest clock). The policy is
    // applied here, in the one service that loads it (Classification:PolicyFile), never again in Reporting.
    private static ClassificationOverridden Override(OverrideClassification c, Classification state, LegalPolicy policy)
    {
        var regime = policy.Decide(state.Jurisdiction, c.Category, c.Severity, noticeType: null, state.Platform);
        var order = policy.Decide(state.Jurisdiction, c.Category, c.Severity, NoticeTypes.RemovalOrder, state.Platform);
        return new(c.ContentId, c.Category, c.Severity, c.Reason, c.OverriddenBy, c.Now, regime.Regime, regime.Allowed, order.Regime, order.Allowed);
    }

    private static string HashOf(string? text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text ?? "")));
}

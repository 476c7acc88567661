namespace Takedown.Reporting.Cases;

/// <summary>Everything that happens to one piece of reported content, in the stream "case-{contentId}".</summary>
public interface ICaseEvent
{
    Guid ContentId { get; }
}

public sealed record ContentReported(
    Guid ContentId, Guid ReportId, int ReportNumber, string Url, string CanonicalUrl, string Platform,
    string ReporterOrganisation, string? Jurisdiction, long? Views, DateTimeOffset ReportedAt) : ICaseEvent;

/// <param name="Regime">The legal regime whose clock runs; null in events recorded before clocks existed.</param>
/// <param name="DueAt">When that regime's deadline falls.</param>
public sealed record ContentClassified(
    Guid ContentId, string Category, string Severity, double Confidence, IReadOnlyList<string> Explanation,
    string ModelVersion, DateTimeOffset ClassifiedAt, string? Regime = null, DateTimeOffset? DueAt = null) : ICaseEvent;

/// <param name="Reason">The analyst's reason, verbatim.</param>
public sealed record ClassificationOverridden(
    Guid ContentId, string Category, string Severity, string Reason, string OverriddenBy, DateTimeOffset OverriddenAt) : ICaseEvent;

public sealed record FingerprintsRecorded(Guid ContentId, IReadOnlyList<string> Fingerprints, DateTimeOffset FingerprintedAt) : ICaseEvent;

public sealed record ReuploadLinked(Guid ContentId, Guid MatchedContentId, string Signal, DateTimeOffset DetectedAt) : ICaseEvent;

/// <param name="Channel">"trusted-flagger-portal", "email", "api" or "removal-order".</param>
/// <param name="Reference">The platform's ticket or the order's number, as the liaison recorded it.</param>
public sealed record NoticeSent(Guid ContentId, string Channel, string Reference, DateTimeOffset SentAt) : ICaseEvent;

public sealed record PlatformAcknowledged(Guid ContentId, string? Reference, DateTimeOffset AcknowledgedAt) : ICaseEvent;

/// <param name="Source">"platform", "liveness-check" or "analyst".</param>
public sealed record RemovalConfirmed(Guid ContentId, string Source, DateTimeOffset RemovedAt) : ICaseEvent;

/// <param name="Reason">The platform's answer, verbatim.</param>
public sealed record RemovalRejected(Guid ContentId, string Reason, DateTimeOffset RejectedAt) : ICaseEvent;

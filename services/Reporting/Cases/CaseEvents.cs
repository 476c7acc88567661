namespace Takedown.Reporting.Cases;

/// <summary>Everything that happens to one piece of reported content, in the stream "case-{contentId}".</summary>
public interface ICaseEvent
{
    Guid ContentId { get; }
}

public sealed record ContentReported(
    Guid ContentId, Guid ReportId, int ReportNumber, string Url, string CanonicalUrl, string Platform,
    string ReporterOrganisation, string? Jurisdiction, long? Views, DateTimeOffset ReportedAt) : ICaseEvent;

public sealed record ContentClassified(
    Guid ContentId, string Category, string Severity, double Confidence, IReadOnlyList<string> Explanation,
    string ModelVersion, DateTimeOffset ClassifiedAt) : ICaseEvent;

public sealed record FingerprintsRecorded(Guid ContentId, IReadOnlyList<string> Fingerprints, DateTimeOffset FingerprintedAt) : ICaseEvent;

public sealed record ReuploadLinked(Guid ContentId, Guid MatchedContentId, string Signal, DateTimeOffset DetectedAt) : ICaseEvent;

/// <param name="Source">"platform", "liveness-check" or "analyst".</param>
public sealed record RemovalConfirmed(Guid ContentId, string Source, DateTimeOffset RemovedAt) : ICaseEvent;

/// <param name="Reason">The platform's answer, verbatim.</param>
public sealed record RemovalRejected(Guid ContentId, string Reason, DateTimeOffset RejectedAt) : ICaseEvent;

using System.Text.Json.Serialization;
using Takedown.Reporting.Sla;

namespace Takedown.Reporting.Cases;

/// <summary>Everything that happens to one piece of reported content, in the stream "case-{contentId}".</summary>
public interface ICaseEvent
{
    Guid ContentId { get; }
}

/// <param name="Text">The reported text, for analysts' search; null in events recorded before search existed.</param>
/// <param name="Media">The media the reporter supplied, by the hashes Ingest computed (the bytes stay in Ingest); null in
/// events recorded before evidence bundles existed.</param>
/// <param name="ObservedAt">When the reporter saw the content online, if they said; null when not given or recorded before it was kept.</param>
/// <param name="Account">The account that posted the content (<c>{platform}:{handle}</c> or <c>{platform}:id:{id}</c>); null when the report named none and its URL carries none, and in events recorded before accounts existed.</param>
public sealed record ContentReported(
    Guid ContentId, Guid ReportId, int ReportNumber, string Url, string CanonicalUrl, string Platform,
    string ReporterOrganisation, string? Jurisdiction, long? Views, DateTimeOffset ReportedAt, string? Text = null,
    IReadOnlyList<ReportedMedia>? Media = null, DateTimeOffset? ObservedAt = null, string? Account = null) : ICaseEvent;

/// <summary>One media item of a report, as Ingest stored it: its evidence bundle fetches the bytes by <paramref name="Sha256"/>.</summary>
public sealed record ReportedMedia(string Sha256, string Md5, string ContentType, long Length);

/// <param name="Regime">The legal regime Classification decided: its clock starts at the first notice.</param>
/// <param name="Allowed">How long <paramref name="Regime"/> allows from the clock's start.</param>
/// <param name="RemovalOrderRegime">The regime if a removal order is received instead, with <paramref name="RemovalOrderAllowed"/> from the order.</param>
/// <param name="Language">The text's language as Classification detected it; null in events recorded before search existed.</param>
public sealed record ContentClassified(
    Guid ContentId, string Category, string Severity, double Confidence, IReadOnlyList<string> Explanation,
    string ModelVersion, DateTimeOffset ClassifiedAt, string Regime, TimeSpan Allowed, string RemovalOrderRegime, TimeSpan RemovalOrderAllowed,
    string? Language = null) : ICaseEvent
{
    [JsonIgnore]
    public ClockTerms Terms => new(Regime, Allowed, RemovalOrderRegime, RemovalOrderAllowed);
}

/// <param name="Reason">The analyst's reason, verbatim.</param>
/// <param name="Regime">The regime the legal policy gives the new category and severity, with its durations (decided by Classification).</param>
public sealed record ClassificationOverridden(
    Guid ContentId, string Category, string Severity, string Reason, string OverriddenBy, DateTimeOffset OverriddenAt,
    string Regime, TimeSpan Allowed, string RemovalOrderRegime, TimeSpan RemovalOrderAllowed) : ICaseEvent
{
    [JsonIgnore]
    public ClockTerms Terms => new(Regime, Allowed, RemovalOrderRegime, RemovalOrderAllowed);
}

public sealed record FingerprintsRecorded(Guid ContentId, IReadOnlyList<string> Fingerprints, DateTimeOffset FingerprintedAt) : ICaseEvent;

public sealed record ReuploadLinked(Guid ContentId, Guid MatchedContentId, string Signal, DateTimeOffset DetectedAt) : ICaseEvent;

/// <param name="Channel">One of <see cref="NoticeChannels.All"/>.</param>
/// <param name="Reference">The platform's ticket or the order's number, as the liaison recorded it.</param>
/// <param name="OrderIssuedAt">For a removal order: when the authority issued it, which starts its clock; null otherwise.</param>
/// <param name="IssuedBy">For a removal order: the issuing authority, when recorded; null otherwise.</param>
public sealed record NoticeSent(
    Guid ContentId, string Channel, string Reference, DateTimeOffset SentAt, DateTimeOffset? OrderIssuedAt = null, string? IssuedBy = null) : ICaseEvent;

/// <summary>How a platform was told. The platform's own channels, and the routes around them.</summary>
public static class NoticeChannels
{
    public const string TrustedFlaggerPortal = "trusted-flagger-portal", Email = "email", Api = "api";
    /// <summary>A person at the platform reached by messenger or phone: the route that worked when the platform's own did not.</summary>
    public const string PersonalContact = "personal-contact";
    public const string RemovalOrder = TakedownCase.RemovalOrderChannel;

    public static readonly IReadOnlyList<string> All = [TrustedFlaggerPortal, Email, Api, PersonalContact, RemovalOrder];

    /// <summary>Routes outside the platform's own notice channels: a personal contact, or an authority's order.</summary>
    public static bool OutsideThePlatform(string channel) => channel is PersonalContact or RemovalOrder;
}

public sealed record PlatformAcknowledged(Guid ContentId, string? Reference, DateTimeOffset AcknowledgedAt) : ICaseEvent;

/// <param name="Source">"platform", "liveness-check" or "analyst".</param>
public sealed record RemovalConfirmed(Guid ContentId, string Source, DateTimeOffset RemovedAt) : ICaseEvent;

/// <param name="Reason">The platform's answer, verbatim.</param>
public sealed record RemovalRejected(Guid ContentId, string Reason, DateTimeOffset RejectedAt) : ICaseEvent;

/// <param name="To">Who should act, e.g. "analysts" or "legal".</param>
public sealed record Escalated(Guid ContentId, string To, string Reason, DateTimeOffset EscalatedAt) : ICaseEvent;

/// <summary>The case's deadline passed with the content still up; recorded once per deadline.</summary>
/// <param name="BreachedAt">When the breach was recorded: at or after <paramref name="DueAt"/>.</param>
public sealed record SlaBreached(Guid ContentId, string Regime, DateTimeOffset DueAt, DateTimeOffset BreachedAt) : ICaseEvent;

/// <summary>Removed content is reachable again.</summary>
/// <param name="Source">"liveness-check", "analyst" or "liaison".</param>
public sealed record ContentReinstated(Guid ContentId, string Source, DateTimeOffset ReinstatedAt) : ICaseEvent;

/// <param name="Reason">Why no further action is needed, in the closer's words.</param>
public sealed record CaseClosed(Guid ContentId, string Reason, DateTimeOffset ClosedAt) : ICaseEvent;

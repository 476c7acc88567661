using System.Text.Json.Serialization;

namespace Takedown.Search;

/// <summary>
/// One reported content item as analysts search it: in Elasticsearch (index <c>takedown-content</c>, field names in
/// snake_case, see <see cref="SearchJson"/>) and in PostgreSQL's embedded search. Built by Reporting from the case's
/// events; <see cref="Version"/> is the case stream's version it reflects (Elasticsearch's external version).
/// </summary>
/// <param name="Text">The reported text as the reporter sent it.</param>
/// <param name="NormalisedText">The text through the project's one Arabic-first normaliser (what both backends match on).</param>
/// <param name="Account">The account or channel that posted it, when known.</param>
/// <param name="Explanation">The terms and rules that drove the classification.</param>
/// <param name="ContentUp">The content is up as far as the case knows (Reporting's one rule, stored, never re-derived from
/// <paramref name="Status"/>): only then can <paramref name="DueAt"/> be missed.</param>
/// <param name="DueAt">The running deadline, as Reporting's legal clock computes it; "overdue" is asked at query time
/// (due_at before now and content_up).</param>
/// <param name="TimeToRemovalHours">From the first notice (the first report until notices exist) to the removal.</param>
/// <param name="ReuploadOf">Content ids (and so cases, <c>case-{id}</c>) of removed content this is a re-upload of.</param>
/// <param name="Pdq">Every PDQ hash of the content's media (images and video frames), lower-case hex.</param>
/// <param name="PdqChunks">Each PDQ hash cut into 16 chunks of 16 bits, "{chunk:x}{bits:x4}", for candidate lookups.</param>
/// <param name="PdqVector">The first PDQ hash again, as Elasticsearch's bit <c>dense_vector</c> (hex) for Hamming kNN.</param>
/// <param name="TextMinhashBands">The text fingerprint's lookup keys: its exact key and one key per MinHash band.</param>
/// <param name="Fingerprints">Every fingerprint as "{signal}:{value}" (SHA-256 of text and media, MD5, PDQ, vPDQ, MinHash).</param>
public sealed record ContentDocument(
    string Id,
    Guid ContentId,
    long Version,
    string? Url,
    string? CanonicalUrl,
    string? Platform,
    string? Account,
    IReadOnlyList<string> ReporterOrganisations,
    string? Text,
    string? NormalisedText,
    string? Language,
    string? Category,
    string? Severity,
    double? Confidence,
    IReadOnlyList<string> Explanation,
    string Status,
    bool ContentUp,
    string? Regime,
    DateTimeOffset? DueAt,
    bool Breached,
    DateTimeOffset? FirstReportedAt,
    DateTimeOffset? FirstNotifiedAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? RemovedAt,
    double? TimeToRemovalHours,
    long? Views,
    int ReportCount,
    IReadOnlyList<Guid> ReuploadOf,
    IReadOnlyList<string> Pdq,
    IReadOnlyList<string> PdqChunks,
    string? PdqVector,
    IReadOnlyList<string> TextMinhashBands,
    IReadOnlyList<string> Fingerprints,
    DateTimeOffset UpdatedAt);

/// <summary>
/// One case event on the analysts' timeline (data stream <c>takedown-case-events</c>), for dashboards over time:
/// reports, notices, answers, removals, breaches, re-uploads per platform and day. Id "{contentId}:{version}".
/// </summary>
/// <param name="Timestamp">When the event happened (the event's own time, e.g. the removal's), as <c>@timestamp</c>.</param>
/// <param name="EventType">The event's stable name, e.g. "removal-confirmed".</param>
/// <param name="Status">The case's status after the event.</param>
/// <param name="TimeToRemovalHours">On a removal: hours from the first notice (null when removed before any notice).</param>
/// <param name="NoticeChannel">On a notice: how the platform was told ("personal-contact" is the route round its own channels).</param>
/// <param name="TimeToAcknowledgementHours">On the platform's first acknowledgement: hours from the first notice.</param>
/// <param name="TimeToAnswerHours">On the platform's first answer of any kind (acknowledgement, refusal, removal): hours from the first notice.</param>
public sealed record CaseEventDocument(
    string Id,
    [property: JsonPropertyName("@timestamp")] DateTimeOffset Timestamp,
    Guid ContentId,
    long Version,
    string EventType,
    string Status,
    string? Platform,
    string? Account,
    IReadOnlyList<string> ReporterOrganisations,
    string? Category,
    string? Severity,
    string? Regime,
    DateTimeOffset? DueAt,
    double? TimeToRemovalHours,
    Guid? ReuploadOf,
    string? NoticeChannel = null,
    double? TimeToAcknowledgementHours = null,
    double? TimeToAnswerHours = null);

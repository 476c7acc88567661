namespace Takedown.Contracts;

// Integration messages. MassTransit routes by full type name, so this namespace is part of the contract:
// version by adding optional fields, never by changing a field's meaning; a breaking change is a new type.

/// <summary>A report about a piece of online content was accepted and durably stored by Ingest.</summary>
public sealed record ContentSubmitted
{
    /// <summary>Deterministic id of the content item, derived from its canonical URL.</summary>
    public required Guid ContentId { get; init; }
    public required Guid ReportId { get; init; }
    /// <summary>1 for the first report of this content, 2 for the next, and so on.</summary>
    public required int ReportNumber { get; init; }
    public required string Url { get; init; }
    public required string CanonicalUrl { get; init; }
    public required string Platform { get; init; }
    /// <summary>
    /// The account, channel, page or group that posted the content, as <c>{platform}:{handle}</c> or <c>{platform}:id:{id}</c>
    /// (docs/fingerprints.md, "Accounts"): as the reporter named it, else as the URL carries it; null when neither says.
    /// </summary>
    public string? Account { get; init; }
    public string? Text { get; init; }
    /// <summary>ISO 3166-1 alpha-2 country or "EU"; decides the legal regime.</summary>
    public string? Jurisdiction { get; init; }
    public DateTimeOffset? ObservedAt { get; init; }
    public long? Views { get; init; }
    public required string ReporterOrganisation { get; init; }
    public required DateTimeOffset ReportedAt { get; init; }
    /// <summary>Evidence media stored by Ingest, by hash; the bytes stay in Ingest.</summary>
    public IReadOnlyList<MediaEvidence> Media { get; init; } = [];
}

public sealed record MediaEvidence
{
    public required string Sha256 { get; init; }
    public required string Md5 { get; init; }
    public required string ContentType { get; init; }
    public required long Length { get; init; }
}

/// <summary>Classification decided a category and severity for the content.</summary>
public sealed record ContentClassified
{
    public required Guid ContentId { get; init; }
    /// <summary>One of <see cref="ContentCategories"/>.</summary>
    public required string Category { get; init; }
    /// <summary>P0 (imminent threat to life) to P3.</summary>
    public required string Severity { get; init; }
    public required double Confidence { get; init; }
    public required string Language { get; init; }
    /// <summary>The terms and rules that drove the decision, for analysts.</summary>
    public required IReadOnlyList<string> Explanation { get; init; }
    public required string ModelVersion { get; init; }
    public required DateTimeOffset ClassifiedAt { get; init; }
    /// <summary>The legal regime whose clock runs once a notice is sent, e.g. "de-netzdg-manifestly-unlawful".</summary>
    public required string Regime { get; init; }
    /// <summary>
    /// How long <see cref="Regime"/> allows, in seconds, from the clock's start. Deadlines are Reporting's alone: it
    /// starts the clock at the first notice (or the removal order) and computes the case's deadline from this.
    /// </summary>
    public required long AllowedSeconds { get; init; }
    /// <summary>The regime that applies instead if the content becomes the subject of a removal order.</summary>
    public required string RemovalOrderRegime { get; init; }
    /// <summary>How long <see cref="RemovalOrderRegime"/> allows, in seconds, from the order.</summary>
    public required long RemovalOrderAllowedSeconds { get; init; }
}

/// <summary>An analyst replaced the classification's category and severity.</summary>
public sealed record ClassificationOverridden
{
    public required Guid ContentId { get; init; }
    /// <summary>One of <see cref="ContentCategories"/>.</summary>
    public required string Category { get; init; }
    /// <summary>P0 (imminent threat to life) to P3.</summary>
    public required string Severity { get; init; }
    /// <summary>The analyst's reason, verbatim.</summary>
    public required string Reason { get; init; }
    /// <summary>The API key that made the override, as "api-key:{name}@{organisation}".</summary>
    public required string OverriddenBy { get; init; }
    public required DateTimeOffset OverriddenAt { get; init; }
    /// <summary>The regime the legal policy gives the new category and severity (P0 always gets the shortest clock).</summary>
    public required string Regime { get; init; }
    /// <summary>How long <see cref="Regime"/> allows, in seconds, from the clock's start (the first notice).</summary>
    public required long AllowedSeconds { get; init; }
    /// <summary>The regime if a removal order is received instead.</summary>
    public required string RemovalOrderRegime { get; init; }
    /// <summary>How long <see cref="RemovalOrderRegime"/> allows, in seconds, from the order.</summary>
    public required long RemovalOrderAllowedSeconds { get; init; }
}

public static class ContentCategories
{
    public const string IncitementThreatToLife = "incitement-threat-to-life";
    public const string TargetingOfIndividuals = "targeting-of-individuals";
    public const string TerroristPropaganda = "terrorist-propaganda";
    public const string HateSpeech = "hate-speech";
    public const string Abusive = "abusive";
    public const string NotViolating = "not-violating";
    /// <summary>The classifier cannot decide (a language it does not read, or only a weak model score): an analyst must.</summary>
    public const string NeedsReview = "needs-review";

    public static readonly IReadOnlyList<string> All =
        [IncitementThreatToLife, TargetingOfIndividuals, TerroristPropaganda, HateSpeech, Abusive, NotViolating, NeedsReview];
}

public static class Severities
{
    public static readonly IReadOnlyList<string> All = ["P0", "P1", "P2", "P3"];
}

/// <summary>ReuploadDetection computed the content's fingerprints.</summary>
public sealed record ContentFingerprinted
{
    public required Guid ContentId { get; init; }
    public required IReadOnlyList<Fingerprint> Fingerprints { get; init; }
    public required DateTimeOffset FingerprintedAt { get; init; }
}

public sealed record Fingerprint
{
    /// <summary>Signal type: "text-sha256", "text-minhash", "media-sha256", "media-md5", "pdq" (an image), "vpdq" (one per distinct usable video frame) or "pdq-low-quality" (an image's PDQ under quality 50, never matched); more signals are added, never renamed.</summary>
    public required string Signal { get; init; }
    /// <summary>Lower-case hex.</summary>
    public required string Value { get; init; }
}

/// <summary>New content matches content whose removal was already confirmed.</summary>
public sealed record ReuploadDetected
{
    public required Guid ContentId { get; init; }
    public required Guid MatchedContentId { get; init; }
    public required string Signal { get; init; }
    public required string Value { get; init; }
    public required int Distance { get; init; }
    public required DateTimeOffset DetectedAt { get; init; }
    /// <summary>The bank that held the hash: "removed".</summary>
    public required string Bank { get; init; }
    /// <summary>The bank entry's label, e.g. "removed from youtube".</summary>
    public required string Label { get; init; }
}

/// <summary>
/// New content matches a hash from an imported hash list (a bank other than "removed"). Such hashes have no
/// content of ours behind them, so this is not a <see cref="ReuploadDetected"/>.
/// </summary>
public sealed record KnownHashMatched
{
    public required Guid ContentId { get; init; }
    public required string Bank { get; init; }
    public required string Signal { get; init; }
    /// <summary>The content's fingerprint value.</summary>
    public required string Value { get; init; }
    /// <summary>The banked value; differs from <see cref="Value"/> only for a near match (PDQ, text-minhash).</summary>
    public required string MatchedValue { get; init; }
    public required int Distance { get; init; }
    public required string Label { get; init; }
    /// <summary>Where the hash list came from, as given at import.</summary>
    public required string Source { get; init; }
    public required DateTimeOffset DetectedAt { get; init; }
}

/// <summary>The platform removed the content (confirmed by the platform, a liveness check or an analyst).</summary>
public sealed record TakedownConfirmed
{
    public required Guid ContentId { get; init; }
    public required string Platform { get; init; }
    public required string CanonicalUrl { get; init; }
    /// <summary>"platform", "liveness-check" or "analyst".</summary>
    public required string Source { get; init; }
    public required DateTimeOffset RemovedAt { get; init; }
}

/// <summary>The platform refused to remove the content.</summary>
public sealed record TakedownRejected
{
    public required Guid ContentId { get; init; }
    public required string Platform { get; init; }
    public required string CanonicalUrl { get; init; }
    /// <summary>The platform's reason, verbatim.</summary>
    public required string Reason { get; init; }
    public required DateTimeOffset RejectedAt { get; init; }
}

/// <summary>A case's legal deadline passed while the content was still up. Published once per deadline.</summary>
public sealed record SlaBreached
{
    public required Guid ContentId { get; init; }
    public required string Platform { get; init; }
    public required string CanonicalUrl { get; init; }
    /// <summary>The legal regime whose deadline passed, e.g. "de-netzdg-manifestly-unlawful".</summary>
    public required string Regime { get; init; }
    /// <summary>The deadline: the clock's start (the first notice, or the removal order) plus the time the regime allows.</summary>
    public required DateTimeOffset DueAt { get; init; }
    /// <summary>When Reporting recorded the breach: at or after <see cref="DueAt"/>, later if it was down at that moment.</summary>
    public required DateTimeOffset BreachedAt { get; init; }
}

/// <summary>Content whose removal was confirmed is reachable again; its case is open again.</summary>
public sealed record ContentReinstated
{
    public required Guid ContentId { get; init; }
    public required string Platform { get; init; }
    public required string CanonicalUrl { get; init; }
    /// <summary>"liveness-check", "analyst" or "liaison".</summary>
    public required string Source { get; init; }
    public required DateTimeOffset ReinstatedAt { get; init; }
}

/// <summary>A case was escalated: by a person, or automatically when it is a re-upload of removed content.</summary>
public sealed record CaseEscalated
{
    public required Guid ContentId { get; init; }
    /// <summary>Null while the report behind a case has not reached Reporting (messages arrive in any order).</summary>
    public string? Platform { get; init; }
    public string? CanonicalUrl { get; init; }
    /// <summary>Who should act, e.g. "analysts" or "legal".</summary>
    public required string To { get; init; }
    public required string Reason { get; init; }
    public required DateTimeOffset EscalatedAt { get; init; }
}

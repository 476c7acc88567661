using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Takedown.EventStore;
using Takedown.Reporting.Sla;

namespace Takedown.Reporting.Cases;

public enum CaseStatus
{
    /// <summary>Other services spoke about the content before its report arrived (they run in parallel).</summary>
    Pending,
    /// <summary>Reported and still up.</summary>
    Open,
    Removed,
    /// <summary>The platform refused; the content is still up and its clock still runs.</summary>
    Rejected,
    /// <summary>No further action; only a new report reopens it.</summary>
    Closed,
}

public static class CaseStatuses
{
    /// <summary>
    /// The content is up as far as the case knows, so a running deadline can be missed. The one statement of the rule:
    /// read models store it (<see cref="CaseSummary.ContentUp"/>, the search document's content_up) rather than re-derive it.
    /// </summary>
    public static bool ContentUp(this CaseStatus status) => status is CaseStatus.Open or CaseStatus.Rejected;
}

public abstract record CaseCommand(Guid ContentId, DateTimeOffset Now);
public sealed record RecordReport(ContentReported Report, DateTimeOffset Now) : CaseCommand(Report.ContentId, Now);
public sealed record RecordClassification(ContentClassified Classification, DateTimeOffset Now) : CaseCommand(Classification.ContentId, Now);
public sealed record RecordOverride(ClassificationOverridden Override, DateTimeOffset Now) : CaseCommand(Override.ContentId, Now);
public sealed record RecordFingerprints(Guid ContentId, IReadOnlyList<string> Fingerprints, DateTimeOffset FingerprintedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
public sealed record LinkReupload(Guid ContentId, Guid MatchedContentId, string Signal, DateTimeOffset DetectedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
/// <param name="OrderIssuedAt">For a removal order: when the authority issued it (its clock starts there); null means at <paramref name="SentAt"/>.</param>
/// <param name="IssuedBy">For a removal order: the issuing authority, when known.</param>
public sealed record SendNotice(
    Guid ContentId, string Channel, string Reference, DateTimeOffset SentAt, DateTimeOffset Now, DateTimeOffset? OrderIssuedAt = null, string? IssuedBy = null)
    : CaseCommand(ContentId, Now);
public sealed record AcknowledgeNotice(Guid ContentId, string? Reference, DateTimeOffset AcknowledgedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
/// <param name="Source">"platform", "liveness-check" or "analyst".</param>
public sealed record ConfirmRemoval(Guid ContentId, string Source, DateTimeOffset RemovedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
public sealed record RejectRemoval(Guid ContentId, string Reason, DateTimeOffset RejectedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
/// <param name="Source">"liveness-check", "analyst" or "liaison".</param>
public sealed record ReinstateContent(Guid ContentId, string Source, DateTimeOffset ReinstatedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
public sealed record Escalate(Guid ContentId, string To, string Reason, DateTimeOffset EscalatedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
public sealed record CloseCase(Guid ContentId, string Reason, DateTimeOffset ClosedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
/// <summary>Asked by the SLA clock; records a breach only when the case's deadline has passed with the content up.</summary>
public sealed record RecordSlaBreach(Guid ContentId, DateTimeOffset Now) : CaseCommand(ContentId, Now);

public sealed class InvalidCaseTransition(CaseCommand command, TakedownCase state)
    : Exception($"{command.GetType().Name} is not allowed while the case is {state.Status}.");

/// <summary>The takedown case: a decider over the case's events.</summary>
/// <param name="Clock">The legal clock: the regime's terms, when it started, the breaches on record.</param>
public sealed record TakedownCase(
    Guid ContentId,
    CaseStatus Status,
    string? Url,
    string? CanonicalUrl,
    string? Platform,
    string? Category,
    string? Severity,
    double? Confidence,
    ImmutableHashSet<Guid> ReportIds,
    ImmutableSortedSet<string> ReporterOrganisations,
    ImmutableList<string> Fingerprints,
    ImmutableList<Guid> ReuploadOf,
    DateTimeOffset? FirstReportedAt,
    DateTimeOffset? RemovedAt,
    string? RejectionReason,
    LegalClock Clock,
    bool Overridden = false,
    DateTimeOffset? FirstNotifiedAt = null,
    int Notices = 0,
    DateTimeOffset? AcknowledgedAt = null,
    int Escalations = 0,
    string? EscalatedTo = null,
    string? EscalationReason = null,
    DateTimeOffset? ReinstatedAt = null,
    DateTimeOffset? ClosedAt = null,
    string? ClosedReason = null,
    string? Account = null)
{
    public const string RemovalOrderChannel = "removal-order";
    public const string ReuploadEscalationTarget = "analysts";

    public const string StreamPrefix = "case-";

    /// <summary>The case as Marten folds it for the write path and the read models: <see cref="Initial"/>, then <see cref="Evolve"/>.</summary>
    public static readonly StreamAggregate<TakedownCase, ICaseEvent> Aggregate = new(streamId => Initial(ContentIdOf(streamId)), Evolve);

    public static TakedownCase Initial(Guid contentId) => new(
        contentId, CaseStatus.Pending, null, null, null, null, null, null,
        [], ImmutableSortedSet.Create<string>(StringComparer.Ordinal), [], [], null, null, null, LegalClock.Unset);

    public static string StreamId(Guid contentId) => $"{StreamPrefix}{contentId}";

    public static Guid ContentIdOf(string streamId) => Guid.Parse(streamId.AsSpan(StreamPrefix.Length));

    /// <summary>See <see cref="CaseStatuses.ContentUp"/>.</summary>
    public bool ContentUp() => Status.ContentUp();

    /// <summary>The regime that governs: the running deadline's, else the one the next notice would start.</summary>
    [JsonIgnore]
    public string? Regime => Clock.Regime;

    /// <summary>The governing deadline (<see cref="LegalClock.Deadline"/>); null while no clock runs.</summary>
    [JsonIgnore]
    public DateTimeOffset? DueAt => Clock.Deadline()?.DueAt;

    /// <summary>A breach is already on record for the deadline that governs now.</summary>
    public bool DeadlineBreached() => Clock.DeadlineBreached();

    public static ICaseEvent[] Decide(CaseCommand command, TakedownCase state) => (command, state.Status) switch
    {
        // A new report of closed content reopens the case (see Evolve); a repeat of a known report changes nothing.
        (RecordReport c, _) when state.ReportIds.Contains(c.Report.ReportId) => [],
        (RecordReport c, _) => [c.Report],

        (RecordClassification c, _) when state.Category == c.Classification.Category && state.Severity == c.Classification.Severity
            && state.Clock.Terms == c.Classification.Terms => [],
        (RecordClassification c, _) => [c.Classification],

        (RecordOverride c, _) => [c.Override],

        (RecordFingerprints c, _) when c.Fingerprints.SequenceEqual(state.Fingerprints) => [],
        (RecordFingerprints c, _) => [new FingerprintsRecorded(c.ContentId, c.Fingerprints, c.FingerprintedAt)],

        // A re-upload of removed content is escalated to analysts at once, unless an analyst already closed the case.
        (LinkReupload c, _) when state.ReuploadOf.Contains(c.MatchedContentId) => [],
        (LinkReupload c, CaseStatus.Closed) => [new ReuploadLinked(c.ContentId, c.MatchedContentId, c.Signal, c.DetectedAt)],
        (LinkReupload c, _) =>
        [
            new ReuploadLinked(c.ContentId, c.MatchedContentId, c.Signal, c.DetectedAt),
            new Escalated(c.ContentId, ReuploadEscalationTarget, $"re-upload of removed content {c.MatchedContentId}", c.DetectedAt),
        ],

        // A notice goes out while the content is up; after a rejection a new notice (another channel, an order) is the next step.
        (SendNotice c, _) when state.ContentUp() =>
            [new NoticeSent(c.ContentId, c.Channel, c.Reference, c.SentAt, c.Channel == RemovalOrderChannel ? c.OrderIssuedAt ?? c.SentAt : null,
                c.Channel == RemovalOrderChannel ? c.IssuedBy : null)],

        (AcknowledgeNotice, _) when state.AcknowledgedAt is not null && state.ContentUp() => [],  // already acknowledged
        (AcknowledgeNotice c, _) when state.ContentUp() && state.Notices > 0 => [new PlatformAcknowledged(c.ContentId, c.Reference, c.AcknowledgedAt)],

        (ConfirmRemoval, CaseStatus.Removed) => [],                       // already removed: no-op
        // Removed after the deadline: the breach is recorded with the removal even if the SLA clock has not run yet.
        (ConfirmRemoval c, _) when state.ContentUp() && state.Clock.Deadline() is { } due && c.RemovedAt > due.DueAt && !state.DeadlineBreached() =>
            [Breach(state, due, c.Now), new RemovalConfirmed(c.ContentId, c.Source, c.RemovedAt)],
        (ConfirmRemoval c, _) when state.ContentUp() => [new RemovalConfirmed(c.ContentId, c.Source, c.RemovedAt)],

        (RejectRemoval c, CaseStatus.Rejected) when c.Reason == state.RejectionReason => [],
        (RejectRemoval c, _) when state.ContentUp() => [new RemovalRejected(c.ContentId, c.Reason, c.RejectedAt)],

        (ReinstateContent c, CaseStatus.Removed) => [new ContentReinstated(c.ContentId, c.Source, c.ReinstatedAt)],
        (ReinstateContent c, _) when state.ContentUp() && state.ReinstatedAt == c.ReinstatedAt => [],   // a retry

        (Escalate c, _) when state.EscalatedTo == c.To && state.EscalationReason == c.Reason && state.Status != CaseStatus.Closed => [],
        (Escalate c, CaseStatus.Pending or CaseStatus.Open or CaseStatus.Rejected or CaseStatus.Removed) =>
            [new Escalated(c.ContentId, c.To, c.Reason, c.EscalatedAt)],

        (CloseCase c, CaseStatus.Closed) when c.Reason == state.ClosedReason => [],
        (CloseCase c, CaseStatus.Open or CaseStatus.Rejected or CaseStatus.Removed) => [new CaseClosed(c.ContentId, c.Reason, c.ClosedAt)],

        // The clock asks about every overdue case it sees; anything but a fresh breach is an answer of "nothing to do".
        (RecordSlaBreach c, _) when state.ContentUp() && state.Clock.Deadline() is { } due && due.DueAt <= c.Now && !state.DeadlineBreached() => [Breach(state, due, c.Now)],
        (RecordSlaBreach, _) => [],

        _ => throw new InvalidCaseTransition(command, state),
    };

    private static SlaBreached Breach(TakedownCase state, Deadline due, DateTimeOffset now) =>
        new(state.ContentId, due.Regime, due.DueAt, now > due.DueAt ? now : due.DueAt);

    public static TakedownCase Evolve(TakedownCase state, ICaseEvent e) => e switch
    {
        ContentReported r => (state.Status == CaseStatus.Closed ? Reopened(state) : state) with
        {
            Status = state.Status is CaseStatus.Pending or CaseStatus.Closed ? CaseStatus.Open : state.Status,
            Url = state.Url ?? r.Url,
            CanonicalUrl = r.CanonicalUrl,
            Platform = r.Platform,
            Account = state.Account ?? r.Account,
            ReportIds = state.ReportIds.Add(r.ReportId),
            ReporterOrganisations = state.ReporterOrganisations.Add(r.ReporterOrganisation),
            FirstReportedAt = state.FirstReportedAt ?? r.ReportedAt,
        },
        // An analyst's override stands against later automatic classifications, and so do its clock terms.
        ContentClassified c when state.Overridden => state with { Clock = state.Clock.Classified(c.Terms) },
        ContentClassified c => state with
        {
            Category = c.Category, Severity = c.Severity, Confidence = c.Confidence, Clock = state.Clock.Classified(c.Terms),
        },
        ClassificationOverridden o => state with { Category = o.Category, Severity = o.Severity, Overridden = true, Clock = state.Clock.Overridden(o.Terms) },
        NoticeSent n => state with
        {
            FirstNotifiedAt = state.FirstNotifiedAt ?? n.SentAt,
            Notices = state.Notices + 1,
            Clock = state.Clock.Noticed(n.SentAt, n.Channel == RemovalOrderChannel ? n.OrderIssuedAt ?? n.SentAt : null),
        },
        PlatformAcknowledged a => state with { AcknowledgedAt = state.AcknowledgedAt ?? a.AcknowledgedAt },
        FingerprintsRecorded f => state with { Fingerprints = [.. f.Fingerprints] },
        ReuploadLinked l => state with { ReuploadOf = state.ReuploadOf.Add(l.MatchedContentId) },
        RemovalConfirmed r => state with { Status = CaseStatus.Removed, RemovedAt = r.RemovedAt, RejectionReason = null },
        RemovalRejected r => state with { Status = CaseStatus.Rejected, RejectionReason = r.Reason },
        SlaBreached b => state with { Clock = state.Clock.BreachRecorded(b.DueAt) },
        Escalated x => state with { Escalations = state.Escalations + 1, EscalatedTo = x.To, EscalationReason = x.Reason },
        // Back up: the old deadline is spent (met or breached); a new notice starts a fresh clock of the same regime.
        ContentReinstated r => state with
        {
            Status = CaseStatus.Open, ReinstatedAt = r.ReinstatedAt, RemovedAt = null, AcknowledgedAt = null, Clock = state.Clock.Restarted(),
        },
        CaseClosed c => state with { Status = CaseStatus.Closed, ClosedAt = c.ClosedAt, ClosedReason = c.Reason },
        _ => state,
    };

    // A new report of closed content: it is (again) up as far as anyone knows, and needs a new notice to start a clock.
    private static TakedownCase Reopened(TakedownCase state) => state with
    {
        ClosedAt = null, ClosedReason = null, RemovedAt = null, RejectionReason = null, AcknowledgedAt = null, Clock = state.Clock.Restarted(),
    };
}

using System.Collections.Immutable;

namespace Takedown.Reporting.Cases;

public enum CaseStatus
{
    /// <summary>Other services spoke about the content before its report arrived (they run in parallel).</summary>
    Pending,
    Open,
    Removed,
    Rejected,
}

public abstract record CaseCommand(Guid ContentId, DateTimeOffset Now);
public sealed record RecordReport(ContentReported Report, DateTimeOffset Now) : CaseCommand(Report.ContentId, Now);
public sealed record RecordClassification(ContentClassified Classification, DateTimeOffset Now) : CaseCommand(Classification.ContentId, Now);
public sealed record RecordOverride(ClassificationOverridden Override, DateTimeOffset Now) : CaseCommand(Override.ContentId, Now);
public sealed record RecordFingerprints(Guid ContentId, IReadOnlyList<string> Fingerprints, DateTimeOffset FingerprintedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
public sealed record LinkReupload(Guid ContentId, Guid MatchedContentId, string Signal, DateTimeOffset DetectedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
public sealed record SendNotice(Guid ContentId, string Channel, string Reference, DateTimeOffset SentAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
public sealed record AcknowledgeNotice(Guid ContentId, string? Reference, DateTimeOffset AcknowledgedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
public sealed record ConfirmRemoval(Guid ContentId, string Source, DateTimeOffset RemovedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);
public sealed record RejectRemoval(Guid ContentId, string Reason, DateTimeOffset RejectedAt, DateTimeOffset Now) : CaseCommand(ContentId, Now);

public sealed class InvalidCaseTransition(CaseCommand command, TakedownCase state)
    : Exception($"{command.GetType().Name} is not allowed while the case is {state.Status}.")
{
    public TakedownCase State { get; } = state;
}

/// <summary>The takedown case: a decider over the case's events.</summary>
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
    string? Regime = null,
    DateTimeOffset? DueAt = null,
    bool Overridden = false,
    DateTimeOffset? FirstNotifiedAt = null,
    int Notices = 0,
    DateTimeOffset? AcknowledgedAt = null)
{
    public static TakedownCase Initial(Guid contentId) => new(
        contentId, CaseStatus.Pending, null, null, null, null, null, null,
        [], ImmutableSortedSet.Create<string>(StringComparer.Ordinal), [], [], null, null, null);

    public static string StreamId(Guid contentId) => $"case-{contentId}";

    public static ICaseEvent[] Decide(CaseCommand command, TakedownCase state) => (command, state.Status) switch
    {
        (RecordReport c, _) when state.ReportIds.Contains(c.Report.ReportId) => [],
        (RecordReport c, _) => [c.Report],

        (RecordClassification c, _) when state.Category == c.Classification.Category && state.Severity == c.Classification.Severity
            && state.Regime == c.Classification.Regime && state.DueAt == c.Classification.DueAt => [],
        (RecordClassification c, _) => [c.Classification],

        (RecordOverride c, _) => [c.Override],

        (RecordFingerprints c, _) when c.Fingerprints.SequenceEqual(state.Fingerprints) => [],
        (RecordFingerprints c, _) => [new FingerprintsRecorded(c.ContentId, c.Fingerprints, c.FingerprintedAt)],

        (LinkReupload c, _) when state.ReuploadOf.Contains(c.MatchedContentId) => [],
        (LinkReupload c, _) => [new ReuploadLinked(c.ContentId, c.MatchedContentId, c.Signal, c.DetectedAt)],

        // A notice goes out while the content is up; after a rejection a new notice (another channel, an order) is the next step.
        (SendNotice c, CaseStatus.Open or CaseStatus.Rejected) => [new NoticeSent(c.ContentId, c.Channel, c.Reference, c.SentAt)],

        (AcknowledgeNotice, _) when state.AcknowledgedAt is not null && state.Status != CaseStatus.Removed => [],  // already acknowledged
        (AcknowledgeNotice c, CaseStatus.Open or CaseStatus.Rejected) when state.Notices > 0 => [new PlatformAcknowledged(c.ContentId, c.Reference, c.AcknowledgedAt)],

        (ConfirmRemoval, CaseStatus.Removed) => [],                       // already removed: no-op
        (ConfirmRemoval c, CaseStatus.Open or CaseStatus.Rejected) => [new RemovalConfirmed(c.ContentId, c.Source, c.RemovedAt)],

        (RejectRemoval c, CaseStatus.Rejected) when c.Reason == state.RejectionReason => [],
        (RejectRemoval c, CaseStatus.Open or CaseStatus.Rejected) => [new RemovalRejected(c.ContentId, c.Reason, c.RejectedAt)],

        _ => throw new InvalidCaseTransition(command, state),
    };

    public static TakedownCase Evolve(TakedownCase state, ICaseEvent e) => e switch
    {
        ContentReported r => state with
        {
            Status = state.Status == CaseStatus.Pending ? CaseStatus.Open : state.Status,
            Url = state.Url ?? r.Url,
            CanonicalUrl = r.CanonicalUrl,
            Platform = r.Platform,
            ReportIds = state.ReportIds.Add(r.ReportId),
            ReporterOrganisations = state.ReporterOrganisations.Add(r.ReporterOrganisation),
            FirstReportedAt = state.FirstReportedAt ?? r.ReportedAt,
        },
        // An analyst's override stands against later automatic classifications; their clock still applies.
        ContentClassified c when state.Overridden => state with { Regime = c.Regime ?? state.Regime, DueAt = c.DueAt ?? state.DueAt },
        ContentClassified c => state with
        {
            Category = c.Category, Severity = c.Severity, Confidence = c.Confidence,
            Regime = c.Regime ?? state.Regime, DueAt = c.DueAt ?? state.DueAt,
        },
        ClassificationOverridden o => state with { Category = o.Category, Severity = o.Severity, Overridden = true },
        NoticeSent n => state with { FirstNotifiedAt = state.FirstNotifiedAt ?? n.SentAt, Notices = state.Notices + 1 },
        PlatformAcknowledged a => state with { AcknowledgedAt = state.AcknowledgedAt ?? a.AcknowledgedAt },
        FingerprintsRecorded f => state with { Fingerprints = [.. f.Fingerprints] },
        ReuploadLinked l => state with { ReuploadOf = state.ReuploadOf.Add(l.MatchedContentId) },
        RemovalConfirmed r => state with { Status = CaseStatus.Removed, RemovedAt = r.RemovedAt, RejectionReason = null },
        RemovalRejected r => state with { Status = CaseStatus.Rejected, RejectionReason = r.Reason },
        _ => state,
    };
}

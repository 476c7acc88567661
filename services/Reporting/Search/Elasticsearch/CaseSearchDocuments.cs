using JasperFx.Events;
using Takedown.Reporting.Cases;
using Takedown.Reporting.Statistics;
using Takedown.Search;

namespace Takedown.Reporting.Search.Elasticsearch;

/// <summary>
/// A case stream as search indexes it: the content document at the stream's last version, and one timeline document for
/// each event asked for, built from the case as it stood right after that event. One pass of
/// <see cref="SearchableContent.Aggregate"/>'s own fold (the one Marten runs live) over the whole stream, so the document
/// and the version it carries come from the same read.
/// </summary>
public static class CaseSearchDocuments
{
    public sealed record Built(ContentDocument Content, IReadOnlyList<CaseEventDocument> Timeline);

    /// <param name="events">The whole stream, in version order.</param>
    /// <param name="timelineFor">Which events (by global sequence) get a timeline document: the page's.</param>
    public static Built Build(string streamKey, IReadOnlyList<IEvent> events, Func<IEvent, bool> timelineFor, DateTimeOffset now)
    {
        var state = SearchableContent.Aggregate.Initial(streamKey);
        var answers = NoticeAnswers.None;
        var timeline = new List<CaseEventDocument>();
        foreach (var e in events)
        {
            if (e.Data is not ICaseEvent data)
                continue;
            state = SearchableContent.Aggregate.Evolve(state, data);
            var before = answers;
            answers = NoticeAnswers.Evolve(answers, data);
            if (timelineFor(e))
                timeline.Add(TimelineEntry(state, e, data, before, answers));
        }
        return new Built(state.ToDocument(events[^1].Version, now), timeline);
    }

    /// <param name="before">The notices' answers before this event; <paramref name="after"/>, after it. The event that set the first
    /// acknowledgement or the first answer carries its duration, so a dashboard's percentile counts each case once.</param>
    private static CaseEventDocument TimelineEntry(SearchableContent state, IEvent e, ICaseEvent data, NoticeAnswers before, NoticeAnswers after)
    {
        var @case = state.Case;
        return new CaseEventDocument(
            Id: $"{@case.ContentId}:{e.Version}",
            Timestamp: OccurredAt(data) ?? e.Timestamp,
            ContentId: @case.ContentId,
            Version: e.Version,
            EventType: e.EventTypeName,
            Status: @case.Status.ToString().ToLowerInvariant(),
            Platform: @case.Platform,
            Account: state.Account,
            ReporterOrganisations: [.. @case.ReporterOrganisations],
            Category: @case.Category,
            Severity: @case.Severity,
            Regime: @case.Regime,
            DueAt: @case.DueAt,
            TimeToRemovalHours: data is RemovalConfirmed && NoticeAnswers.FromFirstNotice(@case.FirstNotifiedAt, @case.RemovedAt) is { } ttr ? Math.Round(ttr.TotalHours, 4) : null,
            ReuploadOf: data is ReuploadLinked link ? link.MatchedContentId : null,
            NoticeChannel: data is NoticeSent notice ? notice.Channel : null,
            TimeToAcknowledgementHours: before.TimeToAcknowledgement is null && after.TimeToAcknowledgement is { } ack ? Math.Round(ack.TotalHours, 4) : null,
            TimeToAnswerHours: before.TimeToAnswer is null && after.TimeToAnswer is { } answered ? Math.Round(answered.TotalHours, 4) : null);
    }

    // Dashboards over time plot when a thing happened (the platform's removal, the notice), not when it was recorded.
    private static DateTimeOffset? OccurredAt(ICaseEvent e) => e switch
    {
        ContentReported r => r.ReportedAt,
        ContentClassified c => c.ClassifiedAt,
        ClassificationOverridden o => o.OverriddenAt,
        FingerprintsRecorded f => f.FingerprintedAt,
        ReuploadLinked l => l.DetectedAt,
        NoticeSent n => n.SentAt,
        PlatformAcknowledged a => a.AcknowledgedAt,
        RemovalConfirmed r => r.RemovedAt,
        RemovalRejected r => r.RejectedAt,
        Escalated x => x.EscalatedAt,
        SlaBreached b => b.BreachedAt,
        ContentReinstated r => r.ReinstatedAt,
        CaseClosed c => c.ClosedAt,
        _ => null,
    };
}

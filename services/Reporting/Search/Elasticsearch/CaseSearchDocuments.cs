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
        var timeline = new List<CaseEventDocument>();
        foreach (var e in events)
        {
            if (e.Data is not ICaseEvent data)
                continue;
            state = SearchableContent.Aggregate.Evolve(state, data);
            if (timelineFor(e))
                timeline.Add(TimelineEntry(state, e, data));
        }
        return new Built(state.ToDocument(events[^1].Version, now), timeline);
    }

    private static CaseEventDocument TimelineEntry(SearchableContent state, IEvent e, ICaseEvent data)
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
            Account: null,
            ReporterOrganisations: [.. @case.ReporterOrganisations],
            Category: @case.Category,
            Severity: @case.Severity,
            Regime: @case.Regime,
            DueAt: @case.DueAt,
            TimeToRemovalHours: data is RemovalConfirmed && NoticeAnswers.FromFirstNotice(@case.FirstNotifiedAt, @case.RemovedAt) is { } ttr ? Math.Round(ttr.TotalHours, 4) : null,
            ReuploadOf: data is ReuploadLinked link ? link.MatchedContentId : null);
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

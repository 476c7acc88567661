using Takedown.EventStore;
using Takedown.Reporting.Statistics;
using Takedown.ServiceDefaults.Telemetry;
using Contracts = Takedown.Contracts;

namespace Takedown.Reporting.Cases;

public static class CaseCommands
{
    /// <summary>
    /// The case's write path: decides on the case at <paramref name="expectedVersion"/> (HTTP If-Match; null for none),
    /// appends what it decided, and stages the integration messages and after-commit metrics the new events call for,
    /// all in the caller's unit of work. A case that moved on since the expected version, or a writer that raced this
    /// one, throws <see cref="JasperFx.ConcurrencyException"/>.
    /// </summary>
    public static async Task<Decided<TakedownCase, ICaseEvent>> HandleAsync(EventSession session, CaseCommand command, long? expectedVersion, CancellationToken ct)
    {
        var decided = await session.DecideAsync(TakedownCase.Aggregate, TakedownCase.StreamId(command.ContentId), expectedVersion,
            state => TakedownCase.Decide(command, state), ct);
        StageMessages(session, decided);
        CountOnCommit(session, decided);
        return decided;
    }

    // Every path that decides (endpoint, consumer, SLA clock, liveness) counts here, and only once its events are durable:
    // a breach found by a late removal counts like one the clock found.
    private static void CountOnCommit(EventSession session, Decided<TakedownCase, ICaseEvent> decided)
    {
        var state = decided.State;
        foreach (var e in decided.NewEvents)
        {
            switch (e)
            {
                case SlaBreached breached:
                    session.AfterCommit(() => TakedownTelemetry.SlaBreaches.Add(1, new KeyValuePair<string, object?>("regime", breached.Regime)));
                    break;
                // Time to removal as every report measures it (NoticeAnswers); a removal before any notice has none.
                case RemovalConfirmed removed when NoticeAnswers.FromFirstNotice(state.FirstNotifiedAt, state.RemovedAt) is { } took:
                    var seconds = Math.Max(0, took.TotalSeconds);
                    session.AfterCommit(() => TakedownTelemetry.TimeToRemoval.Record(seconds,
                        new KeyValuePair<string, object?>("platform", state.Platform), new KeyValuePair<string, object?>("source", removed.Source)));
                    break;
            }
        }
    }

    // Whoever decided (an endpoint, a consumer, the SLA clock, the liveness monitor), the same events publish the same
    // messages. Stage names the message by its static type, hence one call per message type.
    private static void StageMessages(EventSession session, Decided<TakedownCase, ICaseEvent> decided)
    {
        var state = decided.State;
        foreach (var e in decided.NewEvents)
        {
            switch (e)
            {
                case RemovalConfirmed removed:
                    session.Stage(new Contracts.TakedownConfirmed
                    {
                        ContentId = state.ContentId, Platform = state.Platform!, CanonicalUrl = state.CanonicalUrl!,
                        Source = removed.Source, RemovedAt = removed.RemovedAt,
                    });
                    break;
                case RemovalRejected rejected:
                    session.Stage(new Contracts.TakedownRejected
                    {
                        ContentId = state.ContentId, Platform = state.Platform!, CanonicalUrl = state.CanonicalUrl!,
                        Reason = rejected.Reason, RejectedAt = rejected.RejectedAt,
                    });
                    break;
                case SlaBreached breached:
                    session.Stage(new Contracts.SlaBreached
                    {
                        ContentId = state.ContentId, Platform = state.Platform!, CanonicalUrl = state.CanonicalUrl!,
                        Regime = breached.Regime, DueAt = breached.DueAt, BreachedAt = breached.BreachedAt,
                    });
                    break;
                case ContentReinstated reinstated:
                    session.Stage(new Contracts.ContentReinstated
                    {
                        ContentId = state.ContentId, Platform = state.Platform!, CanonicalUrl = state.CanonicalUrl!,
                        Source = reinstated.Source, ReinstatedAt = reinstated.ReinstatedAt,
                    });
                    break;
                case Escalated escalated:
                    session.Stage(new Contracts.CaseEscalated
                    {
                        ContentId = state.ContentId, Platform = state.Platform, CanonicalUrl = state.CanonicalUrl,
                        To = escalated.To, Reason = escalated.Reason, EscalatedAt = escalated.EscalatedAt,
                    });
                    break;
            }
        }
    }
}

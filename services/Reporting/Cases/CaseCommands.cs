using Takedown.EventStore;
using Takedown.ServiceDefaults.Telemetry;
using Contracts = Takedown.Contracts;

namespace Takedown.Reporting.Cases;

public sealed record CaseDecision(TakedownCase State, long Version, IReadOnlyList<ICaseEvent> NewEvents);

public static class CaseCommands
{
    /// <summary>
    /// Reads the case, decides, appends, and stages the integration messages the new events publish, all in the
    /// caller's transaction. <paramref name="ifMatch"/> is the version the caller saw (HTTP If-Match); a case that
    /// moved on since is a conflict, decided before anything is written.
    /// </summary>
    public static async Task<CaseDecision> HandleAsync(EventSession session, CaseCommand command, long? ifMatch, CancellationToken ct)
    {
        var stream = TakedownCase.StreamId(command.ContentId);
        var current = await session.AggregateAsync<TakedownCase, ICaseEvent>(stream, TakedownCase.Initial(command.ContentId), TakedownCase.Evolve, ct);
        if (ifMatch is { } seen && seen != current.Version)
            throw new StreamConcurrencyException(stream, seen < 1 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(seen), current.Version);

        var events = TakedownCase.Decide(command, current.State);
        if (events.Length == 0)
            return new CaseDecision(current.State, current.Version, events);

        var version = await session.AppendAsync(stream, current.Exists ? ExpectedVersion.Exactly(current.Version) : ExpectedVersion.NoStream, events, ct);
        var decision = new CaseDecision(events.Aggregate(current.State, TakedownCase.Evolve), version, events);
        await StageMessagesAsync(session, decision, ct);
        CountOnCommit(session, decision);
        return decision;
    }

    // Every path that decides (endpoint, consumer, SLA clock, liveness) counts here, and only once its events are durable:
    // a breach found by a late removal counts like one the clock found.
    private static void CountOnCommit(EventSession session, CaseDecision decision)
    {
        var state = decision.State;
        foreach (var e in decision.NewEvents)
        {
            switch (e)
            {
                case SlaBreached breached:
                    session.AfterCommit(() => TakedownTelemetry.SlaBreaches.Add(1, new KeyValuePair<string, object?>("regime", breached.Regime)));
                    break;
                // From the first notice (the first report until notices are recorded), as the platform statistics measure it.
                case RemovalConfirmed removed when (state.FirstNotifiedAt ?? state.FirstReportedAt) is { } asked:
                    var seconds = Math.Max(0, (removed.RemovedAt - asked).TotalSeconds);
                    session.AfterCommit(() => TakedownTelemetry.TimeToRemoval.Record(seconds,
                        new KeyValuePair<string, object?>("platform", state.Platform), new KeyValuePair<string, object?>("source", removed.Source)));
                    break;
            }
        }
    }

    // Whoever decided (an endpoint, a consumer, the SLA clock, the liveness monitor), the same events publish the same
    // messages. StageAsync names the exchange by the static type, hence one call per message type.
    private static async Task StageMessagesAsync(EventSession session, CaseDecision decision, CancellationToken ct)
    {
        var state = decision.State;
        foreach (var e in decision.NewEvents)
        {
            switch (e)
            {
                case RemovalConfirmed removed:
                    await session.StageAsync(new Contracts.TakedownConfirmed
                    {
                        ContentId = state.ContentId, Platform = state.Platform!, CanonicalUrl = state.CanonicalUrl!,
                        Source = removed.Source, RemovedAt = removed.RemovedAt,
                    }, ct);
                    break;
                case RemovalRejected rejected:
                    await session.StageAsync(new Contracts.TakedownRejected
                    {
                        ContentId = state.ContentId, Platform = state.Platform!, CanonicalUrl = state.CanonicalUrl!,
                        Reason = rejected.Reason, RejectedAt = rejected.RejectedAt,
                    }, ct);
                    break;
                case SlaBreached breached:
                    await session.StageAsync(new Contracts.SlaBreached
                    {
                        ContentId = state.ContentId, Platform = state.Platform!, CanonicalUrl = state.CanonicalUrl!,
                        Regime = breached.Regime, DueAt = breached.DueAt, BreachedAt = breached.BreachedAt,
                    }, ct);
                    break;
                case ContentReinstated reinstated:
                    await session.StageAsync(new Contracts.ContentReinstated
                    {
                        ContentId = state.ContentId, Platform = state.Platform!, CanonicalUrl = state.CanonicalUrl!,
                        Source = reinstated.Source, ReinstatedAt = reinstated.ReinstatedAt,
                    }, ct);
                    break;
                case Escalated escalated:
                    await session.StageAsync(new Contracts.CaseEscalated
                    {
                        ContentId = state.ContentId, Platform = state.Platform, CanonicalUrl = state.CanonicalUrl,
                        To = escalated.To, Reason = escalated.Reason, EscalatedAt = escalated.EscalatedAt,
                    }, ct);
                    break;
            }
        }
    }
}

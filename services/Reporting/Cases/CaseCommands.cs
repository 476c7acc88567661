using Takedown.EventStore;

namespace Takedown.Reporting.Cases;

public sealed record CaseDecision(TakedownCase State, long Version, IReadOnlyList<ICaseEvent> NewEvents);

public static class CaseCommands
{
    /// <summary>
    /// Reads the case, decides, appends. <paramref name="ifMatch"/> is the version the caller saw (HTTP If-Match);
    /// a case that moved on since is a conflict, decided before anything is written.
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
        return new CaseDecision(events.Aggregate(current.State, TakedownCase.Evolve), version, events);
    }
}

namespace Takedown.EventStore;

/// <summary>Who caused a write and why: stored with every event and carried by every staged message.</summary>
/// <param name="CorrelationId">Ties together everything that follows from one report.</param>
/// <param name="CausationId">The request or message that caused this write.</param>
/// <param name="Actor">The API key name, service or user that acted.</param>
/// <param name="TraceParent">W3C traceparent of the activity that wrote, so the trace can be resumed.</param>
public sealed record EventContext(Guid CorrelationId, Guid CausationId, string Actor, string? TraceParent = null)
{
    public static EventContext ForSystem(string actor) =>
        new(Guid.NewGuid(), Guid.NewGuid(), actor, System.Diagnostics.Activity.Current?.Id);
}

/// <summary>An event as stored: its position, identity and metadata, with the deserialised data.</summary>
public sealed record StoredEvent(
    long Sequence,
    Guid EventId,
    string StreamId,
    long Version,
    string Type,
    object Data,
    DateTimeOffset OccurredAt,
    Guid CorrelationId,
    Guid CausationId,
    string Actor);

/// <summary>The result of folding a stream: the state and the version it reflects (0 when the stream is empty).</summary>
public sealed record StreamState<TState>(TState State, long Version, IReadOnlyList<StoredEvent> Events)
{
    public bool Exists => Version > 0;
}

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

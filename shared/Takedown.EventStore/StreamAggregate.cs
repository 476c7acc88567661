using JasperFx.Events;
using Marten.Events.Aggregation;

namespace Takedown.EventStore;

/// <summary>
/// A decider's state as Marten folds it: <paramref name="initial"/> before a stream's first event, then the decider's
/// own evolve for every event of <typeparamref name="TEvent"/>. Registered live, it is what <c>FetchForWriting</c>
/// builds, so the write path folds a stream exactly as the decider does.
/// </summary>
public sealed class StreamAggregate<TState, TEvent>(Func<string, TState> initial, Func<TState, TEvent, TState> evolve)
    : SingleStreamProjection<Folded<TState>, string>
{
    public TState Initial(string streamId) => initial(streamId);

    public TState Evolve(TState state, TEvent e) => evolve(state, e);

    public override Folded<TState>? Evolve(Folded<TState>? snapshot, string id, IEvent e) =>
        e.Data is TEvent data ? new Folded<TState>(id, evolve(snapshot is null ? initial(id) : snapshot.State, data)) : snapshot;
}

/// <summary>
/// The document Marten sees for a folded stream. Domain state records stay free of Marten's conventions (an Id member,
/// and an instance Evolve its source generator would look for); this wrapper carries the identity instead.
/// </summary>
public sealed record Folded<TState>(string Id, TState State);

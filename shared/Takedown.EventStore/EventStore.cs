using JasperFx.Events;
using Marten;
using Npgsql;

namespace Takedown.EventStore;

/// <summary>
/// A service's event store: its Marten store in the service's own schema, plus the project's outbox and inbox.
/// Writes go through an <see cref="EventSession"/> (one Marten unit of work); reads through Marten's query sessions.
/// </summary>
public sealed class EventStore(IDocumentStore documents, NpgsqlDataSource dataSource, EventStoreOptions options, TimeProvider time, OutboxSignal outboxSignal)
{
    public string Schema => options.Schema;

    public IDocumentStore Documents => documents;

    /// <summary>For the service's own tables beside Marten's (evidence bytes, bank entries).</summary>
    public NpgsqlDataSource DataSource => dataSource;

    internal EventStoreOptions Options => options;

    /// <summary>Creates or updates the schema, as the service does at start-up (<see cref="ServiceCollectionExtensions.MigrateAsync"/>).</summary>
    public Task MigrateAsync(CancellationToken ct) => ServiceCollectionExtensions.MigrateAsync(documents, dataSource, Schema, ct);

    /// <summary>Opens a unit of work; nothing it appends, stores or stages is visible or sent until <see cref="EventSession.CommitAsync"/>.</summary>
    public EventSession Begin(EventContext context) => new(documents.LightweightSession(), options, context, time, outboxSignal);

    public IQuerySession Query() => documents.QuerySession();

    public async Task<IReadOnlyList<IEvent>> ReadStreamAsync(string streamId, CancellationToken ct)
    {
        await using var session = documents.QuerySession();
        return await session.Events.FetchStreamAsync(streamId, token: ct);
    }

    /// <summary>Folds a stream with its decider, as the write path does; version 0 when the stream does not exist.</summary>
    public async Task<StreamState<TState>> AggregateAsync<TState, TEvent>(StreamAggregate<TState, TEvent> aggregate, string streamId, CancellationToken ct)
    {
        var events = await ReadStreamAsync(streamId, ct);
        var state = aggregate.Initial(streamId);
        foreach (var e in events)
        {
            if (e.Data is TEvent data)
                state = aggregate.Evolve(state, data);
        }
        return new StreamState<TState>(state, events.Count == 0 ? 0 : events[^1].Version, events);
    }
}

/// <summary>A stream folded into its state, the version that state reflects (0 when the stream is empty) and its events.</summary>
public sealed record StreamState<TState>(TState State, long Version, IReadOnlyList<IEvent> Events)
{
    public bool Exists => Version > 0;
}

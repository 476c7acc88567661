using System.Text.Json;
using Npgsql;

namespace Takedown.EventStore;

/// <summary>
/// The service's event store: one PostgreSQL schema with streams, events, outbox and inbox.
/// Reads go straight to the database; writes go through an <see cref="EventSession"/> (one transaction).
/// </summary>
public sealed class EventStore(NpgsqlDataSource dataSource, EventStoreOptions options, TimeProvider time, OutboxSignal outboxSignal)
{
    public string Schema => options.Schema;

    public NpgsqlDataSource DataSource => dataSource;

    internal EventStoreOptions Options => options;

    /// <summary>Creates or upgrades the store's tables, then the service's own read-model tables.</summary>
    public async Task MigrateAsync(CancellationToken ct)
    {
        await SchemaMigrator.MigrateAsync(dataSource, options.Schema, "event-store", EventStoreSchema.Migrations, ct);
        if (options.ReadModelMigrations.Count > 0)
            await SchemaMigrator.MigrateAsync(dataSource, options.Schema, "read-models", options.ReadModelMigrations, ct);
    }

    /// <summary>Opens a write transaction; nothing it appends or stages is visible or sent until <see cref="EventSession.CommitAsync"/>.</summary>
    public async Task<EventSession> BeginAsync(EventContext context, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var tx = await connection.BeginTransactionAsync(ct);
            return new EventSession(this, connection, tx, context, time, outboxSignal);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await ReadStreamAsync(connection, null, streamId, ct);
    }

    /// <summary>Folds a stream into state with the service's Evolve.</summary>
    public async Task<StreamState<TState>> AggregateAsync<TState, TEvent>(
        string streamId, TState initial, Func<TState, TEvent, TState> evolve, CancellationToken ct)
    {
        var events = await ReadStreamAsync(streamId, ct);
        return Fold(events, initial, evolve);
    }

    internal static StreamState<TState> Fold<TState, TEvent>(IReadOnlyList<StoredEvent> events, TState initial, Func<TState, TEvent, TState> evolve)
    {
        var state = initial;
        foreach (var e in events)
        {
            if (e.Data is TEvent typed)
                state = evolve(state, typed);
        }
        return new StreamState<TState>(state, events.Count == 0 ? 0 : events[^1].Version, events);
    }

    internal async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string streamId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT seq, id, version, type, data, occurred_at, metadata
            FROM {options.Schema}.events WHERE stream_id = @stream ORDER BY version
            """, connection, tx);
        command.Parameters.AddWithValue("stream", streamId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = new List<StoredEvent>();
        while (await reader.ReadAsync(ct))
            events.Add(ToStoredEvent(reader.GetInt64(0), reader.GetGuid(1), streamId, reader.GetInt64(2), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6)));
        return events;
    }

    internal StoredEvent ToStoredEvent(long seq, Guid id, string streamId, long version, string type, string data, DateTimeOffset occurredAt, string metadataJson)
    {
        var metadata = JsonSerializer.Deserialize<StoredMetadata>(metadataJson, options.Json)!;
        return new StoredEvent(seq, id, streamId, version, type, JsonSerializer.Deserialize(data, options.Events.TypeOf(type), options.Json)!,
            occurredAt, metadata.CorrelationId, metadata.CausationId, metadata.Actor);
    }

    internal sealed record StoredMetadata(Guid CorrelationId, Guid CausationId, string Actor, string? TraceParent);
}

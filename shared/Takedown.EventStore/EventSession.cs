using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Takedown.EventStore;

/// <summary>
/// One database transaction: inbox check, appends, staged integration messages and inline read models
/// commit together or not at all. A message is relayed only after its events are durable.
/// </summary>
public sealed class EventSession : IAsyncDisposable
{
    private readonly EventStore _store;
    private readonly EventContext _context;
    private readonly TimeProvider _time;
    private readonly OutboxSignal _outboxSignal;
    private bool _stagedMessages;
    private bool _completed;
    private List<Action>? _afterCommit;

    internal EventSession(EventStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, EventContext context, TimeProvider time, OutboxSignal outboxSignal)
    {
        _store = store;
        Connection = connection;
        Transaction = transaction;
        _context = context;
        _time = time;
        _outboxSignal = outboxSignal;
    }

    public NpgsqlConnection Connection { get; }
    public NpgsqlTransaction Transaction { get; }
    public EventContext Context => _context;
    /// <summary>The service's schema, for inline read-model SQL.</summary>
    public string Schema => _store.Schema;
    private EventStoreOptions Options => _store.Options;

    /// <summary>
    /// Records that <paramref name="consumer"/> handles <paramref name="messageId"/> in this transaction.
    /// False when it already did: the caller acknowledges the redelivery and changes nothing.
    /// </summary>
    public async Task<bool> TryRecordInboxAsync(string consumer, Guid messageId, CancellationToken ct)
    {
        // A concurrent duplicate blocks on the primary key until the first delivery commits or rolls back.
        await using var command = CreateCommand(
            $"INSERT INTO {Schema}.inbox (consumer, message_id, processed_at) VALUES (@consumer, @id, @at) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue("consumer", consumer);
        command.Parameters.AddWithValue("id", messageId);
        command.Parameters.AddWithValue("at", _time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<StreamState<TState>> AggregateAsync<TState, TEvent>(
        string streamId, TState initial, Func<TState, TEvent, TState> evolve, CancellationToken ct)
    {
        var events = await _store.ReadStreamAsync(Connection, Transaction, streamId, ct);
        return EventStore.Fold(events, initial, evolve);
    }

    /// <summary>
    /// Appends events to a stream named "{type}-{id}" in one round trip. The expected version is checked on the
    /// stream row before any event row, and so any sequence number, is written; the hash chain continues from the
    /// stream row's last hash. Returns the new version.
    /// </summary>
    public async Task<long> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<object> events, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfZero(events.Count, nameof(events));
        var now = TruncateToMicroseconds(_time.GetUtcNow());
        var metadata = JsonSerializer.Serialize(
            new EventStore.StoredMetadata(_context.CorrelationId, _context.CausationId, _context.Actor, _context.TraceParent), Options.Json);
        var ids = events.Select(_ => Guid.CreateVersion7(now)).ToArray();
        var types = events.Select(e => Options.Events.NameOf(e.GetType())).ToArray();
        var data = events.Select(e => JsonSerializer.Serialize(e, e.GetType(), Options.Json)).ToArray();

        // Most commands append one event to a stream that exists: that case skips the PL/pgSQL function.
        var inline = Options.Projections.Inline.ToArray();
        var appended = events.Count == 1 && !expected.IsNoStream
            ? await AppendOneToExistingStreamAsync(streamId, expected, ids[0], types[0], data[0], metadata, now, ct)
            : null;
        var (newVersion, sequences) = appended
            ?? await AppendThroughFunctionAsync(streamId, expected, ids, types, data, metadata, now, wantSequences: inline.Length > 0, ct);

        if (inline.Length > 0)
        {
            var stored = events.Select((e, i) => new StoredEvent(sequences[i], ids[i], streamId, newVersion - events.Count + i + 1, types[i], e,
                now, _context.CorrelationId, _context.CausationId, _context.Actor)).ToArray();
            foreach (var projection in inline)
                await projection.ApplyAsync(Connection, Transaction, stored, ct);
        }
        return newVersion;
    }

    /// <summary>
    /// One statement: the UPDATE moves the stream head (chaining the hash from the row's own last hash, so a writer
    /// that waited on the row lock chains from the head it finally updates) and feeds the INSERT. No row updated
    /// means no event row, so no sequence number. Null when an "any" append finds no stream: the function creates it.
    /// </summary>
    private async Task<(long Version, long[] Sequences)?> AppendOneToExistingStreamAsync(
        string streamId, ExpectedVersion expected, Guid id, string type, string data, string metadata, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = CreateCommand(
            $"""
            WITH head AS (
                UPDATE {Schema}.streams
                SET version = version + 1, last_hash = {Schema}.event_hash(last_hash, id, version + 1, $4, $5, $7), updated = $7
                WHERE id = $1 AND ($2 = -2 OR version = $2)
                RETURNING version, last_hash)
            INSERT INTO {Schema}.events (id, stream_id, version, type, data, metadata, occurred_at, hash)
            SELECT $3, $1, version, $4, $5, $6, $7, last_hash FROM head
            RETURNING version, seq
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        command.Parameters.Add(new NpgsqlParameter { Value = expected.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = type });
        command.Parameters.Add(new NpgsqlParameter { Value = data, NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = metadata, NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = at });
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
                return (reader.GetInt64(0), [reader.GetInt64(1)]);
        }

        if (expected.IsAny)
            return null;
        await using var current = CreateCommand($"SELECT version FROM {Schema}.streams WHERE id = $1");
        current.Parameters.Add(new NpgsqlParameter { Value = streamId });
        throw new StreamConcurrencyException(streamId, expected, await current.ExecuteScalarAsync(ct) as long?);
    }

    /// <summary>
    /// The schema's append_events function: creates streams, appends batches, retries "any" after a lost race.
    /// Sequence numbers come back only when <paramref name="wantSequences"/> (returning them costs the insert a CTE).
    /// </summary>
    private async Task<(long Version, long[] Sequences)> AppendThroughFunctionAsync(
        string streamId, ExpectedVersion expected, Guid[] ids, string[] types, string[] data, string metadata, DateTimeOffset at, bool wantSequences, CancellationToken ct)
    {
        await using var command = CreateCommand($"SELECT new_version, sequences FROM {Schema}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        command.Parameters.Add(new NpgsqlParameter { Value = StreamType(streamId) });
        command.Parameters.Add(new NpgsqlParameter { Value = expected.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        command.Parameters.Add(new NpgsqlParameter { Value = types });
        command.Parameters.Add(new NpgsqlParameter { Value = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = metadata, NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = at });
        command.Parameters.Add(new NpgsqlParameter { Value = wantSequences });
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (reader.GetInt64(0), wantSequences ? reader.GetFieldValue<long[]>(1) : []);
        }
        catch (PostgresException ex) when (ex.SqlState == EventStoreSchema.WrongExpectedVersion)
        {
            throw new StreamConcurrencyException(streamId, expected, long.TryParse(ex.Hint, out var actual) ? actual : null);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Unreachable while the stream head moves by compare-and-swap; kept so a bypass still cannot fork a stream.
            throw new StreamConcurrencyException(streamId, expected, null);
        }
    }

    private static string StreamType(string streamId)
    {
        var dash = streamId.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 ? streamId[..dash] : streamId;
    }

    /// <summary>
    /// Stages an integration message in the outbox, in this transaction. The relay publishes it after commit,
    /// with this id as MassTransit's MessageId so that consumers' inboxes drop any republish.
    /// </summary>
    public async Task<Guid> StageAsync<TMessage>(TMessage message, CancellationToken ct) where TMessage : class
    {
        var messageId = Guid.CreateVersion7(_time.GetUtcNow());
        await using var command = CreateCommand(
            $"""
            INSERT INTO {Schema}.outbox (message_id, message_type, body, correlation_id, causation_id, trace_parent, created_at)
            VALUES (@id, @type, @body, @correlation, @causation, @trace, @at)
            """);
        command.Parameters.AddWithValue("id", messageId);
        command.Parameters.AddWithValue("type", Options.Messages.NameOf(typeof(TMessage)));
        command.Parameters.Add(new NpgsqlParameter("body", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(message, Options.Json) });
        command.Parameters.AddWithValue("correlation", _context.CorrelationId);
        command.Parameters.AddWithValue("causation", _context.CausationId);
        command.Parameters.AddWithValue("trace", (object?)_context.TraceParent ?? DBNull.Value);
        command.Parameters.AddWithValue("at", _time.GetUtcNow());
        await command.ExecuteNonQueryAsync(ct);
        _stagedMessages = true;
        return messageId;
    }

    /// <summary>A command in this transaction, for inline read models that must commit with the events.</summary>
    public NpgsqlCommand CreateCommand(string sql) => new(sql, Connection, Transaction);

    /// <summary>
    /// Runs <paramref name="action"/> once this transaction has committed, never if it rolls back: metrics count what
    /// is durable, so a retried or redelivered command cannot count twice.
    /// </summary>
    public void AfterCommit(Action action) => (_afterCommit ??= []).Add(action);

    public async Task CommitAsync(CancellationToken ct)
    {
        await Transaction.CommitAsync(ct);
        _completed = true;
        if (_stagedMessages)
            _outboxSignal.Notify();
        foreach (var action in _afterCommit ?? [])
            action();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            try { await Transaction.RollbackAsync(); }
            catch (Exception) when (Connection.State != System.Data.ConnectionState.Open) { }
        }
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }

    // PostgreSQL keeps microseconds; truncating first makes the in-memory time equal the stored one.
    private static DateTimeOffset TruncateToMicroseconds(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);
}

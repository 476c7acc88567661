using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Takedown.EventStore;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Benchmarks.Append;

public sealed record ItemAdded(string Name, int Quantity);

/// <summary>A stream one writer owns, and the version that writer last appended.</summary>
public sealed class StreamCursor(string id)
{
    public string Id { get; } = id;
    public long Version { get; set; }
}

/// <summary>One way of committing <c>count</c> events to a stream in one transaction.</summary>
public abstract class Appender
{
    public abstract Task AppendAsync(StreamCursor stream, int count, CancellationToken ct);

    protected static ItemAdded Event(StreamCursor stream, int i) => new($"item-{stream.Version + i + 1}", 1);

    protected static DateTimeOffset Now()
    {
        var t = DateTimeOffset.UtcNow;
        return new DateTimeOffset(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);
    }
}

/// <summary>The real thing: BeginAsync, AppendAsync with the exact expected version, CommitAsync.</summary>
public sealed class EventStoreAppender(Store store) : Appender
{
    private readonly EventContext _context = EventContext.ForSystem("benchmark");

    public override async Task AppendAsync(StreamCursor stream, int count, CancellationToken ct)
    {
        var events = new object[count];
        for (var i = 0; i < count; i++)
            events[i] = Event(stream, i);
        await using var session = await store.BeginAsync(_context, ct);
        await session.AppendAsync(stream.Id, stream.Version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(stream.Version), events, ct);
        await session.CommitAsync(ct);
    }
}

/// <summary>
/// The same rows written with plain Npgsql, one transaction per append, with the event store's features
/// switched on one at a time:
/// <list type="bullet">
/// <item>neither: the baseline, <c>baseline_events</c> (a copy of <c>events</c> without the foreign key) with a constant hash;</item>
/// <item><paramref name="chainHash"/>: the hash computed by <c>event_hash</c> over the previous row, as the store does;</item>
/// <item><paramref name="streamRow"/>: the store's own tables and round trips (row lock on <c>streams</c>, version check,
/// <c>INSERT … RETURNING seq</c>, <c>UPDATE streams</c>); with both, the store's own statements.</item>
/// </list>
/// </summary>
public sealed class SqlAppender(NpgsqlDataSource dataSource, string schema, JsonSerializerOptions json, bool chainHash, bool streamRow) : Appender
{
    public const string CreateBaselineTable = "CREATE TABLE {schema}.baseline_events (LIKE {schema}.events INCLUDING ALL)";

    private static readonly byte[] ConstantHash = System.Security.Cryptography.SHA256.HashData("baseline"u8);

    private readonly string _metadata = JsonSerializer.Serialize(
        new { CorrelationId = Guid.NewGuid(), CausationId = Guid.NewGuid(), Actor = "benchmark", TraceParent = (string?)null }, json);

    private readonly string _insert =
        $"""
        INSERT INTO {schema}.{(streamRow ? "events" : "baseline_events")} (id, stream_id, version, type, data, metadata, occurred_at, hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7, {(chainHash
            ? $"{schema}.event_hash((SELECT hash FROM {schema}.{(streamRow ? "events" : "baseline_events")} WHERE stream_id = $2 AND version = $3 - 1), $2, $3, $4, $5, $7)"
            : "$8")})
        {(streamRow ? "RETURNING seq" : "")}
        """;

    public override async Task AppendAsync(StreamCursor stream, int count, CancellationToken ct)
    {
        var now = Now();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (streamRow)
            await LockStreamAsync(connection, tx, stream, now, ct);

        await using var batch = new NpgsqlBatch(connection, tx);
        for (var i = 0; i < count; i++)
        {
            var command = new NpgsqlBatchCommand(_insert);
            command.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7(now) });
            command.Parameters.Add(new NpgsqlParameter { Value = stream.Id });
            command.Parameters.Add(new NpgsqlParameter { Value = stream.Version + i + 1 });
            command.Parameters.Add(new NpgsqlParameter { Value = "item-added" });
            command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(Event(stream, i), json), NpgsqlDbType = NpgsqlDbType.Jsonb });
            command.Parameters.Add(new NpgsqlParameter { Value = _metadata, NpgsqlDbType = NpgsqlDbType.Jsonb });
            command.Parameters.Add(new NpgsqlParameter { Value = now });
            if (!chainHash)
                command.Parameters.Add(new NpgsqlParameter { Value = ConstantHash });
            batch.BatchCommands.Add(command);
        }
        if (streamRow)
        {
            var update = new NpgsqlBatchCommand($"UPDATE {schema}.streams SET version = $1, updated = $2 WHERE id = $3");
            update.Parameters.Add(new NpgsqlParameter { Value = stream.Version + count });
            update.Parameters.Add(new NpgsqlParameter { Value = now });
            update.Parameters.Add(new NpgsqlParameter { Value = stream.Id });
            batch.BatchCommands.Add(update);
        }
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    private async Task LockStreamAsync(NpgsqlConnection connection, NpgsqlTransaction tx, StreamCursor stream, DateTimeOffset now, CancellationToken ct)
    {
        await using var select = new NpgsqlCommand($"SELECT version FROM {schema}.streams WHERE id = @id FOR UPDATE", connection, tx);
        select.Parameters.AddWithValue("id", stream.Id);
        var current = await select.ExecuteScalarAsync(ct) is long version ? version : (long?)null;
        if (current is null)
        {
            await using var insert = new NpgsqlCommand(
                $"INSERT INTO {schema}.streams (id, type, version, created, updated) VALUES (@id, 'basket', 0, @now, @now) ON CONFLICT (id) DO NOTHING", connection, tx);
            insert.Parameters.AddWithValue("id", stream.Id);
            insert.Parameters.AddWithValue("now", now);
            await insert.ExecuteNonQueryAsync(ct);
            current = 0;
        }
        if (current != stream.Version)
            throw new InvalidOperationException($"Stream {stream.Id} is at {current}, the writer expected {stream.Version}.");
    }
}

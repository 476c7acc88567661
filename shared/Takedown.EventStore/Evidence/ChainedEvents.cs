using System.Data;
using Npgsql;

namespace Takedown.EventStore.Evidence;

/// <summary>One stored event with everything its link in the hash chain covers, as PostgreSQL renders it.</summary>
/// <param name="Data">The event's data exactly as <c>data::text</c> renders the jsonb: the bytes the chain hashed.</param>
/// <param name="TimestampMicros">Microseconds since the Unix epoch, as the chain's trigger computes them.</param>
/// <param name="Hash">The stored link (headers' <c>hash</c>), lower-case hex.</param>
/// <param name="Headers">The headers as jsonb text (actor, traceparent, hash); not covered by the chain.</param>
public sealed record ChainedEvent(
    string StreamId, long Version, string Type, string Data, long TimestampMicros, string Hash,
    string? Headers, string? CorrelationId, string? CausationId);

/// <summary>A stream's events and its head, read in one snapshot.</summary>
/// <param name="Head">The stream's version in <c>mt_streams</c>; null when it has no row.</param>
public sealed record ChainedStream(string StreamId, long? Head, IReadOnlyList<ChainedEvent> Events);

/// <summary>The first link of a chain that does not hold.</summary>
public sealed record ChainBreak(long Version, string Problem);

/// <summary>Reads streams with their chain, and recomputes a chain from events outside the database.</summary>
public static class ChainedEvents
{
    public static async Task<ChainedStream> ReadStreamAsync(NpgsqlDataSource dataSource, string schema, string streamId, CancellationToken ct)
    {
        EventStoreOptions.CheckSchemaName(schema);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        long? head;
        await using (var select = new NpgsqlCommand($"SELECT version FROM {schema}.mt_streams WHERE id = @id", connection, tx))
        {
            select.Parameters.AddWithValue("id", streamId);
            head = await select.ExecuteScalarAsync(ct) as long?;
        }

        await using var command = new NpgsqlCommand(
            $"""
            SELECT version, type, data::text, (extract(epoch FROM timestamp) * 1000000)::bigint,
                   coalesce(headers->>'{EventChain.HeaderName}', ''), headers::text, correlation_id, causation_id
            FROM {schema}.mt_events WHERE stream_id = @id ORDER BY version
            """, connection, tx);
        command.Parameters.AddWithValue("id", streamId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = new List<ChainedEvent>();
        while (await reader.ReadAsync(ct))
        {
            events.Add(new ChainedEvent(streamId, reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3),
                reader.GetString(4).ToLowerInvariant(), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return new ChainedStream(streamId, head, events);
    }

    /// <summary>
    /// Recomputes the chain (<see cref="AuditChain.Hash"/>) from version 1 on: the first version missing, out of place
    /// or whose stored hash does not match; null when every link holds.
    /// </summary>
    public static ChainBreak? FirstBreak(IEnumerable<ChainedEvent> events)
    {
        byte[] previous = [];
        long expected = 1;
        foreach (var e in events)
        {
            if (e.Version != expected)
                return new ChainBreak(expected, $"event version {expected} is missing");
            var computed = AuditChain.Hash(previous, e.StreamId, e.Version, e.Type, e.Data, e.TimestampMicros);
            if (!string.Equals(Convert.ToHexStringLower(computed), e.Hash, StringComparison.Ordinal))
                return new ChainBreak(e.Version, $"hash of version {e.Version} does not match its contents or its predecessor");
            previous = computed;
            expected++;
        }
        return null;
    }
}

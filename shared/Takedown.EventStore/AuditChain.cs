using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Takedown.EventStore;

/// <summary>The outcome of recomputing one stream's hash chain.</summary>
/// <param name="FirstBrokenVersion">The first version whose stored hash, data or position does not hold; null when the chain is intact.</param>
public sealed record AuditResult(string StreamId, bool Intact, long EventsChecked, long? FirstBrokenVersion, string? Problem);

/// <summary>
/// Recomputes the tamper-evident chain from the stored rows, independently of the trigger that wrote it (<see cref="EventChain"/>):
/// sha256(previous hash ‖ stream ‖ 0x00 ‖ int8 version ‖ type ‖ 0x00 ‖ data as jsonb text ‖ 0x00 ‖ int8 µs since epoch).
/// </summary>
public static class AuditChain
{
    public const int DefaultPageSize = 500;

    private const string SelectLinks =
        $"SELECT stream_id, version, type, data::text, (extract(epoch FROM timestamp) * 1000000)::bigint, decode(headers->>'{EventChain.HeaderName}', 'hex')";

    public static async Task<AuditResult> VerifyStreamAsync(NpgsqlDataSource dataSource, string schema, string streamId, CancellationToken ct)
    {
        EventStoreOptions.CheckSchemaName(schema);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // One snapshot for the stream head and its events, so an append between the two reads is not a "break".
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        long? head;
        await using (var select = new NpgsqlCommand($"SELECT version FROM {schema}.mt_streams WHERE id = @id", connection, tx))
        {
            select.Parameters.AddWithValue("id", streamId);
            head = await select.ExecuteScalarAsync(ct) as long?;
        }

        await using var command = new NpgsqlCommand($"{SelectLinks} FROM {schema}.mt_events WHERE stream_id = @id ORDER BY version", connection, tx);
        command.Parameters.AddWithValue("id", streamId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var walk = new ChainWalk(streamId);
        while (await reader.ReadAsync(ct) && walk.Accept(reader))
        {
        }
        return walk.Finish(head);
    }

    /// <summary>
    /// Verifies every stream of the schema, in stream id order: each id that has an <c>mt_streams</c> row, events, or both.
    /// Reads <see cref="DefaultPageSize"/> streams per transaction, so memory stays flat and no snapshot is held for
    /// the whole walk; a stream's head and its events always come from the same snapshot.
    /// </summary>
    public static async IAsyncEnumerable<AuditResult> VerifySchemaAsync(
        NpgsqlDataSource dataSource, string schema, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var result in VerifySchemaAsync(dataSource, schema, DefaultPageSize, ct))
            yield return result;
    }

    /// <param name="pageSize">Streams read per transaction.</param>
    public static async IAsyncEnumerable<AuditResult> VerifySchemaAsync(
        NpgsqlDataSource dataSource, string schema, int pageSize, [EnumeratorCancellation] CancellationToken ct)
    {
        EventStoreOptions.CheckSchemaName(schema);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        string? after = null;
        while (true)
        {
            List<AuditResult> page;
            await using (var connection = await dataSource.OpenConnectionAsync(ct))
            await using (var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct))
            {
                var heads = await ReadStreamHeadsAsync(connection, tx, schema, after, pageSize, ct);
                if (heads.Count == 0)
                    yield break;
                page = await VerifyPageAsync(connection, tx, schema, after, heads, ct);
                after = heads[^1].StreamId;
            }

            // Yielded after the page's transaction ends: a slow consumer holds no connection or snapshot.
            foreach (var result in page)
                yield return result;
            if (page.Count < pageSize)
                yield break;
        }
    }

    /// <summary>The next page of stream ids after <paramref name="after"/>, from <c>streams</c> and <c>events</c> alike.</summary>
    private static async Task<List<(string StreamId, long? Head)>> ReadStreamHeadsAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, string schema, string? after, int pageSize, CancellationToken ct)
    {
        var streamsAfter = after is null ? "" : "WHERE id > @after";
        var eventsAfter = after is null ? "" : "WHERE stream_id > @after";
        await using var command = new NpgsqlCommand(
            $"""
            SELECT ids.id, s.version
            FROM ((SELECT id FROM {schema}.mt_streams {streamsAfter} ORDER BY id LIMIT @limit)
                  UNION
                  (SELECT DISTINCT stream_id FROM {schema}.mt_events {eventsAfter} ORDER BY stream_id LIMIT @limit)) AS ids (id)
            LEFT JOIN {schema}.mt_streams s ON s.id = ids.id
            ORDER BY ids.id
            LIMIT @limit
            """, connection, tx);
        if (after is not null)
            command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("limit", pageSize);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var heads = new List<(string, long?)>();
        while (await reader.ReadAsync(ct))
            heads.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1)));
        return heads;
    }

    private static async Task<List<AuditResult>> VerifyPageAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, string schema, string? after,
        List<(string StreamId, long? Head)> heads, CancellationToken ct)
    {
        // Every id in (after, last] is on this page, so one range scan in (stream_id, version) order covers it.
        var lower = after is null ? "" : "AND stream_id > @after";
        await using var command = new NpgsqlCommand(
            $"{SelectLinks} FROM {schema}.mt_events WHERE stream_id <= @last {lower} ORDER BY stream_id, version", connection, tx);
        command.Parameters.AddWithValue("last", heads[^1].StreamId);
        if (after is not null)
            command.Parameters.AddWithValue("after", after);

        var walks = new Dictionary<string, ChainWalk>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            ChainWalk? walk = null;
            while (await reader.ReadAsync(ct))
            {
                var streamId = reader.GetString(0);
                if (walk?.StreamId != streamId)
                    walks[streamId] = walk = new ChainWalk(streamId);
                walk.Accept(reader);
            }
        }
        return [.. heads.Select(h => (walks.GetValueOrDefault(h.StreamId) ?? new ChainWalk(h.StreamId)).Finish(h.Head))];
    }

    /// <summary>Checks one stream's rows in version order; reads columns as <see cref="SelectLinks"/> lists them.</summary>
    private sealed class ChainWalk(string streamId)
    {
        private byte[] previous = [];
        private long expectedVersion = 1, checkedCount;
        private AuditResult? broken;

        public string StreamId => streamId;

        /// <returns>False once the chain is broken; later rows are ignored.</returns>
        public bool Accept(NpgsqlDataReader row)
        {
            if (broken is not null)
                return false;
            var version = row.GetInt64(1);
            if (version != expectedVersion)
            {
                broken = new AuditResult(streamId, false, checkedCount, expectedVersion, $"event version {expectedVersion} is missing");
                return false;
            }

            var computed = Hash(previous, streamId, version, row.GetString(2), row.GetString(3), row.GetInt64(4));
            var stored = row.IsDBNull(5) ? [] : row.GetFieldValue<byte[]>(5);
            if (!CryptographicOperations.FixedTimeEquals(computed, stored))
            {
                broken = new AuditResult(streamId, false, checkedCount, version, $"hash of version {version} does not match its contents or its predecessor");
                return false;
            }

            previous = stored;
            expectedVersion++;
            checkedCount++;
            return true;
        }

        /// <param name="head">The <c>mt_streams.version</c>; null when the stream has no <c>streams</c> row.</param>
        public AuditResult Finish(long? head) => (broken, head) switch
        {
            ({ } result, _) => result,
            // The foreign key forbids this, so the row was deleted with the key dropped or disabled.
            (null, null) when checkedCount > 0 =>
                new AuditResult(streamId, false, checkedCount, 1, $"{checkedCount} events exist but the stream has no row in mt_streams"),
            (null, { } version) when version > checkedCount =>
                new AuditResult(streamId, false, checkedCount, checkedCount + 1, $"stream is at version {version} but only {checkedCount} events remain"),
            (null, { } version) when version < checkedCount =>
                new AuditResult(streamId, false, checkedCount, version + 1, $"stream is at version {version} but has {checkedCount} events"),
            _ => new AuditResult(streamId, true, checkedCount, null, null),
        };
    }

    public static byte[] Hash(ReadOnlySpan<byte> previous, string streamId, long version, string type, string dataText, long occurredAtMicros)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[8];
        ReadOnlySpan<byte> separator = [0];
        hash.AppendData(previous);
        hash.AppendData(Encoding.UTF8.GetBytes(streamId));
        hash.AppendData(separator);
        BinaryPrimitives.WriteInt64BigEndian(number, version);
        hash.AppendData(number);
        hash.AppendData(Encoding.UTF8.GetBytes(type));
        hash.AppendData(separator);
        hash.AppendData(Encoding.UTF8.GetBytes(dataText));
        hash.AppendData(separator);
        BinaryPrimitives.WriteInt64BigEndian(number, occurredAtMicros);
        hash.AppendData(number);
        return hash.GetHashAndReset();
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Takedown.EventStore;

/// <summary>The outcome of recomputing one stream's hash chain.</summary>
/// <param name="FirstBrokenVersion">The first version whose stored hash, data or position does not hold; null when the chain is intact.</param>
public sealed record AuditResult(string StreamId, bool Intact, long EventsChecked, long? FirstBrokenVersion, string? Problem);

/// <summary>
/// Recomputes the tamper-evident chain from the stored rows, independently of the SQL function that wrote it:
/// sha256(previous hash ‖ stream ‖ 0x00 ‖ int8 version ‖ type ‖ 0x00 ‖ data as jsonb text ‖ 0x00 ‖ int8 µs since epoch).
/// </summary>
public static class AuditChain
{
    public static async Task<AuditResult> VerifyStreamAsync(NpgsqlDataSource dataSource, string schema, string streamId, CancellationToken ct)
    {
        EventStoreOptions.CheckSchemaName(schema);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // One snapshot for the stream head and its events, so an append between the two reads is not a "break".
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        long? streamVersion;
        await using (var head = new NpgsqlCommand($"SELECT version FROM {schema}.streams WHERE id = @id", connection, tx))
        {
            head.Parameters.AddWithValue("id", streamId);
            streamVersion = await head.ExecuteScalarAsync(ct) as long?;
        }

        await using var command = new NpgsqlCommand(
            $"""
            SELECT version, type, data::text, (extract(epoch FROM occurred_at) * 1000000)::bigint, hash
            FROM {schema}.events WHERE stream_id = @id ORDER BY version
            """, connection, tx);
        command.Parameters.AddWithValue("id", streamId);
        await using var reader = await command.ExecuteReaderAsync(ct);

        var previous = Array.Empty<byte>();
        long expectedVersion = 1, checkedCount = 0;
        while (await reader.ReadAsync(ct))
        {
            var version = reader.GetInt64(0);
            if (version != expectedVersion)
                return new AuditResult(streamId, false, checkedCount, expectedVersion, $"event version {expectedVersion} is missing");

            var computed = Hash(previous, streamId, version, reader.GetString(1), reader.GetString(2), reader.GetInt64(3));
            var stored = reader.GetFieldValue<byte[]>(4);
            if (!CryptographicOperations.FixedTimeEquals(computed, stored))
                return new AuditResult(streamId, false, checkedCount, version, $"hash of version {version} does not match its contents or its predecessor");

            previous = stored;
            expectedVersion++;
            checkedCount++;
        }

        if (streamVersion is { } head2 && head2 != checkedCount)
            return new AuditResult(streamId, false, checkedCount, checkedCount + 1, $"stream is at version {head2} but only {checkedCount} events remain");
        return new AuditResult(streamId, true, checkedCount, null, null);
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

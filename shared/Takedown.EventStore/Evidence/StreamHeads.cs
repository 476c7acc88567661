using System.Text;
using System.Text.Json;
using Npgsql;

namespace Takedown.EventStore.Evidence;

/// <summary>A stream's last event and its link in the chain.</summary>
public sealed record StreamHead(string StreamId, long Version, string Hash);

/// <summary>Every stream's head in one schema at one moment.</summary>
public sealed record StreamHeads(string Format, string Schema, DateTimeOffset GeneratedAt, IReadOnlyList<StreamHead> Streams);

/// <summary>
/// The exported file: <paramref name="Heads"/> is the <see cref="StreamHeads"/> JSON as text, and
/// <paramref name="Signature"/> the base64 DER ECDSA P-256 SHA-256 signature of its UTF-8 bytes.
/// </summary>
public sealed record SignedStreamHeads(string Format, string Heads, string Signature, string KeyId, string PublicKey);

/// <summary>A stream whose chain in the database no longer has the head an earlier export recorded.</summary>
public sealed record HeadMismatch(string StreamId, long Version, string Problem);

public sealed class StreamHeadsRejectedException(string message) : Exception(message);

/// <summary>
/// Exports of stream heads, signed, and their comparison with the database. A chain rewritten from some version on
/// (data edited, every later hash recomputed by someone with database access) verifies on its own; against an earlier
/// export it does not, because the head at the exported version has changed.
/// </summary>
public static class StreamHeadsExport
{
    public const string Format = "takedown-stream-heads/1";
    public const string SignedFormat = "takedown-signed-stream-heads/1";
    private const int CompareBatch = 5000;

    public static async Task<StreamHeads> ReadAsync(NpgsqlDataSource dataSource, string schema, DateTimeOffset generatedAt, CancellationToken ct)
    {
        EventStoreOptions.CheckSchemaName(schema);
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT DISTINCT ON (stream_id) stream_id, version, coalesce(headers->>'{EventChain.HeaderName}', '')
            FROM {schema}.mt_events ORDER BY stream_id, version DESC
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var heads = new List<StreamHead>();
        while (await reader.ReadAsync(ct))
            heads.Add(new StreamHead(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
        return new StreamHeads(Format, schema, generatedAt, heads);
    }

    public static SignedStreamHeads Sign(StreamHeads heads, EvidenceSigningKey key)
    {
        var text = JsonSerializer.Serialize(heads, EvidenceBundle.Json);
        return new SignedStreamHeads(SignedFormat, text, Convert.ToBase64String(key.Sign(Encoding.UTF8.GetBytes(text))), key.PublicKey.KeyId, key.PublicKey.Pem);
    }

    public static byte[] Serialize(SignedStreamHeads signed) => JsonSerializer.SerializeToUtf8Bytes(signed, EvidenceBundle.Json);

    /// <summary>Reads an exported file and checks its signature (and, when given, that the pinned key made it).</summary>
    /// <exception cref="StreamHeadsRejectedException">Not an export, a signature that does not verify, another key.</exception>
    public static StreamHeads Open(ReadOnlySpan<byte> file, EvidencePublicKey? pinned)
    {
        try
        {
            var signed = JsonSerializer.Deserialize<SignedStreamHeads>(file, EvidenceBundle.Json) ?? throw new JsonException("empty");
            if (signed.Format != SignedFormat)
                throw new StreamHeadsRejectedException($"format '{signed.Format}' is not {SignedFormat}.");
            var key = EvidencePublicKey.Parse(signed.PublicKey);
            if (key.KeyId != signed.KeyId)
                throw new StreamHeadsRejectedException($"the file names key {signed.KeyId} but carries key {key.KeyId}.");
            if (pinned is not null && pinned.KeyId != key.KeyId)
                throw new StreamHeadsRejectedException($"signed by key {key.KeyId}, not the pinned key {pinned.KeyId}.");
            if (!key.Verify(Encoding.UTF8.GetBytes(signed.Heads), Convert.FromBase64String(signed.Signature)))
                throw new StreamHeadsRejectedException("the signature does not verify: the heads were changed after they were exported.");
            var heads = JsonSerializer.Deserialize<StreamHeads>(signed.Heads, EvidenceBundle.Json) ?? throw new JsonException("empty heads");
            EventStoreOptions.CheckSchemaName(heads.Schema);
            return heads.Format == Format ? heads : throw new StreamHeadsRejectedException($"heads format '{heads.Format}' is not {Format}.");
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            throw new StreamHeadsRejectedException($"not a signed stream-heads export: {e.Message}");
        }
    }

    /// <summary>Each exported stream whose event at the exported version is gone or has another hash now, in stream id order.</summary>
    public static async Task<IReadOnlyList<HeadMismatch>> CompareAsync(NpgsqlDataSource dataSource, StreamHeads heads, CancellationToken ct)
    {
        EventStoreOptions.CheckSchemaName(heads.Schema);
        var mismatches = new List<HeadMismatch>();
        foreach (var batch in heads.Streams.Chunk(CompareBatch))
        {
            await using var command = dataSource.CreateCommand(
                $"""
                SELECT h.stream_id, h.version, h.hash, e.headers->>'{EventChain.HeaderName}',
                       (SELECT max(x.version) FROM {heads.Schema}.mt_events x WHERE x.stream_id = h.stream_id)
                FROM unnest($1::text[], $2::bigint[], $3::text[]) AS h (stream_id, version, hash)
                LEFT JOIN {heads.Schema}.mt_events e ON e.stream_id = h.stream_id AND e.version = h.version
                ORDER BY h.stream_id
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(h => h.StreamId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(h => h.Version).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(h => h.Hash).ToArray() });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var (streamId, version, exported) = (reader.GetString(0), reader.GetInt64(1), reader.GetString(2));
                var current = reader.IsDBNull(3) ? null : reader.GetString(3);
                long? last = reader.IsDBNull(4) ? null : reader.GetInt64(4);
                var problem = (current, last) switch
                {
                    (null, null) => $"the stream no longer exists; the export recorded version {version}",
                    (null, { } end) => $"version {version} no longer exists; the stream ends at version {end}",
                    _ when !string.Equals(current, exported, StringComparison.OrdinalIgnoreCase) =>
                        $"the hash of version {version} is {current}, the export recorded {exported}: the chain was rewritten",
                    _ => null,
                };
                if (problem is not null)
                    mismatches.Add(new HeadMismatch(streamId, version, problem));
            }
        }
        return mismatches;
    }
}

using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Takedown.EventStore;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Takedown.Ingest.Reports;

/// <summary>Media attached to a report, as the flagger captured it (base64 in the JSON body).</summary>
public sealed record MediaUpload(string? ContentType, string? Data);

/// <summary>Evidence is content-addressed: identified by its SHA-256, with MD5 for shared industry hash lists.</summary>
public sealed record EvidenceReference(string Sha256, string Md5, string ContentType, long Length);

/// <summary>
/// The evidence store: the bytes stay in Ingest's schema, written in the same transaction as the report
/// that brought them, so an accepted report never points at missing evidence.
/// </summary>
public static partial class Evidence
{
    public const int MaxItems = 10;

    /// <summary>The evidence table in Ingest's schema, one row per distinct SHA-256; Marten's schema management creates it.</summary>
    public static Table Table(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, "evidence", SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("sha256").AsPrimaryKey();
        table.AddColumn<string>("md5").NotNull();
        table.AddColumn<string>("content_type").NotNull();
        table.AddColumn<long>("length").NotNull();
        table.AddColumn("bytes", "bytea").NotNull();
        table.AddColumn("first_received_at", "timestamptz").NotNull();
        return table;
    }

    public sealed record Decoded(EvidenceReference Reference, byte[] Bytes);

    /// <summary>Decodes and hashes the uploads; errors are keyed by field path (media[0].data).</summary>
    public static IReadOnlyList<Decoded> Decode(IReadOnlyList<MediaUpload>? uploads, long maxBytes, Dictionary<string, string[]> errors)
    {
        if (uploads is null || uploads.Count == 0)
            return [];
        if (uploads.Count > MaxItems)
        {
            errors["media"] = [$"At most {MaxItems} media items per report."];
            return [];
        }

        var decoded = new List<Decoded>();
        for (var i = 0; i < uploads.Count; i++)
        {
            var upload = uploads[i];
            if (upload.ContentType is null || !MediaType().IsMatch(upload.ContentType))
                errors[$"media[{i}].contentType"] = ["A media type such as image/jpeg or video/mp4 is required."];
            byte[]? bytes = null;
            try
            {
                bytes = string.IsNullOrEmpty(upload.Data) ? null : Convert.FromBase64String(upload.Data);
            }
            catch (FormatException)
            {
            }
            if (bytes is null || bytes.Length == 0)
                errors[$"media[{i}].data"] = ["The media bytes, base64-encoded, are required."];
            else if (bytes.Length > maxBytes)
                errors[$"media[{i}].data"] = [$"At most {maxBytes} bytes per item."];
            else if (upload.ContentType is not null)
                decoded.Add(new Decoded(new EvidenceReference(
                    Convert.ToHexStringLower(SHA256.HashData(bytes)), Convert.ToHexStringLower(MD5.HashData(bytes)),
                    upload.ContentType.ToLowerInvariant(), bytes.Length), bytes));
        }
        return decoded;
    }

    /// <summary>
    /// Queues the bytes into the report's unit of work. The same media reported again keeps its first row: the bytes
    /// are the same by their hash, and the first receipt is the one that counts.
    /// </summary>
    public static void Store(EventSession session, IEnumerable<Decoded> items, DateTimeOffset now)
    {
        foreach (var item in items)
        {
            session.Documents.QueueSqlCommand(
                $"""
                INSERT INTO {session.Schema}.evidence (sha256, md5, content_type, length, bytes, first_received_at)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING
                """,
                item.Reference.Sha256, item.Reference.Md5, item.Reference.ContentType, item.Reference.Length, item.Bytes, now);
        }
    }

    /// <summary>A stored item's bytes and media type, or null when no report brought media with this SHA-256.</summary>
    public static async Task<(byte[] Bytes, string ContentType)?> ReadAsync(Npgsql.NpgsqlDataSource dataSource, string schema, string sha256, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT bytes, content_type FROM {schema}.evidence WHERE sha256 = @sha256");
        command.Parameters.AddWithValue("sha256", sha256);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, ct);
        return await reader.ReadAsync(ct) ? (reader.GetFieldValue<byte[]>(0), reader.GetString(1)) : null;
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]{0,126}/[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]{0,126}$")]
    private static partial Regex MediaType();
}

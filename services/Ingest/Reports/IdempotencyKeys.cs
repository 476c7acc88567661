using System.Security.Cryptography;
using System.Text.Json;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Input;
using Weasel.Core;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Takedown.Ingest.Reports;

/// <summary>
/// <c>Idempotency-Key</c> on <c>POST /api/v1/reports</c>: a client that timed out can send the report again. The key is
/// scoped to the caller's organisation and stored in the report's own unit of work, so a crash leaves either both or
/// neither; the report's id is derived from the key (<see cref="ContentIds.ForIdempotentReport"/>), so even a key whose
/// row has expired cannot add the same report twice to its stream (<see cref="Submission.Decide"/>).
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";
    private const int MaxKeyLength = 200;

    public sealed record Stored(byte[] RequestHash, Guid ContentId, Guid ReportId, int ReportNumber);

    public static Table Table(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, "idempotency_keys", SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("organisation").AsPrimaryKey();
        table.AddColumn<string>("key").AsPrimaryKey();
        table.AddColumn("request_hash", "bytea").NotNull();
        table.AddColumn<Guid>("content_id").NotNull();
        table.AddColumn<Guid>("report_id").NotNull();
        table.AddColumn<int>("report_number").NotNull();
        table.AddColumn("created_at", "timestamptz").NotNull();
        return table;
    }

    /// <summary>Why a key header cannot be used, or null: 1 to 200 characters of visible ASCII.</summary>
    public static string? Fault(string key) =>
        key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~')
            ? $"1 to {MaxKeyLength} visible ASCII characters (a UUID serves well)."
            : null;

    /// <summary>The request as the service understood it, so that whitespace or property order does not make another body.</summary>
    public static byte[] HashOf(ReportRequest request) => SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, InputText.Json));

    /// <summary>The stored answer of a key still within its retention, or null.</summary>
    public static async Task<Stored?> FindAsync(EventStore.EventStore store, string organisation, string key, DateTimeOffset notBefore, CancellationToken ct)
    {
        await using var command = store.DataSource.CreateCommand(
            $"SELECT request_hash, content_id, report_id, report_number FROM {store.Schema}.idempotency_keys WHERE organisation = @o AND key = @k AND created_at >= @since");
        command.Parameters.AddWithValue("o", organisation);
        command.Parameters.AddWithValue("k", key);
        command.Parameters.AddWithValue("since", notBefore);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, ct);
        return await reader.ReadAsync(ct)
            ? new Stored(reader.GetFieldValue<byte[]>(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetInt32(3))
            : null;
    }

    /// <summary>
    /// Queues the key into the report's unit of work. An expired row of the same key is replaced; a live one makes the
    /// commit fail on the primary key, and the caller reads the winner's answer.
    /// </summary>
    public static void Record(EventSession session, string organisation, string key, byte[] requestHash, ReportReceived received, DateTimeOffset notBefore)
    {
        session.Documents.QueueSqlCommand(
            $"DELETE FROM {session.Schema}.idempotency_keys WHERE organisation = ? AND key = ? AND created_at < ?", organisation, key, notBefore);
        session.Documents.QueueSqlCommand(
            $"""
            INSERT INTO {session.Schema}.idempotency_keys (organisation, key, request_hash, content_id, report_id, report_number, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            organisation, key, requestHash, received.ContentId, received.ReportId, received.ReportNumber, received.ReceivedAt);
    }
}

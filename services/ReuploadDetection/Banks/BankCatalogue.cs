using Npgsql;
using Takedown.EventStore;
using Takedown.EventStore.Projections;

namespace Takedown.ReuploadDetection.Banks;

public sealed record BankSummary(string Name, long Hashes, IReadOnlyDictionary<string, long> Signals, long Version, DateTimeOffset UpdatedAt);

/// <summary>
/// The hashes every bank holds now, kept inline: every HashAdded and HashRemoved appended anywhere updates it in
/// the appending transaction. Imports de-duplicate against it; <see cref="BankMatcher"/> loads from it at start-up.
/// <c>bank_removals</c> keeps the stream version of each hash's last removal, so an older HashAdded replayed
/// into memory after the load cannot bring the hash back.
/// </summary>
public sealed class BankCatalogue(string schema) : IProjection
{
    public string Name => "bank-catalogue";

    public static readonly IReadOnlyList<string> Migrations =
    [
        // 1: the first exact-hash table, written by the consumer itself; replaced by migration 2.
        """
        CREATE TABLE {schema}.bank_hashes (
            bank text NOT NULL,
            signal text NOT NULL,
            value text NOT NULL,
            content_id uuid,
            added_at timestamptz NOT NULL,
            UNIQUE NULLS NOT DISTINCT (bank, signal, value, content_id));
        CREATE INDEX bank_hashes_lookup ON {schema}.bank_hashes (signal, value);
        """,
        // 2: label, source and stream version per entry, removals; filled from the bank streams written so far.
        """
        CREATE TABLE {schema}.bank_entries (
            bank text NOT NULL,
            signal text NOT NULL,
            value text NOT NULL,
            content_id uuid,
            label text NOT NULL,
            source text NOT NULL,
            added_at timestamptz NOT NULL,
            version bigint NOT NULL,
            UNIQUE NULLS NOT DISTINCT (bank, signal, value, content_id));
        CREATE INDEX bank_entries_lookup ON {schema}.bank_entries (signal, value);
        CREATE TABLE {schema}.bank_removals (
            bank text NOT NULL,
            signal text NOT NULL,
            value text NOT NULL,
            version bigint NOT NULL,
            removed_at timestamptz NOT NULL,
            PRIMARY KEY (bank, signal, value));
        INSERT INTO {schema}.bank_entries (bank, signal, value, content_id, label, source, added_at, version)
        SELECT DISTINCT ON (data->>'bank', data->>'signal', data->>'value', data->>'contentId')
               data->>'bank', data->>'signal', data->>'value', (data->>'contentId')::uuid,
               coalesce(data->>'label', ''), coalesce(data->>'source', ''), (data->>'addedAt')::timestamptz, version
        FROM {schema}.events WHERE type = 'hash-added'
        ORDER BY data->>'bank', data->>'signal', data->>'value', data->>'contentId', version DESC;
        DROP TABLE {schema}.bank_hashes;
        """,
    ];

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case HashAdded added:
                    batch.BatchCommands.Add(Command(
                        $"""
                        INSERT INTO {schema}.bank_entries (bank, signal, value, content_id, label, source, added_at, version)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                        ON CONFLICT (bank, signal, value, content_id)
                        DO UPDATE SET label = excluded.label, source = excluded.source, added_at = excluded.added_at, version = excluded.version
                        """,
                        added.Bank, added.Signal, added.Value, added.ContentId, added.Label, added.Source, added.AddedAt, e.Version));
                    break;
                case HashRemoved removed:
                    batch.BatchCommands.Add(Command(
                        $"DELETE FROM {schema}.bank_entries WHERE bank = $1 AND signal = $2 AND value = $3",
                        removed.Bank, removed.Signal, removed.Value));
                    batch.BatchCommands.Add(Command(
                        $"""
                        INSERT INTO {schema}.bank_removals (bank, signal, value, version, removed_at) VALUES ($1, $2, $3, $4, $5)
                        ON CONFLICT (bank, signal, value) DO UPDATE SET version = excluded.version, removed_at = excluded.removed_at
                        """,
                        removed.Bank, removed.Signal, removed.Value, e.Version, removed.RemovedAt));
                    break;
            }
        }
        if (batch.BatchCommands.Count > 0)
            await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var truncate = new NpgsqlCommand($"TRUNCATE {schema}.bank_entries, {schema}.bank_removals", connection, transaction);
        await truncate.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    /// <summary>
    /// Serialises writers of one bank until the session ends, so "is this hash already banked?" stays true until
    /// the append commits (the stream's own row lock is only taken at the append, after the check).
    /// </summary>
    public static async Task LockAsync(EventSession session, string bank, CancellationToken ct)
    {
        await using var command = session.CreateCommand("SELECT pg_advisory_xact_lock(hashtextextended('takedown:bank:' || @bank, 0))");
        command.Parameters.AddWithValue("bank", bank);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Which of these (signal, value) pairs the bank already holds for this content (null: imported entries).</summary>
    public static async Task<HashSet<(string Signal, string Value)>> ExistingAsync(
        EventSession session, string bank, Guid? contentId, IReadOnlyCollection<(string Signal, string Value)> hashes, CancellationToken ct)
    {
        var existing = new HashSet<(string, string)>();
        if (hashes.Count == 0)
            return existing;
        await using var command = session.CreateCommand(
            $"""
            SELECT b.signal, b.value FROM {session.Schema}.bank_entries b
            JOIN unnest(@signals, @values) AS wanted(signal, value) ON b.signal = wanted.signal AND b.value = wanted.value
            WHERE b.bank = @bank AND b.content_id IS NOT DISTINCT FROM @content
            """);
        command.Parameters.AddWithValue("signals", hashes.Select(h => h.Signal).ToArray());
        command.Parameters.AddWithValue("values", hashes.Select(h => h.Value).ToArray());
        command.Parameters.AddWithValue("bank", bank);
        command.Parameters.Add(new NpgsqlParameter("content", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)contentId ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            existing.Add((reader.GetString(0), reader.GetString(1)));
        return existing;
    }

    public static async Task<bool> ContainsAsync(EventSession session, string bank, string signal, string value, CancellationToken ct)
    {
        await using var command = session.CreateCommand(
            $"SELECT EXISTS (SELECT 1 FROM {session.Schema}.bank_entries WHERE bank = @bank AND signal = @signal AND value = @value)");
        command.Parameters.AddWithValue("bank", bank);
        command.Parameters.AddWithValue("signal", signal);
        command.Parameters.AddWithValue("value", value);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Every bank that has a stream, with its current hash counts; or the one named.</summary>
    public static async Task<IReadOnlyList<BankSummary>> SummariesAsync(NpgsqlDataSource dataSource, string schema, string? bank, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT substr(s.id, 6), s.version, s.updated, c.signal, c.hashes
            FROM {schema}.streams s
            LEFT JOIN LATERAL (
                SELECT signal, count(*) AS hashes FROM {schema}.bank_entries WHERE bank = substr(s.id, 6) GROUP BY signal) c ON true
            WHERE s.type = 'bank' AND (@bank::text IS NULL OR s.id = 'bank-' || @bank::text)
            ORDER BY s.id, c.signal
            """);
        command.Parameters.Add(new NpgsqlParameter("bank", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)bank ?? DBNull.Value });
        var rows = new List<(string Name, long Version, DateTimeOffset Updated, string? Signal, long Hashes)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? 0 : reader.GetInt64(4)));
        }
        return [.. rows.GroupBy(r => r.Name).Select(g =>
        {
            var signals = g.Where(r => r.Signal is not null).ToDictionary(r => r.Signal!, r => r.Hashes);
            return new BankSummary(g.Key, signals.Values.Sum(), signals, g.First().Version, g.First().Updated);
        })];
    }
}

using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Npgsql;
using Takedown.EventStore;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Takedown.ReuploadDetection.Banks;

public sealed record BankSummary(string Name, long Hashes, IReadOnlyDictionary<string, long> Signals, long Version, DateTimeOffset UpdatedAt);

/// <summary>
/// The hashes every bank holds now, kept inline: every HashAdded and HashRemoved updates it in the appending
/// transaction. Writers de-duplicate against it; <see cref="BankFeed"/> loads the matcher from it at start-up.
/// <c>bank_removals</c> keeps the stream version of each hash's last removal, so an older HashAdded replayed
/// into memory after the load cannot bring the hash back.
/// </summary>
public sealed class BankCatalogue(string schema) : IProjection
{
    public const string Name = "bank-catalogue";

    public static void Register(StoreOptions options)
    {
        var schema = options.DatabaseSchemaName;
        var entries = new Table(new PostgresqlObjectName(schema, "bank_entries", SchemaUtils.IdentifierUsage.General));
        entries.AddColumn("bank", "text").NotNull();
        entries.AddColumn("signal", "text").NotNull();
        entries.AddColumn("value", "text").NotNull();
        entries.AddColumn<Guid>("content_id");
        entries.AddColumn("label", "text").NotNull();
        entries.AddColumn("source", "text").NotNull();
        entries.AddColumn("added_at", "timestamptz").NotNull();
        entries.AddColumn<long>("version").NotNull();
        // One entry per bank, hash and content; an imported entry has no content, and there is one of those per hash.
        entries.Indexes.Add(new IndexDefinition("bank_entries_hash")
        {
            Columns = ["bank", "signal", "value", "content_id"], IsUnique = true, NullsNotDistinct = true,
        });
        options.Storage.ExtendedSchemaObjects.Add(entries);

        var removals = new Table(new PostgresqlObjectName(schema, "bank_removals", SchemaUtils.IdentifierUsage.General));
        removals.AddColumn("bank", "text").AsPrimaryKey();
        removals.AddColumn("signal", "text").AsPrimaryKey();
        removals.AddColumn("value", "text").AsPrimaryKey();
        removals.AddColumn<long>("version").NotNull();
        removals.AddColumn("removed_at", "timestamptz").NotNull();
        options.Storage.ExtendedSchemaObjects.Add(removals);

        options.Projections.Add(new BankCatalogue(schema), ProjectionLifecycle.Inline, Name);
    }

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case HashAdded added:
                    operations.QueueSqlCommand(
                        $"""
                        INSERT INTO {schema}.bank_entries (bank, signal, value, content_id, label, source, added_at, version)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (bank, signal, value, content_id)
                        DO UPDATE SET label = excluded.label, source = excluded.source, added_at = excluded.added_at, version = excluded.version
                        """,
                        added.Bank, added.Signal, added.Value, (object?)added.ContentId ?? DBNull.Value, added.Label, added.Source, added.AddedAt, e.Version);
                    break;
                case HashRemoved removed:
                    operations.QueueSqlCommand(
                        $"DELETE FROM {schema}.bank_entries WHERE bank = ? AND signal = ? AND value = ?",
                        removed.Bank, removed.Signal, removed.Value);
                    operations.QueueSqlCommand(
                        $"""
                        INSERT INTO {schema}.bank_removals (bank, signal, value, version, removed_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (bank, signal, value) DO UPDATE SET version = excluded.version, removed_at = excluded.removed_at
                        """,
                        removed.Bank, removed.Signal, removed.Value, e.Version, removed.RemovedAt);
                    break;
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// The write path of every bank writer: takes the bank's lock, asks <paramref name="command"/> for the command (it
    /// reads the catalogue under the lock), decides it on the bank's stream and, once the unit of work has committed,
    /// applies what was appended to this replica's matcher. Other replicas' feeds bring it behind the high-water mark.
    /// </summary>
    public static async Task<Decided<BankState, IBankEvent>> DecideAsync(
        EventSession session, string bank, BankMatcher matcher, Func<Task<BankCommand>> command, CancellationToken ct)
    {
        await LockAsync(session, bank, ct);
        var asked = await command();
        var decided = await session.DecideAsync(Bank.Aggregate, Bank.StreamId(bank), null, state => Bank.Decide(asked, state), ct);
        if (decided.NewEvents.Count > 0)
            session.AfterCommit(() => matcher.Apply(decided.NewEvents, decided.Version));
        return decided;
    }

    /// <summary>
    /// Opens the unit of work's transaction and serialises the bank's writers until it ends, so what the catalogue
    /// answers next stays true until the append commits, and the version the write path fetches is the stream's head
    /// (no writer can race it there, so neither a stale version nor two writers starting a new bank's stream occur).
    /// </summary>
    private static async Task LockAsync(EventSession session, string bank, CancellationToken ct)
    {
        await session.Documents.BeginTransactionAsync(ct);
        await session.Documents.QueryAsync<bool>("SELECT true FROM pg_advisory_xact_lock(hashtextextended(?, 0))", ct, "takedown:bank:" + bank);
    }

    /// <summary>Which of these (signal, value) pairs the bank already holds for this content (null: imported entries).</summary>
    public static async Task<IReadOnlySet<(string Signal, string Value)>> ExistingAsync(
        EventSession session, string bank, Guid? contentId, IReadOnlyCollection<(string Signal, string Value)> hashes, CancellationToken ct)
    {
        var existing = new HashSet<(string, string)>();
        if (hashes.Count == 0)
            return existing;
        // On the unit of work's connection, inside the transaction LockAsync opened.
        await using var command = new NpgsqlCommand(
            $"""
            SELECT b.signal, b.value FROM {session.Schema}.bank_entries b
            JOIN unnest($1::text[], $2::text[]) AS wanted(signal, value) ON b.signal = wanted.signal AND b.value = wanted.value
            WHERE b.bank = $3 AND b.content_id IS NOT DISTINCT FROM $4::uuid
            """, session.Documents.Connection);
        command.Parameters.Add(new NpgsqlParameter { Value = hashes.Select(h => h.Signal).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = hashes.Select(h => h.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = bank });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)contentId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            existing.Add((reader.GetString(0), reader.GetString(1)));
        return existing;
    }

    public static async Task<bool> ContainsAsync(EventSession session, string bank, string signal, string value, CancellationToken ct)
    {
        var found = await session.Documents.QueryAsync<bool>(
            $"SELECT EXISTS (SELECT 1 FROM {session.Schema}.bank_entries WHERE bank = ? AND signal = ? AND value = ?)", ct, bank, signal, value);
        return found[0];
    }

    /// <summary>Every bank that has a stream, with its current hash counts; or the one named.</summary>
    public static async Task<IReadOnlyList<BankSummary>> SummariesAsync(NpgsqlDataSource dataSource, string schema, string? bank, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT substr(s.id, length($1) + 1), s.version, s.timestamp, c.signal, c.hashes
            FROM {schema}.mt_streams s
            LEFT JOIN LATERAL (
                SELECT signal, count(*) AS hashes FROM {schema}.bank_entries WHERE bank = substr(s.id, length($1) + 1) GROUP BY signal) c ON true
            WHERE CASE WHEN $2::text IS NULL THEN starts_with(s.id, $1) ELSE s.id = $1 || $2::text END
            ORDER BY s.id, c.signal
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = Bank.StreamPrefix });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)bank ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
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

    /// <summary>
    /// Loads every bank into <paramref name="matcher"/>, removals first, in the caller's transaction (whose snapshot says
    /// which events the catalogue reflects).
    /// </summary>
    public static async Task LoadAsync(NpgsqlConnection connection, string schema, BankMatcher matcher, CancellationToken ct)
    {
        // One index build at the end instead of a merge every few thousand hashes while the bank fills.
        using (matcher.BeginBulkLoad())
        {
            await using (var removals = new NpgsqlCommand($"SELECT bank, signal, value, version FROM {schema}.bank_removals", connection))
            await using (var reader = await removals.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                    matcher.Remove(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3));
            }
            await using (var entries = new NpgsqlCommand($"SELECT bank, signal, value, content_id, label, source, version FROM {schema}.bank_entries", connection))
            await using (var reader = await entries.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    // The matcher keeps one copy of each bank, label and source and the bits of a hex value: these strings are transient.
                    matcher.Add(new BankEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                        reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.GetString(4), reader.GetString(5)), reader.GetInt64(6));
                }
            }
        }
    }
}

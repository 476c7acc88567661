using Npgsql;

namespace Takedown.EventStore;

/// <summary>
/// Applies numbered SQL scripts to one schema, once each, under a transaction-scoped advisory lock so that
/// replicas starting at the same moment apply them one after another instead of racing.
/// </summary>
public static class SchemaMigrator
{
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, string schema, IReadOnlyList<string> scripts, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('takedown:migrate:' || @schema, 0))", connection, tx))
        {
            lockCommand.Parameters.AddWithValue("schema", schema);
            await lockCommand.ExecuteNonQueryAsync(ct);
        }

        await using (var create = new NpgsqlCommand(
            $"""
            CREATE SCHEMA IF NOT EXISTS {schema};
            CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
                version int PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now());
            """, connection, tx))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        int applied;
        await using (var current = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {schema}.schema_migrations", connection, tx))
            applied = (int)(await current.ExecuteScalarAsync(ct))!;

        for (var version = applied + 1; version <= scripts.Count; version++)
        {
            await using var step = new NpgsqlCommand(scripts[version - 1].Replace("{schema}", schema, StringComparison.Ordinal), connection, tx);
            await step.ExecuteNonQueryAsync(ct);
            await using var record = new NpgsqlCommand($"INSERT INTO {schema}.schema_migrations(version) VALUES (@v)", connection, tx);
            record.Parameters.AddWithValue("v", version);
            await record.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }
}

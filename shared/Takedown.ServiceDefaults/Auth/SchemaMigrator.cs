using Npgsql;

namespace Takedown.ServiceDefaults.Auth;

/// <summary>
/// Applies the auth schema's numbered SQL scripts, once each, under a transaction-scoped advisory lock so that
/// replicas starting at the same moment apply them one after another instead of racing. (The services' own schemas are
/// Marten's to manage.)
/// </summary>
internal static class SchemaMigrator
{
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, string schema, string track, IReadOnlyList<string> scripts, CancellationToken ct)
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
                track text NOT NULL,
                version int NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (track, version));
            """, connection, tx))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        int applied;
        await using (var current = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {schema}.schema_migrations WHERE track = @track", connection, tx))
        {
            current.Parameters.AddWithValue("track", track);
            applied = (int)(await current.ExecuteScalarAsync(ct))!;
        }

        for (var version = applied + 1; version <= scripts.Count; version++)
        {
            await using var step = new NpgsqlCommand(scripts[version - 1].Replace("{schema}", schema, StringComparison.Ordinal), connection, tx);
            await step.ExecuteNonQueryAsync(ct);
            await using var record = new NpgsqlCommand($"INSERT INTO {schema}.schema_migrations(track, version) VALUES (@track, @v)", connection, tx);
            record.Parameters.AddWithValue("track", track);
            record.Parameters.AddWithValue("v", version);
            await record.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }
}

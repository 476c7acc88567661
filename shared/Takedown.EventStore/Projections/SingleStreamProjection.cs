using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Takedown.EventStore.Projections;

/// <summary>
/// One view per stream, kept as JSON beside the typed columns that queries filter and sort on:
/// <c>Create(first)</c> starts a view, <c>Apply(event, current)</c> evolves it. The table has
/// <c>id text PRIMARY KEY, version bigint, data jsonb</c> plus the columns <see cref="Columns"/> names.
/// Events at or below the stored version are skipped, so replaying a batch cannot count twice.
/// </summary>
public abstract class SingleStreamProjection<TView>(string name, string table, JsonSerializerOptions json) : IProjection where TView : class
{
    public string Name { get; } = name;

    /// <summary>"schema.table".</summary>
    public string Table { get; } = table;

    /// <summary>Which streams feed this view (by default every stream).</summary>
    protected virtual bool Handles(StoredEvent e) => true;

    protected abstract TView? Create(StoredEvent first);

    protected abstract TView Apply(StoredEvent e, TView current);

    /// <summary>Typed columns written beside the JSON, in a fixed order.</summary>
    protected virtual IReadOnlyList<(string Column, object? Value)> Columns(TView view) => [];

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        var byStream = events.Where(Handles).GroupBy(e => e.StreamId).ToDictionary(g => g.Key, g => g.ToList());
        if (byStream.Count == 0)
            return;

        var current = new Dictionary<string, (long Version, TView View)>();
        await using (var load = new NpgsqlCommand($"SELECT id, version, data FROM {Table} WHERE id = ANY(@ids)", connection, transaction))
        {
            load.Parameters.AddWithValue("ids", byStream.Keys.ToArray());
            await using var reader = await load.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                current[reader.GetString(0)] = (reader.GetInt64(1), JsonSerializer.Deserialize<TView>(reader.GetString(2), json)!);
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (streamId, streamEvents) in byStream)
        {
            var (version, view) = current.TryGetValue(streamId, out var found) ? (found.Version, (TView?)found.View) : (0L, null);
            var changed = false;
            foreach (var e in streamEvents.Where(e => e.Version > version).OrderBy(e => e.Version))
            {
                view = view is null ? Create(e) : Apply(e, view);
                version = e.Version;
                changed = true;
            }
            if (changed && view is not null)
                batch.BatchCommands.Add(Upsert(streamId, version, view));
        }
        if (batch.BatchCommands.Count > 0)
            await batch.ExecuteNonQueryAsync(ct);
    }

    private NpgsqlBatchCommand Upsert(string id, long version, TView view)
    {
        var columns = Columns(view);
        var names = string.Concat(columns.Select(c => ", " + c.Column));
        var values = string.Concat(columns.Select((_, i) => $", ${i + 4}"));
        var updates = string.Concat(columns.Select(c => $", {c.Column} = excluded.{c.Column}"));
        var command = new NpgsqlBatchCommand(
            $"INSERT INTO {Table} (id, version, data{names}) VALUES ($1, $2, $3{values}) ON CONFLICT (id) DO UPDATE SET version = excluded.version, data = excluded.data{updates}");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = version });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(view, json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        foreach (var (_, value) in columns)
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var truncate = new NpgsqlCommand($"TRUNCATE {Table}", connection, transaction);
        await truncate.ExecuteNonQueryAsync(ct);
    }
}

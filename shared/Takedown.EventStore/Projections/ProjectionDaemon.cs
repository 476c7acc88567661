using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Takedown.EventStore.Projections;

/// <summary>Where a projection stands: its checkpoint and how far behind the log it is.</summary>
public sealed record ProjectionStatus(
    string Name, string Lifecycle, ulong CheckpointTransaction, long CheckpointSequence,
    /// <summary>Capped at 100,000: beyond that it is a floor.</summary>
    long EventsBehind,
    /// <summary>Age of the oldest event not yet applied.</summary>
    double SecondsBehind,
    bool Leader, DateTimeOffset? RebuildRequestedAt, DateTimeOffset? RebuiltAt);

/// <summary>
/// Runs every async projection of one schema. Each projection has one active runner across all replicas
/// (a session-level advisory lock, held on a dedicated connection: when that replica dies, its connection
/// closes, the lock is released, and another replica takes over on its next attempt).
/// Events are read in (tx_id, seq) order and only below pg_snapshot_xmin(pg_current_snapshot()): every
/// transaction that could still commit an event "in the past" has finished, so nothing is ever skipped.
/// A batch's read-model writes and its checkpoint move (a compare-and-swap on the old value) share one transaction.
/// </summary>
public sealed partial class ProjectionDaemon(EventStore store, TimeProvider time, ILogger<ProjectionDaemon> logger) : BackgroundService
{
    public static readonly Meter Meter = new("Takedown.EventStore");
    private readonly ConcurrentDictionary<string, ProjectionStatus> _status = new();
    private ObservableGauge<long>? _eventsBehind;
    private ObservableGauge<double>? _secondsBehind;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan LeadershipRetry { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan LagRefresh { get; set; } = TimeSpan.FromSeconds(5);
    public int BatchSize { get; set; } = 500;

    private EventStoreOptions Options => store.Options;

    public IReadOnlyCollection<ProjectionStatus> LastKnownStatus => _status.Values.ToArray();

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _eventsBehind ??= Meter.CreateObservableGauge("takedown.projection.lag.events",
            () => _status.Values.Where(s => s.Leader).Select(s => new Measurement<long>(s.EventsBehind, new KeyValuePair<string, object?>("projection", s.Name), new("schema", store.Schema))),
            "{event}", "Events committed but not yet applied, per projection.");
        _secondsBehind ??= Meter.CreateObservableGauge("takedown.projection.lag.seconds",
            () => _status.Values.Where(s => s.Leader).Select(s => new Measurement<double>(s.SecondsBehind, new KeyValuePair<string, object?>("projection", s.Name), new("schema", store.Schema))),
            "s", "Age of the oldest event not yet applied, per projection.");
        return Task.WhenAll(Options.Projections.Async.Select(p => RunAsync(p, stoppingToken)));
    }

    private async Task RunAsync(IProjection projection, CancellationToken stop)
    {
        await EnsureCheckpointAsync(projection.Name, stop);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var leadership = await store.DataSource.OpenConnectionAsync(stop);
                if (!await TryLeadAsync(leadership, projection.Name, stop))
                {
                    _status[projection.Name] = (await ReadStatusAsync(projection.Name, leader: false, stop));
                    await Task.Delay(LeadershipRetry, time, stop);
                    continue;
                }
                LogLeading(store.Schema, projection.Name);
                var lagCheckedAt = DateTimeOffset.MinValue;
                while (!stop.IsCancellationRequested)
                {
                    if (time.GetUtcNow() - lagCheckedAt > LagRefresh)
                    {
                        // Also proves the lock's connection is still alive: a dead one means leadership is gone.
                        await using (var alive = new NpgsqlCommand("SELECT 1", leadership))
                            await alive.ExecuteScalarAsync(stop);
                        _status[projection.Name] = await ReadStatusAsync(projection.Name, leader: true, stop);
                        lagCheckedAt = time.GetUtcNow();
                    }
                    await RebuildIfRequestedAsync(projection, stop);
                    var applied = await ProcessBatchAsync(projection, stop);
                    if (applied < BatchSize)
                        await Task.Delay(PollInterval, time, stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogRunnerFailed(ex, store.Schema, projection.Name);
                try { await Task.Delay(LeadershipRetry, time, stop); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    /// <summary>Applies the next batch in one transaction with its checkpoint; returns how many events it applied.</summary>
    public async Task<int> ProcessBatchAsync(IProjection projection, CancellationToken ct)
    {
        var schema = store.Schema;
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        var (checkpointTx, checkpointSeq) = await ReadCheckpointAsync(connection, tx, projection.Name, ct);
        var events = new List<StoredEvent>();
        ulong lastTx = checkpointTx;
        long lastSeq = checkpointSeq;
        await using (var read = new NpgsqlCommand(
            $"""
            SELECT e.seq, e.tx_id::text AS tx_text, e.id, e.stream_id, e.version, e.type, e.data, e.occurred_at, e.metadata
            FROM {schema}.events e
            WHERE (e.tx_id, e.seq) > (@tx::text::xid8, @seq) AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY e.tx_id, e.seq -- the xid8 column, not its text: '100000' sorts before '99999'
            LIMIT @limit
            """, connection, tx))
        {
            read.Parameters.AddWithValue("tx", checkpointTx.ToString(System.Globalization.CultureInfo.InvariantCulture));
            read.Parameters.AddWithValue("seq", checkpointSeq);
            read.Parameters.AddWithValue("limit", BatchSize);
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                lastSeq = reader.GetInt64(0);
                lastTx = ulong.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture);
                events.Add(store.ToStoredEvent(lastSeq, reader.GetGuid(2), reader.GetString(3), reader.GetInt64(4), reader.GetString(5),
                    reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8)));
            }
        }
        if (events.Count == 0)
            return 0;

        await projection.ApplyAsync(connection, tx, events, ct);

        await using (var advance = new NpgsqlCommand(
            $"""
            UPDATE {schema}.projection_checkpoints SET tx_id = @newTx::text::xid8, seq = @newSeq, updated_at = @now
            WHERE name = @name AND tx_id = @oldTx::text::xid8 AND seq = @oldSeq
            """, connection, tx))
        {
            advance.Parameters.AddWithValue("newTx", lastTx.ToString(System.Globalization.CultureInfo.InvariantCulture));
            advance.Parameters.AddWithValue("newSeq", lastSeq);
            advance.Parameters.AddWithValue("now", time.GetUtcNow());
            advance.Parameters.AddWithValue("name", projection.Name);
            advance.Parameters.AddWithValue("oldTx", checkpointTx.ToString(System.Globalization.CultureInfo.InvariantCulture));
            advance.Parameters.AddWithValue("oldSeq", checkpointSeq);
            if (await advance.ExecuteNonQueryAsync(ct) != 1)
                throw new ProjectionCheckpointMoved(projection.Name); // another runner advanced it: roll back, re-read
        }
        await tx.CommitAsync(ct);
        return events.Count;
    }

    /// <summary>Asks the projection's leader to empty its read model and replay from the first event.</summary>
    public async Task RequestRebuildAsync(string name, CancellationToken ct)
    {
        if (Options.Projections.All.All(p => p.Projection.Name != name || p.Lifecycle != ProjectionLifecycle.Async))
            throw new UnknownProjectionException(name);
        await EnsureCheckpointAsync(name, ct);
        await using var command = store.DataSource.CreateCommand($"UPDATE {store.Schema}.projection_checkpoints SET rebuild_requested_at = @now WHERE name = @name");
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        command.Parameters.AddWithValue("name", name);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<ProjectionStatus>> StatusAsync(CancellationToken ct)
    {
        var statuses = new List<ProjectionStatus>();
        foreach (var registered in Options.Projections.All)
        {
            if (registered.Lifecycle == ProjectionLifecycle.Async)
                await EnsureCheckpointAsync(registered.Projection.Name, ct);
            var status = registered.Lifecycle == ProjectionLifecycle.Inline
                ? new ProjectionStatus(registered.Projection.Name, "inline", 0, 0, 0, 0, false, null, null)
                : await ReadStatusAsync(registered.Projection.Name, _status.TryGetValue(registered.Projection.Name, out var known) && known.Leader, ct);
            statuses.Add(status);
        }
        return statuses;
    }

    private async Task RebuildIfRequestedAsync(IProjection projection, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var check = new NpgsqlCommand(
            $"""
            SELECT 1 FROM {store.Schema}.projection_checkpoints
            WHERE name = @name AND rebuild_requested_at > coalesce(rebuilt_at, '-infinity') FOR UPDATE
            """, connection, tx))
        {
            check.Parameters.AddWithValue("name", projection.Name);
            if (await check.ExecuteScalarAsync(ct) is null)
                return;
        }
        await projection.ResetAsync(connection, tx, ct);
        await using (var reset = new NpgsqlCommand(
            $"UPDATE {store.Schema}.projection_checkpoints SET tx_id = '0', seq = 0, rebuilt_at = @now, updated_at = @now WHERE name = @name", connection, tx))
        {
            reset.Parameters.AddWithValue("now", time.GetUtcNow());
            reset.Parameters.AddWithValue("name", projection.Name);
            await reset.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        LogRebuilding(store.Schema, projection.Name);
    }

    private async Task<bool> TryLeadAsync(NpgsqlConnection connection, string name, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@key, 0))", connection);
        command.Parameters.AddWithValue("key", $"takedown:projection:{store.Schema}:{name}");
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private async Task EnsureCheckpointAsync(string name, CancellationToken ct)
    {
        await using var command = store.DataSource.CreateCommand(
            $"INSERT INTO {store.Schema}.projection_checkpoints (name, updated_at) VALUES (@name, @now) ON CONFLICT (name) DO NOTHING");
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<(ulong Tx, long Seq)> ReadCheckpointAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string name, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT tx_id::text, seq FROM {store.Schema}.projection_checkpoints WHERE name = @name", connection, tx);
        command.Parameters.AddWithValue("name", name);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            throw new UnknownProjectionException(name);
        return (ulong.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetInt64(1));
    }

    // Counting the whole backlog would cost a scan of it on every refresh; past this the count is a floor.
    private const int LagCountCap = 100_000;

    private async Task<ProjectionStatus> ReadStatusAsync(string name, bool leader, CancellationToken ct)
    {
        await using var command = store.DataSource.CreateCommand(
            $"""
            SELECT c.tx_id::text AS tx_text, c.seq, c.rebuild_requested_at, c.rebuilt_at,
                   (SELECT count(*) FROM (SELECT 1 FROM {store.Schema}.events e WHERE (e.tx_id, e.seq) > (c.tx_id, c.seq) LIMIT {LagCountCap}) behind),
                   (SELECT extract(epoch FROM (@now - e.occurred_at))::float8 FROM {store.Schema}.events e
                    WHERE (e.tx_id, e.seq) > (c.tx_id, c.seq) ORDER BY e.tx_id, e.seq LIMIT 1)
            FROM {store.Schema}.projection_checkpoints c
            WHERE c.name = @name
            """);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return new ProjectionStatus(name, "async", 0, 0, 0, 0, leader, null, null);
        return new ProjectionStatus(name, "async",
            ulong.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetInt64(1),
            reader.GetInt64(4), reader.IsDBNull(5) ? 0 : Math.Max(0, reader.GetDouble(5)), leader,
            reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Projection {Schema}.{Projection}: this replica is now its runner")]
    private partial void LogLeading(string schema, string projection);

    [LoggerMessage(Level = LogLevel.Information, Message = "Projection {Schema}.{Projection}: read model emptied, replaying from the first event")]
    private partial void LogRebuilding(string schema, string projection);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Projection {Schema}.{Projection} runner failed; retrying")]
    private partial void LogRunnerFailed(Exception ex, string schema, string projection);
}

public sealed class ProjectionCheckpointMoved(string name) : Exception($"The checkpoint of projection '{name}' moved under this runner.");

public sealed class UnknownProjectionException(string name) : Exception($"No async projection is named '{name}'.")
{
    public string Name { get; } = name;
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using JasperFx.Events.Projections;
using Marten;
using JasperFx.Events.Daemon;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Takedown.EventStore;

/// <summary>Where a projection stands against the event log.</summary>
/// <param name="Sequence">The last event sequence the projection has applied (0 for inline projections: they never lag).</param>
/// <param name="EventsBehind">Committed events after <paramref name="Sequence"/>, not yet applied (counted up to 100,000).</param>
/// <param name="SecondsBehind">Age of the oldest of those events; 0 when none.</param>
public sealed record ProjectionStatus(string Name, string Lifecycle, long Sequence, long EventsBehind, double SecondsBehind);

/// <summary>
/// Times Marten's daemon moved its high-water mark past a sequence gap (<c>mt_high_water_skips</c>), with the last
/// sequence it skipped to. Rolled-back transactions leave such gaps, so skips are expected; one the daemon took while a
/// transaction could still fill the gap would lose that transaction's events, which is why they are exported and shown.
/// </summary>
public sealed record HighWaterSkips(long Count, long? LastEndingSequence);

/// <summary>
/// The async projections of this service's store: their status and lag (also exported as gauges), the sequence gaps the
/// daemon skipped (exported too, and named by readiness), and rebuild from zero while the other projections run.
/// </summary>
public sealed partial class ProjectionAdministration(
    IDocumentStore store, Marten.Events.Daemon.Coordination.IProjectionCoordinator coordinator, NpgsqlDataSource dataSource, EventStoreOptions options, TimeProvider time,
    ILogger<ProjectionAdministration> logger) : BackgroundService
{
    public static readonly Meter Meter = new("Takedown.EventStore");
    private readonly ConcurrentDictionary<string, ProjectionStatus> _status = new();
    private HighWaterSkips _skips = new(0, null);
    private ObservableGauge<long>? _eventsBehind;
    private ObservableGauge<double>? _secondsBehind;
    private ObservableGauge<long>? _skipped;

    public TimeSpan Refresh { get; set; } = TimeSpan.FromSeconds(5);

    public IReadOnlyCollection<ProjectionStatus> LastKnownStatus => _status.Values.ToArray();

    public HighWaterSkips LastKnownSkips => _skips;

    private IEnumerable<(string Name, ProjectionLifecycle Lifecycle)> Projections =>
        ((DocumentStore)store).Options.Projections.All.Where(p => p.Lifecycle != ProjectionLifecycle.Live).Select(p => (p.Name, p.Lifecycle));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        KeyValuePair<string, object?> Schema() => new("schema", options.Schema);
        _eventsBehind ??= Meter.CreateObservableGauge("takedown.projection.lag.events",
            () => _status.Values.Select(s => new Measurement<long>(s.EventsBehind, new("projection", s.Name), Schema())),
            "{event}", "Events committed but not yet applied, per projection.");
        _secondsBehind ??= Meter.CreateObservableGauge("takedown.projection.lag.seconds",
            () => _status.Values.Select(s => new Measurement<double>(s.SecondsBehind, new("projection", s.Name), Schema())),
            "s", "Age of the oldest event not yet applied, per projection.");
        _skipped ??= Meter.CreateObservableGauge("takedown.eventstore.high_water_skips",
            () => new Measurement<long>(_skips.Count, Schema()),
            "{gap}", "Sequence gaps the projection daemon skipped (mt_high_water_skips), rolled-back transactions included.");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var status in await StatusAsync(stoppingToken))
                    _status[status.Name] = status;
                _skips = await SkipsAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRefreshFailed(ex, options.Schema);
            }
            try { await Task.Delay(Refresh, time, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    public async Task<IReadOnlyList<ProjectionStatus>> StatusAsync(CancellationToken ct)
    {
        var progress = await store.Advanced.AllProjectionProgress(token: ct);
        var statuses = new List<ProjectionStatus>();
        foreach (var (name, lifecycle) in Projections)
        {
            if (lifecycle == ProjectionLifecycle.Inline)
            {
                statuses.Add(new ProjectionStatus(name, "inline", 0, 0, 0));
                continue;
            }
            var sequence = progress.Where(p => p.ShardName.StartsWith(name + ":", StringComparison.Ordinal)).Select(p => p.Sequence).DefaultIfEmpty(0).Min();
            statuses.Add(await BehindAsync(name, sequence, ct));
        }
        return statuses;
    }

    // Against the committed events themselves, not the daemon's high-water mark: that mark trails the log by its polling.
    private async Task<ProjectionStatus> BehindAsync(string name, long sequence, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT count(*), min(timestamp) FROM (SELECT timestamp FROM {options.Schema}.mt_events WHERE seq_id > $1 ORDER BY seq_id LIMIT {LagCountCap}) behind");
        command.Parameters.Add(new NpgsqlParameter { Value = sequence });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var seconds = reader.IsDBNull(1) ? 0 : Math.Max(0, (time.GetUtcNow() - new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero)).TotalSeconds);
        return new ProjectionStatus(name, "async", sequence, reader.GetInt64(0), seconds);
    }

    // Counting a whole backlog on every refresh would scan it; past this the count is a floor.
    private const int LagCountCap = 100_000;

    public async Task<HighWaterSkips> SkipsAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT count(*), max(ending_sequence) FROM {options.Schema}.mt_high_water_skips
            """);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return new HighWaterSkips(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return new HighWaterSkips(0, null); // the daemon has not created its tables yet: nothing skipped
        }
    }

    /// <summary>
    /// Rebuilds one async projection from the first event on this node's daemon, while the other projections keep running.
    /// Returns when the rebuild has caught up.
    /// </summary>
    public Task RebuildAsync(string name, TimeSpan timeout, CancellationToken ct) =>
        RebuildAsync(coordinator.DaemonForMainDatabase(), store, name, timeout, ct);

    /// <summary>
    /// Rebuilds <paramref name="name"/> on <paramref name="daemon"/>, then starts its shards again: Marten's rebuild
    /// replays up to the high-water mark it read and leaves the shards stopped, so events appended meanwhile would
    /// otherwise wait for the next restart.
    /// </summary>
    public static async Task RebuildAsync(IProjectionDaemon daemon, IDocumentStore store, string name, TimeSpan timeout, CancellationToken ct)
    {
        var source = ((DocumentStore)store).Options.Projections.All.SingleOrDefault(p => p.Name == name && p.Lifecycle == ProjectionLifecycle.Async)
            ?? throw new UnknownProjectionException(name);
        await daemon.RebuildProjectionAsync(name, timeout, ct);
        foreach (var shard in source.Shards())
            await daemon.StartAgentAsync(shard.Name, ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading projection status for schema {Schema} failed")]
    private partial void LogRefreshFailed(Exception ex, string schema);
}

public sealed class UnknownProjectionException(string name) : Exception($"No async projection is named '{name}'.")
{
    public string Name { get; } = name;
}

using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Takedown.Search.Elasticsearch;
using Takedown.ServiceDefaults.Telemetry;

namespace Takedown.Reporting.Search.Elasticsearch;

/// <summary>
/// Puts the index templates and makes sure the content alias has an index, in the background: until it has, the
/// service starts and runs as usual, readiness says search is degraded, and the indexer waits. Then keeps the
/// indexer's lag fresh for the gauges and the admin endpoint.
/// </summary>
public sealed partial class ElasticsearchStartup(
    ElasticsearchIndexes indexes, ElasticsearchStatus status, ElasticsearchSettings settings, SearchIndexAdministration administration,
    TimeProvider time, ILogger<ElasticsearchStartup> logger) : BackgroundService
{
    private static readonly TimeSpan LagRefresh = TimeSpan.FromSeconds(10);
    private SearchIndexProgress? _progress;
    private ObservableGauge<long>? _eventsBehind;
    private ObservableGauge<double>? _secondsBehind;

    public SearchIndexProgress? LastKnownProgress => _progress;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _eventsBehind ??= TakedownTelemetry.Meter.CreateObservableGauge("takedown.search.index_lag.events",
            () => _progress is { } p ? [new Measurement<long>(p.EventsBehind)] : Array.Empty<Measurement<long>>(),
            "{event}", "Events committed but not yet indexed in Elasticsearch.");
        _secondsBehind ??= TakedownTelemetry.Meter.CreateObservableGauge("takedown.search.index_lag.seconds",
            () => _progress is { } p ? [new Measurement<double>(p.SecondsBehind)] : Array.Empty<Measurement<double>>(),
            "s", "Age of the oldest event not yet indexed in Elasticsearch.");

        var delay = settings.RetryDelay;
        while (!stoppingToken.IsCancellationRequested && !status.Current.Ready)
        {
            try
            {
                await indexes.PutTemplatesAsync(stoppingToken);
                await indexes.EnsureContentIndexAsync(time.GetUtcNow(), stoppingToken);
                status.BootstrapCompleted();
                LogReady(settings.ContentAlias);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                status.Failed($"Setting up Elasticsearch failed: {ex.Message}");
                LogSetupFailed(ex, delay.TotalSeconds);
                if (!await DelayAsync(delay, stoppingToken))
                    return;
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxRetryDelay.Ticks));
            }
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try { _progress = await administration.ProgressAsync(stoppingToken); }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested) { LogLagFailed(ex); }
            if (!await DelayAsync(LagRefresh, stoppingToken))
                return;
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try { await Task.Delay(delay, time, ct); return true; }
        catch (OperationCanceledException) { return false; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Elasticsearch ready: index templates put, alias {Alias} in place")]
    private partial void LogReady(string alias);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Setting up Elasticsearch failed; trying again in {DelaySeconds:0.#}s. Search and indexing wait; the rest of the service runs.")]
    private partial void LogSetupFailed(Exception ex, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the search indexer's lag failed")]
    private partial void LogLagFailed(Exception ex);
}

/// <summary>
/// Degraded (never unhealthy) while Elasticsearch is not set up or not answering: search and indexing wait for it, the
/// pipeline does not, so the replica stays in rotation and the description says what is wrong.
/// </summary>
public sealed class ElasticsearchHealthCheck(ElasticsearchStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = status.Current;
        if (state.Problem is { } problem)
            return Task.FromResult(HealthCheckResult.Degraded(
                $"Elasticsearch unavailable since {state.ProblemSince:O}: search and indexing wait, the pipeline runs. {problem}"));
        if (!state.Ready)
            return Task.FromResult(HealthCheckResult.Degraded("Elasticsearch is being set up (index templates, alias): search and indexing wait."));
        return Task.FromResult(HealthCheckResult.Healthy());
    }
}

using System.Diagnostics.Metrics;
using Marten.Exceptions;
using Npgsql;
using Takedown.ServiceDefaults.Telemetry;

namespace Takedown.Reporting.Cases;

/// <summary>
/// The cases-by-status gauge, read from the case list (<see cref="CaseSummaries"/>) rather than counted in memory: it survives
/// restarts, agrees across replicas and with GET /api/v1/cases, and trails the events only by the projection's lag.
/// The query runs only when a metrics reader collects (every export interval), never without one.
/// </summary>
public sealed partial class CaseStatusMetrics : IHostedService
{
    private readonly CaseSummaries _summaries;
    private readonly ILogger<CaseStatusMetrics> _log;

    // The meter comes from the host's factory, so two hosts in one process (tests, replicas) each observe their own.
    public CaseStatusMetrics(IMeterFactory meters, CaseSummaries summaries, ILogger<CaseStatusMetrics> log)
    {
        _summaries = summaries;
        _log = log;
        meters.Create(TakedownTelemetry.Name).CreateObservableGauge(
            TakedownTelemetry.CasesByStatus, Observe, "{case}", "Cases by status, from the case list.");
    }

    /// <summary>One count per status, zero included, so a status the last case left drops to 0 instead of vanishing.</summary>
    public IReadOnlyList<Measurement<long>> Observe()
    {
        IReadOnlyDictionary<CaseStatus, long> counts;
        try
        {
            // Observable instruments are read synchronously on the exporter's collection thread (never a request thread),
            // and Marten 9 reads only asynchronously: block here, bounded by the query's 5 s timeout.
            counts = _summaries.CountByStatusAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is NpgsqlException or MartenException or InvalidOperationException)
        {
            // The collector's thread must not throw; a missed observation is a gap in the series, not a false zero.
            LogUnavailable(ex);
            return [];
        }
        return [.. counts.Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("status", c.Key.ToString().ToLowerInvariant())))];
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cases by status could not be read from the case list")]
    private partial void LogUnavailable(Exception ex);
}

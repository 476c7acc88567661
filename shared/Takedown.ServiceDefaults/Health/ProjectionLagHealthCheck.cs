using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Takedown.EventStore;

namespace Takedown.ServiceDefaults.Health;

/// <summary>
/// Not ready while a projection is further behind than Takedown:Projections:MaxLagSeconds (default 300). Names the
/// sequence gaps the daemon skipped, if any: each may be an event no projection will ever see.
/// </summary>
public sealed class ProjectionLagHealthCheck(IServiceProvider services, IConfiguration configuration) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var administration = services.GetService<ProjectionAdministration>();
        var bound = configuration.GetValue<double?>("Takedown:Projections:MaxLagSeconds") ?? 300;
        var behind = administration?.LastKnownStatus.Where(s => s.SecondsBehind > bound).ToArray() ?? [];
        var skips = administration?.LastKnownSkips;
        var data = new Dictionary<string, object>();
        if (skips is { Count: > 0 })
        {
            data["highWaterSkips"] = skips.Count;
            data["lastSkippedSequence"] = skips.LastEndingSequence ?? 0;
        }
        return Task.FromResult(behind.Length == 0
            ? HealthCheckResult.Healthy(skips is { Count: > 0 } ? $"{skips.Count} sequence gap(s) skipped by the projection daemon (mt_high_water_skips)." : null, data)
            : HealthCheckResult.Unhealthy(string.Join("; ", behind.Select(s => $"{s.Name} is {s.EventsBehind} events / {s.SecondsBehind:0}s behind (bound {bound:0}s)")), data: data));
    }
}

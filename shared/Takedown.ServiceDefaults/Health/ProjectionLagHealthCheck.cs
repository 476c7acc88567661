using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Takedown.EventStore;

namespace Takedown.ServiceDefaults.Health;

/// <summary>
/// Not ready while a projection is further behind than Takedown:Projections:MaxLagSeconds (default 300). Names the
/// sequence gaps the daemon skipped and the last of them, so an operator can compare them with a rebuild.
/// </summary>
public sealed class ProjectionLagHealthCheck(IServiceProvider services, IConfiguration configuration) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var administration = services.GetService<ProjectionAdministration>();
        var bound = configuration.GetValue<double?>("Takedown:Projections:MaxLagSeconds") ?? 300;
        var behind = administration?.LastKnownStatus.Where(s => s.SecondsBehind > bound).ToArray() ?? [];
        var skips = administration?.LastKnownSkips ?? new HighWaterSkips(0, null);
        var data = new Dictionary<string, object> { ["highWaterSkips"] = skips.Count, ["lastSkippedSequence"] = skips.LastEndingSequence ?? 0 };
        if (behind.Length > 0)
            return Task.FromResult(HealthCheckResult.Unhealthy(
                string.Join("; ", behind.Select(s => $"{s.Name} is {s.EventsBehind} events / {s.SecondsBehind:0}s behind (bound {bound:0}s)")), data: data));
        return Task.FromResult(HealthCheckResult.Healthy(
            skips.Count > 0 ? $"The projection daemon skipped {skips.Count} sequence gap(s), the last up to {skips.LastEndingSequence}." : null, data));
    }
}

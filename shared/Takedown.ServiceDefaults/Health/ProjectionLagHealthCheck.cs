using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Takedown.EventStore.Projections;

namespace Takedown.ServiceDefaults.Health;

/// <summary>Not ready while a projection is further behind than Takedown:Projections:MaxLagSeconds (default 300).</summary>
public sealed class ProjectionLagHealthCheck(IServiceProvider services, IConfiguration configuration) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var daemon = services.GetService<ProjectionDaemon>();
        var bound = configuration.GetValue<double?>("Takedown:Projections:MaxLagSeconds") ?? 300;
        var behind = daemon?.LastKnownStatus.Where(s => s.SecondsBehind > bound).ToArray() ?? [];
        return Task.FromResult(behind.Length == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy(string.Join("; ", behind.Select(s => $"{s.Name} is {s.EventsBehind} events / {s.SecondsBehind:0}s behind (bound {bound:0}s)"))));
    }
}

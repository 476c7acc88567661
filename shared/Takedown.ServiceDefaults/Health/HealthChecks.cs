using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Takedown.EventStore;

namespace Takedown.ServiceDefaults.Health;

public sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable.", ex);
        }
    }
}

/// <summary>Ready only once this service's schema and the shared auth schema have been migrated.</summary>
public sealed class SchemaMigratedHealthCheck(IEnumerable<IHostedService> hostedServices) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var pending = hostedServices.OfType<StartupMigration>().Where(m => !m.Completed).Select(m => m.Name).ToArray();
        return Task.FromResult(pending.Length == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"Schema migration has not finished: {string.Join(", ", pending)}."));
    }
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
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

/// <summary>Ready only once this service's schema (and the shared auth schema) have been migrated.</summary>
public sealed class SchemaMigratedHealthCheck(IServiceProvider services, AuthSchemaMigration auth) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var eventStore = services.GetService<EventStoreMigration>();
        var migrated = auth.Completed && (eventStore is null || eventStore.Completed);
        return Task.FromResult(migrated ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Schema migration has not finished."));
    }
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using Takedown.ServiceDefaults.Messaging;

namespace Takedown.ServiceDefaults.Health;

/// <summary>
/// Ready only while the broker accepts this service's credentials and virtual host. MassTransit's bus check alone
/// is not enough: it follows receive endpoints, and a service that only publishes (Ingest) has none, so its bus
/// check stays healthy with RabbitMQ gone. A failure reports the registration's failure status: Degraded for a service
/// that only publishes through its outbox (see AddTakedownBus). One connection is kept open and recovers by itself; a check only reads it.
/// </summary>
public sealed class RabbitMqHealthCheck(IOptions<RabbitMqOptions> options, TakedownServiceName service) : IHealthCheck, IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_connection is { } existing)
            return existing.IsOpen ? HealthCheckResult.Healthy() : new HealthCheckResult(context.Registration.FailureStatus, "RabbitMQ connection lost; recovering.");

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            var rabbit = options.Value;
            var factory = new ConnectionFactory
            {
                HostName = rabbit.Host,
                Port = rabbit.Port,
                VirtualHost = rabbit.VirtualHost,
                UserName = rabbit.Username,
                Password = rabbit.Password,
                ClientProvidedName = $"{service.Value}-health",
                AutomaticRecoveryEnabled = true,
                RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            };
            _connection ??= await factory.CreateConnectionAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "RabbitMQ is unreachable or refuses this service's credentials or virtual host.", ex);
        }
        finally
        {
            _connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
            await _connection.DisposeAsync();
        _connecting.Dispose();
    }
}

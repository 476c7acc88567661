using Microsoft.Extensions.Diagnostics.HealthChecks;
using Takedown.ServiceDefaults.Messaging;

namespace Takedown.ServiceDefaults.Health;

/// <summary>
/// Degraded while any of this service's "_error" queues holds messages: the service works, but something it was sent
/// failed for good and waits for an operator (GET /api/v1/admin/messages/dead-letters, takedown messages redrive).
/// </summary>
public sealed class DeadLetterHealthCheck(DeadLetters deadLetters) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyDictionary<string, long> counts;
        try
        {
            counts = await deadLetters.CountAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Healthy("Not counted: the broker is unreachable (see the rabbitmq check)."); // the rabbitmq check names the outage
        }
        var waiting = counts.Where(c => c.Value > 0).ToArray();
        return waiting.Length == 0
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(context.Registration.FailureStatus,
                string.Join("; ", waiting.Select(c => $"{c.Value} message(s) in {ReceiveQueues.ErrorQueue(c.Key)}")),
                data: waiting.ToDictionary(c => ReceiveQueues.ErrorQueue(c.Key), c => (object)c.Value));
    }
}

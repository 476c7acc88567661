using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Takedown.ServiceDefaults.Health;

namespace Takedown.ServiceDefaults.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// MassTransit on RabbitMQ: one bus per service, queues named "{service}-{consumer}", quorum queues,
    /// publisher confirms, and each consumer's retry policy in its ConsumerDefinition (then the "_error" queue).
    /// </summary>
    public static WebApplicationBuilder AddTakedownBus(this WebApplicationBuilder builder, Action<IBusRegistrationConfigurator>? addConsumers = null)
    {
        var serviceName = builder.Services.BuildTakedownServiceName();
        builder.Services.AddOptions<RabbitMqOptions>().Bind(builder.Configuration.GetSection("RabbitMq"));
        builder.Services.AddSingleton<RabbitMqHealthCheck>(); // one instance: it keeps its connection between checks
        // What the broker's loss costs decides readiness. A service that only publishes (Ingest) stages its messages in
        // the outbox and keeps accepting work, so it stays in rotation and says Degraded; a service that consumes can do
        // nothing of its pipeline work without the broker, so it is not ready.
        var brokerLoss = addConsumers is null ? HealthStatus.Degraded : HealthStatus.Unhealthy;
        builder.Services.AddHealthChecks().AddCheck<RabbitMqHealthCheck>("rabbitmq", failureStatus: brokerLoss, tags: [TakedownDefaults.ReadyTag]);
        if (addConsumers is not null)
        {
            builder.Services.AddSingleton<ReceiveQueues>();
            builder.Services.AddSingleton<DeadLetters>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<DeadLetters>());
            builder.Services.AddHealthChecks().AddCheck<DeadLetterHealthCheck>("dead-letters", failureStatus: HealthStatus.Degraded, tags: [TakedownDefaults.ReadyTag]);
        }
        builder.Services.AddMassTransit(bus =>
        {
            // MassTransit reports usage to its vendor's host on start-up; nothing leaves a deployment its operator did not configure.
            bus.DisableUsageTelemetry();
            bus.ConfigureHealthCheckOptions(health => health.MinimalFailureStatus = brokerLoss);
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, includeNamespace: false));
            addConsumers?.Invoke(bus);
            bus.AddConfigureEndpointsCallback((context, queue, endpoint) =>
            {
                context.GetService<ReceiveQueues>()?.Add(queue);
                // Quorum queues survive a broker node's loss and are RabbitMQ's recommended durable queue type.
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                    rabbit.SetQuorumQueue();
            });
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                rabbit.Host(options.Host, options.Port, options.VirtualHost, host =>
                {
                    host.Username(options.Username);
                    host.Password(options.Password);
                    host.PublisherConfirmation = true;
                });
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    /// <summary>Concurrency conflicts resolve on an immediate re-read; anything else gets a short back-off.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetryIntervals =
        [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5)];

    /// <summary>
    /// The retry policy every consumer uses before a message goes to its "_error" queue: one attempt, then one retry
    /// per interval (<see cref="DefaultRetryIntervals"/> unless <paramref name="intervals"/> is given).
    /// </summary>
    public static void UseTakedownRetry(this IReceiveEndpointConfigurator endpoint, IReadOnlyList<TimeSpan>? intervals = null) =>
        endpoint.UseMessageRetry(retry => retry.Intervals([.. intervals ?? DefaultRetryIntervals]));
}

/// <summary>
/// The consumer definition every Takedown consumer uses: the retry policy above (RabbitMq:RetryIntervals overrides
/// its waits), then the "_error" queue, and a bounded number of messages in flight per replica. A consumer that needs
/// another policy gets its own definition.
/// </summary>
public sealed class TakedownConsumerDefinition<TConsumer>(IOptions<RabbitMqOptions> options) : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private const int MessagesInFlight = 8;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseTakedownRetry(options.Value.RetryIntervals);
        endpointConfigurator.ConcurrentMessageLimit = MessagesInFlight;
    }
}

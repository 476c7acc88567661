using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Takedown.EventStore;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the event store for one schema, its start-up migration and the outbox relay.
    /// Register before the message bus so the schema exists before any consumer runs.
    /// Needs an NpgsqlDataSource and MassTransit's IBus in the container.
    /// </summary>
    public static IServiceCollection AddEventStore(this IServiceCollection services, string schema, Action<EventStoreOptions> configure)
    {
        var options = new EventStoreOptions { Schema = schema };
        configure(options);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<EventStore>();
        services.AddSingleton<EventStoreMigration>();
        services.AddHostedService(sp => sp.GetRequiredService<EventStoreMigration>());
        services.AddHostedService<OutboxRelay>();
        return services;
    }
}

/// <summary>Migrates the schema at start-up, before consumers and the relay run; readiness reports it.</summary>
public sealed class EventStoreMigration(EventStore store) : IHostedService
{
    public bool Completed { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.MigrateAsync(cancellationToken);
        Completed = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

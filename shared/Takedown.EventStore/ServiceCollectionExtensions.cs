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
    public static IServiceCollection AddStartupMigration(this IServiceCollection services, string name, Func<IServiceProvider, CancellationToken, Task> migrate) =>
        services.AddSingleton<IHostedService>(sp => new StartupMigration(name, ct => migrate(sp, ct)));

    public static IServiceCollection AddEventStore(this IServiceCollection services, string schema, Action<EventStoreOptions> configure)
    {
        var options = new EventStoreOptions { Schema = schema };
        configure(options);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<EventStore>();
        services.AddStartupMigration($"event store ({schema})", (sp, ct) => sp.GetRequiredService<EventStore>().MigrateAsync(ct));
        services.AddHostedService<OutboxRelay>();
        services.AddSingleton<Projections.ProjectionDaemon>();
        services.AddHostedService(sp => sp.GetRequiredService<Projections.ProjectionDaemon>());
        return services;
    }
}

/// <summary>
/// Migrates one schema at start-up, before consumers and the relay run (hosted services start in
/// registration order); readiness waits until every one has completed.
/// </summary>
public sealed class StartupMigration(string name, Func<CancellationToken, Task> migrate) : IHostedService
{
    public string Name { get; } = name;

    public bool Completed { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrate(cancellationToken);
        Completed = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

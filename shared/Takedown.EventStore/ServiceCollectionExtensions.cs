using JasperFx;
using JasperFx.OpenTelemetry;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Weasel.Core;

namespace Takedown.EventStore;

public static class ServiceCollectionExtensions
{
    /// <summary>Runs <paramref name="migrate"/> as a hosted service before those registered after it; readiness waits for it.</summary>
    public static IServiceCollection AddStartupMigration(this IServiceCollection services, string name, Func<IServiceProvider, CancellationToken, Task> migrate) =>
        services.AddSingleton<IHostedService>(sp => new StartupMigration(name, ct => migrate(sp, ct)));

    /// <summary>
    /// The service's Marten store in its own schema: string stream ids, QuickWithServerTimestamps appends, metadata in
    /// columns and headers, no projection error ever skipped, the hash chain, the outbox and inbox tables; the async
    /// daemon (one active node per schema); the outbox relay. Register before the message bus, so that the schema exists
    /// before any consumer runs. Needs an NpgsqlDataSource and MassTransit's IBus in the container.
    /// </summary>
    public static IServiceCollection AddEventStore(
        this IServiceCollection services, string schema, Action<StoreOptions> configureMarten, Action<EventStoreOptions>? configure = null)
    {
        var options = new EventStoreOptions { Schema = schema };
        configure?.Invoke(options);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<OutboxSignal>();
        services.AddStartupMigration($"event store ({schema})", (sp, ct) => MigrateAsync(sp.GetRequiredService<IDocumentStore>(), sp.GetRequiredService<NpgsqlDataSource>(), schema, ct));
        services.AddMarten(sp =>
        {
            var marten = new StoreOptions();
            marten.Connection(sp.GetRequiredService<NpgsqlDataSource>());
            Configure(marten, schema);
            configureMarten(marten);
            return marten;
        }).AddAsyncDaemon(DaemonMode.HotCold);
        services.AddSingleton<EventStore>();
        services.AddHostedService<OutboxRelay>();
        services.AddSingleton<MessagePruning>();
        services.AddHostedService(sp => sp.GetRequiredService<MessagePruning>());
        services.AddSingleton<ProjectionAdministration>();
        services.AddHostedService(sp => sp.GetRequiredService<ProjectionAdministration>());
        return services;
    }

    /// <summary>The project's settings on a Marten store; also used by tools and benchmarks that build a store by hand.</summary>
    public static void Configure(StoreOptions marten, string schema)
    {
        marten.DatabaseSchemaName = EventStoreOptions.CheckSchemaName(schema);
        marten.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        marten.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
        marten.Events.StreamIdentity = StreamIdentity.AsString;
        // Never Rich: it reserves sequence numbers outside the transaction, and its daemon skipped events here (Marten 5327).
        marten.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        marten.Events.MetadataConfig.CorrelationIdEnabled = true;
        marten.Events.MetadataConfig.CausationIdEnabled = true;
        marten.Events.MetadataConfig.HeadersEnabled = true;
        // A projection that cannot apply an event stops and says so; skipping it would lose the event for good.
        marten.Projections.Errors.SkipApplyErrors = false;
        marten.Projections.Errors.SkipSerializationErrors = false;
        marten.Projections.Errors.SkipUnknownEvents = false;
        marten.Projections.RebuildErrors.SkipApplyErrors = false;
        marten.Projections.RebuildErrors.SkipSerializationErrors = false;
        marten.Projections.RebuildErrors.SkipUnknownEvents = false;
        // Marten's "Marten" activity source and meter: connection spans under each request's trace, events appended per type.
        marten.OpenTelemetry.TrackConnections = TrackLevel.Normal;
        marten.OpenTelemetry.TrackEventCounters();
        EventChain.Register(marten, schema);
        MessageTables.Register(marten, schema);
    }

    /// <summary>
    /// Applies the store's schema and refuses to go on without the hash chain's trigger. A change to the chain function
    /// drops the trigger with it (Weasel recreates functions with DROP … CASCADE), so one more pass puts it back.
    /// Replicas starting together take turns: two concurrent applies both try to create the same index, and one fails.
    /// </summary>
    public static async Task MigrateAsync(IDocumentStore store, NpgsqlDataSource dataSource, string schema, CancellationToken ct)
    {
        // Session-level, so it spans Marten's own connections. Released explicitly: a pooled connection keeps it otherwise.
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await LockAsync(connection, "pg_advisory_lock", schema, ct);
        try
        {
            for (var pass = 0; pass < 2; pass++)
            {
                await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
                if (await EventChain.IsInstalledAsync(dataSource, schema, ct))
                    return;
            }
            throw new EventChainMissingException(schema);
        }
        finally
        {
            await LockAsync(connection, "pg_advisory_unlock", schema, CancellationToken.None);
        }
    }

    private static async Task LockAsync(NpgsqlConnection connection, string function, string schema, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}(hashtextextended('takedown:migrate:' || $1, 0))", connection) { CommandTimeout = 0 };
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        await command.ExecuteNonQueryAsync(ct);
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

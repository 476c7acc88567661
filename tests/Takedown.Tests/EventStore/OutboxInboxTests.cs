using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using JasperFx.Events.Projections;
using Marten;
using Npgsql;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Messaging;
using Takedown.Testing;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Tests.EventStore;

public sealed record ParcelShipped
{
    public required Guid ParcelId { get; init; }
}

/// <summary>Appends one event per message it handles; its inbox must make redeliveries harmless.</summary>
public sealed class ParcelShippedConsumer(Store store) : IConsumer<ParcelShipped>
{
    public Task Consume(ConsumeContext<ParcelShipped> context) =>
        store.ConsumeOnceAsync(context, "test-parcels", session =>
            session.DecideAsync(Basket.Aggregate, $"parcel-{context.Message.ParcelId}", null, _ => [new ItemAdded("shipped", 1)], context.CancellationToken));
}

/// <summary>Every ParcelShipped delivery, without an inbox in front: duplicates show up here.</summary>
public sealed class DeliveryLog
{
    public ConcurrentQueue<Guid> MessageIds { get; } = new();
}

public sealed class CountingParcelConsumer(DeliveryLog log) : IConsumer<ParcelShipped>
{
    public Task Consume(ConsumeContext<ParcelShipped> context)
    {
        log.MessageIds.Enqueue(context.MessageId!.Value);
        return Task.CompletedTask;
    }
}

public sealed class OutboxInboxTests : IAsyncLifetime
{
    private const string ParcelShippedName = "parcel-shipped";

    private const string Schema = "outbox_test";
    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }

    private IHost BuildHost()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(_db.DataSource);
        builder.Services.AddEventStore(Schema, MapBaskets, options =>
        {
            options.Messages.Map<ParcelShipped>(ParcelShippedName);
            options.OutboxPollInterval = TimeSpan.FromMilliseconds(200);
        });
        // StartAsync returns once the bus is connected and its queues and bindings exist.
        builder.Services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<ParcelShippedConsumer>();
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host("localhost", _vhost.Name, host =>
                {
                    host.Username(TestServers.RabbitUser);
                    host.Password(TestServers.RabbitPassword);
                });
                rabbit.ReceiveEndpoint("test-parcels", endpoint =>
                {
                    endpoint.SetQuorumQueue();
                    // One at a time, in order: a later message's effect proves the earlier copy was handled.
                    endpoint.PrefetchCount = 1;
                    endpoint.ConcurrentMessageLimit = 1;
                    endpoint.ConfigureConsumer<ParcelShippedConsumer>(context);
                });
            });
        });
        return builder.Build();
    }

    private static void MapBaskets(StoreOptions marten)
    {
        marten.Events.MapEventType<ItemAdded>("item-added");
        marten.Projections.Add(Basket.Aggregate, ProjectionLifecycle.Live);
    }

    private async Task<long> ShipmentsAsync(Guid parcel)
    {
        await using var command = _db.DataSource.CreateCommand($"SELECT count(*) FROM {Schema}.mt_events WHERE stream_id = @s");
        command.Parameters.AddWithValue("s", $"parcel-{parcel}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<Guid> StageAndCommitAsync(Store store, Guid parcel)
    {
        await using var session = store.Begin(EventContext.ForSystem("test"));
        await session.DecideAsync(Basket.Aggregate, $"order-{parcel}", null, _ => [new ItemAdded("parcel", 1)], CancellationToken.None);
        var messageId = session.Stage(new ParcelShipped { ParcelId = parcel });
        await session.CommitAsync(CancellationToken.None);
        return messageId;
    }

    [Fact]
    public async Task A_message_committed_before_a_crash_is_delivered_after_restart_and_handled_once()
    {
        var parcel = Guid.NewGuid();
        using (var crashed = BuildHost())
        {
            // A first run declares the queue and its bindings, as a deployed service's earlier runs have.
            await crashed.StartAsync();
            await crashed.StopAsync();
            // Then the process commits the events and the outbox row, and dies before its relay runs.
            await StageAndCommitAsync(crashed.Services.GetRequiredService<Store>(), parcel);
        }

        using var restarted = BuildHost();
        await restarted.StartAsync();
        try
        {
            await Eventually.UntilAsync(() => ShipmentsAsync(parcel), n => n == 1, what: "the consumer's effect");

            // Crash after publish but before the row was marked sent: the relay publishes the same message again.
            await using (var unmark = _db.DataSource.CreateCommand($"UPDATE {Schema}.outbox SET sent_at = NULL"))
                await unmark.ExecuteNonQueryAsync();
            await Eventually.UntilAsync(UnsentAsync, n => n == 0, what: "the republish");

            // A later message through the same single-file queue proves the duplicate was consumed before it.
            var marker = Guid.NewGuid();
            await StageAndCommitAsync(restarted.Services.GetRequiredService<Store>(), marker);
            await Eventually.UntilAsync(() => ShipmentsAsync(marker), n => n == 1, what: "the marker message");

            Assert.Equal(1, await ShipmentsAsync(parcel));
        }
        finally
        {
            await restarted.StopAsync();
        }
    }

    [Fact]
    public async Task A_redelivered_message_is_acknowledged_and_changes_nothing()
    {
        using var host = BuildHost();
        await host.StartAsync();
        try
        {
            var bus = host.Services.GetRequiredService<IBus>();
            var parcel = Guid.NewGuid();
            var messageId = Guid.NewGuid();
            for (var copy = 0; copy < 3; copy++)
                await bus.Publish(new ParcelShipped { ParcelId = parcel }, context => context.MessageId = messageId);
            var marker = Guid.NewGuid();
            await bus.Publish(new ParcelShipped { ParcelId = marker });

            await Eventually.UntilAsync(() => ShipmentsAsync(marker), n => n == 1, what: "the marker message");
            Assert.Equal(1, await ShipmentsAsync(parcel));
            Assert.Equal(0, await _vhost.MessagesInQueueAsync("test-parcels_error"));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task An_unreadable_outbox_row_is_parked_and_later_messages_still_flow()
    {
        using var host = BuildHost();
        await host.StartAsync();
        try
        {
            // A name this build does not map (a message type removed, or a row from a newer build), then a body it cannot read.
            await using (var bogus = _db.DataSource.CreateCommand(
                $"INSERT INTO {Schema}.outbox (message_id, message_type, body, correlation_id, causation_id, created_at) VALUES (gen_random_uuid(), 'no-such-message', '{{}}', gen_random_uuid(), gen_random_uuid(), now())"))
                await bogus.ExecuteNonQueryAsync();
            await using (var unreadable = _db.DataSource.CreateCommand(
                $"INSERT INTO {Schema}.outbox (message_id, message_type, body, correlation_id, causation_id, created_at) VALUES (gen_random_uuid(), '{ParcelShippedName}', '{{\"parcelId\": 12}}', gen_random_uuid(), gen_random_uuid(), now())"))
                await unreadable.ExecuteNonQueryAsync();
            var parcel = Guid.NewGuid();
            await StageAndCommitAsync(host.Services.GetRequiredService<Store>(), parcel);

            await Eventually.UntilAsync(() => ShipmentsAsync(parcel), n => n == 1, what: "the message behind the unreadable one");
            await using var parked = _db.DataSource.CreateCommand($"SELECT last_error FROM {Schema}.outbox WHERE failed_at IS NOT NULL ORDER BY id");
            var errors = new List<string>();
            await using (var reader = await parked.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    errors.Add(reader.GetString(0));
            Assert.Equal(2, errors.Count);
            Assert.Equal("Outbox message type 'no-such-message' is not a mapped message type.", errors[0]);
            Assert.Contains("parcelId", errors[1], StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task The_outbox_keeps_messages_while_the_broker_is_unreachable()
    {
        // A bus pointed at a port where nothing listens: publishing fails, and the message must stay unsent.
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(_db.DataSource);
        builder.Services.AddEventStore(Schema, MapBaskets, options =>
        {
            options.Messages.Map<ParcelShipped>(ParcelShippedName);
            options.OutboxPublishTimeout = TimeSpan.FromSeconds(2);
        });
        builder.Services.AddMassTransit(bus => bus.UsingRabbitMq((_, rabbit) => rabbit.Host("localhost", 1, _vhost.Name, h => { h.Username("guest"); h.Password("guest"); })));
        using var host = builder.Build();
        var store = host.Services.GetRequiredService<Store>();
        await store.MigrateAsync(CancellationToken.None);
        await StageAndCommitAsync(store, Guid.NewGuid());

        var relay = host.Services.GetServices<IHostedService>().OfType<OutboxRelay>().Single();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Assert.ThrowsAnyAsync<Exception>(() => relay.PublishPendingAsync(timeout.Token));

        Assert.Equal(1, await UnsentAsync());
        await using var attempts = _db.DataSource.CreateCommand($"SELECT attempts FROM {Schema}.outbox");
        Assert.Equal(1, await attempts.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Once_the_broker_accepts_the_service_again_the_relay_delivers_every_waiting_message_exactly_once()
    {
        // The consumer's queue exists, as after a deployment's first start; then the broker refuses this service's
        // connections (its user has no rights in the virtual host), which the test can switch back deterministically.
        const string queue = "relay-recovery";
        await _vhost.BindQueueAsync(queue, "Takedown.Tests.EventStore:ParcelShipped");
        await _vhost.RevokeAccessAsync();

        var deliveries = new DeliveryLog();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(_db.DataSource);
        builder.Services.AddSingleton(deliveries);
        builder.Services.AddEventStore(Schema, MapBaskets, options =>
        {
            options.Messages.Map<ParcelShipped>(ParcelShippedName);
            options.OutboxPollInterval = TimeSpan.FromMilliseconds(200);
            options.OutboxPublishTimeout = TimeSpan.FromSeconds(1);
        });
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<CountingParcelConsumer>();
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host("localhost", _vhost.Name, host =>
                {
                    host.Username(TestServers.RabbitUser);
                    host.Password(TestServers.RabbitPassword);
                    host.PublisherConfirmation = true;
                });
                rabbit.ReceiveEndpoint(queue, endpoint =>
                {
                    // One at a time, in order: the marker's delivery proves every earlier copy was delivered first.
                    endpoint.PrefetchCount = 1;
                    endpoint.ConcurrentMessageLimit = 1;
                    endpoint.ConfigureConsumer<CountingParcelConsumer>(context);
                });
            });
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var store = host.Services.GetRequiredService<Store>();
            List<Guid> staged = [];
            for (var i = 0; i < 3; i++)
                staged.Add(await StageAndCommitAsync(store, Guid.NewGuid()));

            // The background relay keeps failing: nothing is sent, and the first row in line counts the attempts.
            await Eventually.UntilAsync(FirstAttemptsAsync, n => n >= 2, TimeSpan.FromSeconds(60), "repeated failed attempts");
            Assert.Equal(3, await UnsentAsync());
            Assert.Empty(deliveries.MessageIds);

            await _vhost.GrantAccessAsync();
            await Eventually.UntilAsync(UnsentAsync, n => n == 0, TimeSpan.FromSeconds(90), "the relay to recover and mark every message sent");
            var marker = await StageAndCommitAsync(store, Guid.NewGuid());
            await Eventually.UntilAsync(() => Task.FromResult(deliveries.MessageIds.Contains(marker)), seen => seen, TimeSpan.FromSeconds(30), "the marker message");

            Assert.Equal(staged.Append(marker).ToArray(), deliveries.MessageIds.ToArray());
            Assert.Equal(0, await UnsentAsync());
            Assert.True(await FirstAttemptsAsync() >= 2);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_staged_message_is_stored_under_its_stable_name_and_relayed_with_its_outbox_id_as_message_id()
    {
        using var host = BuildHost();
        await host.StartAsync();
        try
        {
            var parcel = Guid.NewGuid();
            var messageId = await StageAndCommitAsync(host.Services.GetRequiredService<Store>(), parcel);

            await Eventually.UntilAsync(() => ShipmentsAsync(parcel), n => n == 1, what: "the message's effect");
            await using var type = _db.DataSource.CreateCommand($"SELECT message_type FROM {Schema}.outbox WHERE message_id = @id");
            type.Parameters.AddWithValue("id", messageId);
            Assert.Equal(ParcelShippedName, await type.ExecuteScalarAsync());
            // The consumer's inbox row carries the id the relay published under: the outbox row's.
            await using var inbox = _db.DataSource.CreateCommand($"SELECT count(*) FROM {Schema}.inbox WHERE message_id = @id");
            inbox.Parameters.AddWithValue("id", messageId);
            Assert.Equal(1L, await inbox.ExecuteScalarAsync());
            Assert.Equal(0, await UnsentAsync());
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Staging_a_message_without_a_stable_name_is_refused()
    {
        using var host = BuildHost();
        var store = host.Services.GetRequiredService<Store>();
        await store.MigrateAsync(CancellationToken.None);
        await using var session = store.Begin(EventContext.ForSystem("test"));
        var refused = Assert.Throws<InvalidOperationException>(() => session.Stage(new ItemAdded("unnamed", 1)));
        Assert.Equal("Takedown.Tests.EventStore.ItemAdded has no stored message name; map it with MessageTypes.Map<ItemAdded>(\"...\").", refused.Message);
    }

    private async Task<int> FirstAttemptsAsync()
    {
        await using var command = _db.DataSource.CreateCommand($"SELECT attempts FROM {Schema}.outbox ORDER BY id LIMIT 1");
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> UnsentAsync()
    {
        await using var command = _db.DataSource.CreateCommand($"SELECT count(*) FROM {Schema}.outbox WHERE sent_at IS NULL");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

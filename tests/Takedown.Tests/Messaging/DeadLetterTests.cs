using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JasperFx.Events.Projections;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Takedown.ServiceDefaults;
using Takedown.ServiceDefaults.Messaging;
using Takedown.Testing;
using Takedown.Tests.EventStore;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Tests.Messaging;

public sealed record DeadLetterProbe
{
    public required Guid ProbeId { get; init; }
}

/// <summary>The cause of a poison message, fixed by the test when it chooses.</summary>
public sealed class PoisonCause
{
    public volatile bool Present = true;
    public int Completed; // deliveries the consumer finished, a duplicate the inbox dropped included
}

public sealed class DeadLetterProbeConsumer(Store store, PoisonCause cause) : IConsumer<DeadLetterProbe>
{
    public async Task Consume(ConsumeContext<DeadLetterProbe> context)
    {
        if (cause.Present)
            throw new InvalidOperationException("The probe's cause is not fixed yet.");
        await store.ConsumeOnceAsync(context, "dead-letter-probe", session =>
            session.DecideAsync(Basket.Aggregate, $"probe-{context.Message.ProbeId}", null, _ => [new ItemAdded("probe", 1)], context.CancellationToken));
        Interlocked.Increment(ref cause.Completed);
    }
}

/// <summary>
/// A message that fails through every retry lands in its "_error" queue: it is counted (metric and readiness), listed
/// with MassTransit's fault reason, and once the cause is fixed a redrive sends it back to be handled exactly once.
/// A host of the service defaults with one consumer, on the real PostgreSQL and RabbitMQ.
/// </summary>
public sealed class DeadLetterTests : IAsyncLifetime
{
    private const string AdminKey = "test-bootstrap-admin-key";
    private const string Schema = "deadletters";
    private const string Queue = "deadletters-dead-letter-probe";
    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = _db.ConnectionString,
            ["RabbitMq:VirtualHost"] = _vhost.Name,
            ["RabbitMq:RetryIntervals:0"] = "00:00:00.010",
            ["Auth:BootstrapAdminKey"] = AdminKey,
        });
        builder.AddTakedownDefaults(Schema);
        builder.AddTakedownEventStore(Schema, marten =>
        {
            marten.Events.MapEventType<ItemAdded>("item-added");
            marten.Projections.Add(Basket.Aggregate, ProjectionLifecycle.Live);
        });
        builder.Services.AddSingleton<PoisonCause>();
        builder.Services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
        builder.AddTakedownBus(bus => bus.AddConsumer<DeadLetterProbeConsumer, TakedownConsumerDefinition<DeadLetterProbeConsumer>>());
        _app = builder.Build();
        _app.MapTakedownDefaults();
        await _app.StartAsync();
        _client = _app.GetTestClient();
        await Eventually.UntilAsync(async () => (await _client.GetAsync("/health/ready")).StatusCode, s => s == HttpStatusCode.OK, what: "readiness");
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task A_poison_message_is_counted_listed_shown_in_readiness_and_after_the_fix_redriven_and_handled_once()
    {
        var probe = Guid.NewGuid();
        var messageId = Guid.NewGuid();
        await _app.Services.GetRequiredService<IBus>().Publish(new DeadLetterProbe { ProbeId = probe }, context => context.MessageId = messageId);
        await Eventually.UntilAsync(() => _vhost.MessagesInQueueAsync($"{Queue}_error"), n => n == 1, what: "the probe to land in the error queue");

        // Listed, with MassTransit's fault headers.
        var listed = await SendAsync(HttpMethod.Get, "/api/v1/admin/messages/dead-letters?take=5");
        Assert.Equal(1, listed.GetProperty("total").GetInt64());
        var queue = Assert.Single(listed.GetProperty("queues").EnumerateArray());
        Assert.Equal(Queue, queue.GetProperty("queue").GetString());
        Assert.Equal(1, queue.GetProperty("count").GetInt64());
        var letter = Assert.Single(queue.GetProperty("messages").EnumerateArray());
        Assert.Equal("urn:message:Takedown.Tests.Messaging:DeadLetterProbe", letter.GetProperty("messageType").GetString());
        Assert.Equal(messageId.ToString(), letter.GetProperty("messageId").GetString());
        Assert.Equal("The probe's cause is not fixed yet.", letter.GetProperty("faultReason").GetString());
        Assert.Equal("System.InvalidOperationException", letter.GetProperty("faultExceptionType").GetString());
        Assert.Equal(1, (await SendAsync(HttpMethod.Get, "/api/v1/admin/messages/dead-letters")).GetProperty("total").GetInt64()); // listing left it

        // Readiness stays 200, Degraded, naming the queue.
        using (var ready = await _client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("Degraded", body.GetProperty("status").GetString());
            Assert.Equal($"1 message(s) in {Queue}_error", body.GetProperty("checks").GetProperty("dead-letters").GetProperty("description").GetString());
        }
        Assert.Equal(1, DeadLettersGauge(Queue));

        // The cause fixed, a redrive sends it back; it is handled once.
        _app.Services.GetRequiredService<PoisonCause>().Present = false;
        var redriven = await SendAsync(HttpMethod.Post, $"/api/v1/admin/messages/dead-letters/redrive?queue={Queue}");
        Assert.Equal(1, redriven.GetProperty("redriven").GetInt64());
        Assert.Equal(0, Assert.Single(redriven.GetProperty("queues").EnumerateArray()).GetProperty("remaining").GetInt64());
        await Eventually.UntilAsync(() => EventsAsync(probe), n => n == 1, what: "the redriven probe to be handled");
        Assert.Equal(0, DeadLettersGauge(Queue));

        // Its message id is kept, so a second copy is dropped by the inbox.
        Assert.Equal(1, await InboxAsync(messageId));
        var cause = _app.Services.GetRequiredService<PoisonCause>();
        Assert.Equal(1, Volatile.Read(ref cause.Completed));
        await _app.Services.GetRequiredService<IBus>().Publish(new DeadLetterProbe { ProbeId = probe }, context => context.MessageId = messageId);
        await Eventually.UntilAsync(() => Task.FromResult(Volatile.Read(ref cause.Completed)), n => n == 2, what: "the copy to be handled");
        Assert.Equal(1, await EventsAsync(probe));
        Assert.Equal(0, (await SendAsync(HttpMethod.Get, "/api/v1/admin/messages/dead-letters")).GetProperty("total").GetInt64());
        using var healthy = await _client.GetAsync("/health/ready");
        Assert.Equal("Healthy", JsonDocument.Parse(await healthy.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_redrive_of_a_queue_the_service_does_not_have_is_404()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/messages/dead-letters/redrive?queue=someone-elses-queue");
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(Queue, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static long DeadLettersGauge(string queue)
    {
        long? value = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Takedown.Messaging" && instrument.Name == "takedown.messages.dead_letters")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "messaging.destination.name" && (string?)tag.Value == queue)
                    value = measurement;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return value ?? throw new InvalidOperationException($"No dead-letter measurement for {queue}.");
    }

    private async Task<long> EventsAsync(Guid probe)
    {
        await using var command = _db.DataSource.CreateCommand($"SELECT count(*) FROM {Schema}.mt_events WHERE stream_id = @s");
        command.Parameters.AddWithValue("s", $"probe-{probe}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> InboxAsync(Guid messageId)
    {
        await using var command = _db.DataSource.CreateCommand($"SELECT count(*) FROM {Schema}.inbox WHERE message_id = @m");
        command.Parameters.AddWithValue("m", messageId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

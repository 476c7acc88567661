using System.Collections.Concurrent;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Takedown.ServiceDefaults;
using Takedown.ServiceDefaults.Messaging;
using Takedown.Testing;

namespace Takedown.Tests.Messaging;

public sealed record InspectionRequested
{
    public required Guid ParcelId { get; init; }
}

public sealed class AttemptLog
{
    public ConcurrentQueue<Guid> ParcelIds { get; } = new();
}

/// <summary>A consumer whose handler always fails, as one facing a bug or a permanently bad message would.</summary>
public sealed class FailingInspectionConsumer(AttemptLog attempts) : IConsumer<InspectionRequested>
{
    public Task Consume(ConsumeContext<InspectionRequested> context)
    {
        attempts.ParcelIds.Enqueue(context.Message.ParcelId);
        throw new InvalidOperationException("The inspection always fails.");
    }
}

/// <summary>
/// The production bus (AddTakedownBus) with a consumer registered through TakedownConsumerDefinition, as the services
/// register theirs: a failing message is retried, then moved to the consumer's "_error" queue.
/// </summary>
public sealed class ConsumerDefinitionTests : IAsyncLifetime
{
    private const string Queue = "messaging-test-failing-inspection";
    private TestVirtualHost _vhost = null!;

    public async Task InitializeAsync() => _vhost = await TestVirtualHost.CreateAsync();

    public async Task DisposeAsync() => await _vhost.DisposeAsync();

    private WebApplication BuildHost(AttemptLog attempts, params string[] retryIntervals)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration["RabbitMq:VirtualHost"] = _vhost.Name;
        for (var i = 0; i < retryIntervals.Length; i++)
            builder.Configuration[$"RabbitMq:RetryIntervals:{i}"] = retryIntervals[i];
        builder.Services.AddSingleton(new TakedownServiceName("messaging-test"));
        builder.Services.AddSingleton(attempts);
        builder.AddTakedownBus(bus => bus.AddConsumer<FailingInspectionConsumer, TakedownConsumerDefinition<FailingInspectionConsumer>>());
        // StartAsync returns once the receive endpoint's queue and bindings exist.
        builder.Services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
        return builder.Build();
    }

    private async Task<int> AttemptsUntilErrorQueueAsync(AttemptLog attempts, WebApplication host)
    {
        var parcel = Guid.NewGuid();
        var messageId = Guid.NewGuid();
        await host.Services.GetRequiredService<IBus>().Publish(new InspectionRequested { ParcelId = parcel }, context => context.MessageId = messageId);

        await Eventually.UntilAsync(() => _vhost.MessagesInQueueAsync(Queue + "_error"), n => n == 1, TimeSpan.FromSeconds(60), "the message in the error queue");
        var dead = Assert.Single(await _vhost.PeekAsync(Queue + "_error"));
        Assert.Equal(messageId.ToString(), dead.GetProperty("properties").GetProperty("message_id").GetString());
        var headers = dead.GetProperty("properties").GetProperty("headers");
        Assert.Equal("System.InvalidOperationException", headers.GetProperty("MT-Fault-ExceptionType").GetString());
        Assert.Equal("The inspection always fails.", headers.GetProperty("MT-Fault-Message").GetString());
        Assert.Contains(parcel.ToString(), dead.GetProperty("payload").GetString());
        Assert.Equal(0, await _vhost.MessagesInQueueAsync(Queue));
        // The error queue keeps what it holds like the queue it came from: durable, quorum.
        var errorQueue = (await _vhost.QueuesAsync()).Single(q => q.GetProperty("name").GetString() == Queue + "_error");
        Assert.True(errorQueue.GetProperty("durable").GetBoolean());
        Assert.Equal("quorum", errorQueue.GetProperty("arguments").GetProperty("x-queue-type").GetString());
        Assert.All(attempts.ParcelIds, id => Assert.Equal(parcel, id));
        return attempts.ParcelIds.Count;
    }

    [Fact]
    public async Task A_message_whose_handler_always_fails_is_tried_once_per_configured_retry_and_then_goes_to_the_error_queue()
    {
        var attempts = new AttemptLog();
        await using var host = BuildHost(attempts, "00:00:00.010", "00:00:00.020", "00:00:00.030");
        await host.StartAsync();
        try
        {
            // One delivery plus three retries.
            Assert.Equal(4, await AttemptsUntilErrorQueueAsync(attempts, host));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Without_configured_intervals_the_production_policy_retries_five_times()
    {
        var attempts = new AttemptLog();
        await using var host = BuildHost(attempts);
        await host.StartAsync();
        try
        {
            // 50 ms, 250 ms, 1 s, 3 s and 5 s apart: six attempts in a little over nine seconds.
            Assert.Equal(1 + MessagingExtensions.DefaultRetryIntervals.Count, await AttemptsUntilErrorQueueAsync(attempts, host));
            Assert.Equal(6, attempts.ParcelIds.Count);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}

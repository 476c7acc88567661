using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Takedown.ServiceDefaults.Messaging;

/// <summary>The receive queues of this service's consumers, as MassTransit names them when it configures them.</summary>
public sealed class ReceiveQueues
{
    private readonly ConcurrentDictionary<string, byte> _names = new(StringComparer.Ordinal);

    public void Add(string queue) => _names.TryAdd(queue, 0);

    public IReadOnlyList<string> Names => [.. _names.Keys.Order(StringComparer.Ordinal)];

    public static string ErrorQueue(string queue) => $"{queue}_error";
}

public sealed record DeadLetter(string? MessageType, string? MessageId, string? FaultReason, string? FaultExceptionType, string? FaultedAt);

public sealed record DeadLetterQueue(string Queue, string ErrorQueue, long Count, IReadOnlyList<DeadLetter> Messages);

public sealed record RedriveResult(string Queue, long Redriven, long Remaining);

/// <summary>
/// What landed in this service's "_error" queues (a consumer failed through every retry): counted, listed with the
/// reason MassTransit wrote in the fault headers, and moved back to the receive queue once the cause is fixed. The
/// count is the gauge takedown.messages.dead_letters, refreshed every minute, and a Degraded readiness check.
/// </summary>
public sealed partial class DeadLetters(
    IOptions<RabbitMqOptions> options, TakedownServiceName service, ReceiveQueues queues, ILogger<DeadLetters> logger)
    : BackgroundService
{
    public static readonly Meter Meter = new("Takedown.Messaging");
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly ConcurrentDictionary<string, long> _lastCounts = new(StringComparer.Ordinal);
    private IConnection? _connection;
    private ObservableGauge<long>? _gauge;

    public IReadOnlyList<string> Queues => queues.Names;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _gauge ??= Meter.CreateObservableGauge("takedown.messages.dead_letters",
            () => _lastCounts.Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("messaging.destination.name", c.Key))),
            unit: "{message}", description: "Messages in this service's _error queues: failed through every retry, waiting to be re-driven");
        using var timer = new PeriodicTimer(RefreshInterval);
        do
        {
            try
            {
                await CountAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogCountFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Messages waiting in each receive queue's "_error" queue (0 for one MassTransit has not created yet).</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountAsync(CancellationToken ct)
    {
        var connection = await ConnectAsync(ct);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var queue in queues.Names)
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            counts[queue] = await ErrorCountAsync(channel, queue, ct);
            _lastCounts[queue] = counts[queue];
        }
        return counts;
    }

    /// <summary>Each "_error" queue's count and its first <paramref name="take"/> messages, left where they are.</summary>
    public async Task<IReadOnlyList<DeadLetterQueue>> ListAsync(int take, CancellationToken ct)
    {
        var connection = await ConnectAsync(ct);
        var result = new List<DeadLetterQueue>();
        foreach (var queue in queues.Names)
        {
            // Messages read without an ack go back to the queue, in order, when the channel closes.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            var count = await ErrorCountAsync(channel, queue, ct);
            _lastCounts[queue] = count;
            var messages = new List<DeadLetter>();
            for (var i = 0; i < Math.Min(take, count); i++)
            {
                if (await channel.BasicGetAsync(ReceiveQueues.ErrorQueue(queue), autoAck: false, ct) is not { } got)
                    break;
                messages.Add(Describe(got));
            }
            await channel.CloseAsync(ct);
            result.Add(new DeadLetterQueue(queue, ReceiveQueues.ErrorQueue(queue), count, messages));
        }
        return result;
    }

    /// <summary>
    /// Moves what is in the "_error" queue of <paramref name="only"/> (or of every receive queue) back to the receive
    /// queue, body, properties and message id unchanged, without MassTransit's fault headers. A message is acknowledged
    /// on the error queue only after the broker confirmed the copy, so a failure midway loses nothing (a copy may be
    /// delivered twice, which the consumers' inboxes absorb). Only what was there at the start moves: a message that
    /// fails again comes back to the error queue and waits for the next redrive.
    /// </summary>
    public async Task<IReadOnlyList<RedriveResult>> RedriveAsync(string? only, CancellationToken ct)
    {
        var targets = only is null ? queues.Names : queues.Names.Where(q => q == only).ToArray();
        if (only is not null && targets.Count == 0)
            throw new UnknownQueueException(only, queues.Names);
        var connection = await ConnectAsync(ct);
        var results = new List<RedriveResult>();
        foreach (var queue in targets)
        {
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            var waiting = await ErrorCountAsync(channel, queue, ct);
            long moved = 0;
            for (; moved < waiting; moved++)
            {
                if (await channel.BasicGetAsync(ReceiveQueues.ErrorQueue(queue), autoAck: false, ct) is not { } got)
                    break;
                var properties = new BasicProperties(got.BasicProperties);
                if (properties.Headers is { } headers)
                {
                    foreach (var key in headers.Keys.Where(k => k.StartsWith("MT-Fault-", StringComparison.Ordinal) || k == "MT-Reason").ToArray())
                        headers.Remove(key);
                }
                // Returns once the broker confirmed the publish; throws when it refused it.
                await channel.BasicPublishAsync("", queue, mandatory: true, properties, got.Body, ct);
                await channel.BasicAckAsync(got.DeliveryTag, multiple: false, ct);
            }
            LogRedriven(moved, ReceiveQueues.ErrorQueue(queue), queue);
            var remaining = await ErrorCountAsync(channel, queue, ct);
            _lastCounts[queue] = remaining;
            results.Add(new RedriveResult(queue, moved, remaining));
        }
        return results;
    }

    private static async Task<long> ErrorCountAsync(IChannel channel, string queue, CancellationToken ct)
    {
        try
        {
            return (await channel.QueueDeclarePassiveAsync(ReceiveQueues.ErrorQueue(queue), ct)).MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return 0; // no message has failed for good on this queue yet
        }
    }

    private static DeadLetter Describe(BasicGetResult got)
    {
        var headers = got.BasicProperties.Headers;
        string? Header(string name) => headers is not null && headers.TryGetValue(name, out var value)
            ? value switch { byte[] bytes => Encoding.UTF8.GetString(bytes), null => null, _ => value.ToString() }
            : null;
        return new DeadLetter(MessageType(got.Body.Span) ?? Header("MT-Fault-MessageType"), got.BasicProperties.MessageId,
            Header("MT-Fault-Message"), Header("MT-Fault-ExceptionType"), Header("MT-Fault-Timestamp"));
    }

    /// <summary>The first of the envelope's message types (urn:message:Takedown.Contracts:ClassifyContent).</summary>
    private static string? MessageType(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var envelope = JsonDocument.ParseValue(ref reader);
            return envelope.RootElement.TryGetProperty("messageType", out var types) && types.ValueKind == JsonValueKind.Array && types.GetArrayLength() > 0
                ? types[0].GetString()
                : null;
        }
        catch (JsonException)
        {
            return null; // not a MassTransit envelope: a raw or broken publish
        }
    }

    private async Task<IConnection> ConnectAsync(CancellationToken ct)
    {
        if (_connection is { IsOpen: true } open)
            return open;
        await _connecting.WaitAsync(ct);
        try
        {
            if (_connection is { IsOpen: true } raced)
                return raced;
            if (_connection is not null)
                await _connection.DisposeAsync();
            var rabbit = options.Value;
            var factory = new ConnectionFactory
            {
                HostName = rabbit.Host,
                Port = rabbit.Port,
                VirtualHost = rabbit.VirtualHost,
                UserName = rabbit.Username,
                Password = rabbit.Password,
                ClientProvidedName = $"{service.Value}-dead-letters",
                RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            };
            _connection = await factory.CreateConnectionAsync(ct);
            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_connection is not null)
            await _connection.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting the _error queues failed")]
    private partial void LogCountFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-drove {Count} message(s) from {ErrorQueue} to {Queue}")]
    private partial void LogRedriven(long count, string errorQueue, string queue);
}

public sealed class UnknownQueueException(string queue, IReadOnlyList<string> known)
    : Exception($"'{queue}' is not a receive queue of this service; its queues are: {string.Join(", ", known)}.");

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Takedown.EventStore;

/// <summary>
/// Publishes committed outbox messages through MassTransit (RabbitMQ publisher confirms: a publish returns
/// only once the broker has the message), then marks them sent. A crash between publish and mark means the
/// message is published again with the same MessageId, and the consumers' inboxes drop the copy.
/// Rows are claimed with SKIP LOCKED, so relays in several replicas share the work.
/// </summary>
public sealed partial class OutboxRelay(
    EventStore store,
    IBus bus,
    OutboxSignal signal,
    TimeProvider time,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    public static readonly ActivitySource ActivitySource = new("Takedown.EventStore");
    private static readonly ConcurrentDictionary<string, Type> MessageTypes = new();
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    internal static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var published = await PublishPendingAsync(stoppingToken);
                backoff = TimeSpan.Zero;
                if (published < store.Options.OutboxBatchSize)
                    await signal.WaitAsync(store.Options.OutboxPollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                LogRelayFailed(ex, store.Schema, backoff);
                try { await Task.Delay(backoff, time, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    /// <summary>Publishes one batch of unsent messages in order; returns how many were published.</summary>
    public async Task<int> PublishPendingAsync(CancellationToken ct)
    {
        var schema = store.Schema;
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        var pending = new List<PendingMessage>();
        await using (var select = new NpgsqlCommand(
            $"""
            SELECT id, message_id, message_type, body, correlation_id, causation_id, trace_parent
            FROM {schema}.outbox WHERE sent_at IS NULL ORDER BY id LIMIT @limit FOR UPDATE SKIP LOCKED
            """, connection, tx))
        {
            select.Parameters.AddWithValue("limit", store.Options.OutboxBatchSize);
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                pending.Add(new PendingMessage(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                    reader.GetGuid(4), reader.GetGuid(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
            }
        }
        if (pending.Count == 0)
            return 0;

        var sent = new List<long>(pending.Count);
        Exception? failure = null;
        foreach (var message in pending)
        {
            try
            {
                await PublishAsync(message, ct);
                sent.Add(message.Id);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                failure = ex;
                await using var record = new NpgsqlCommand(
                    $"UPDATE {schema}.outbox SET attempts = attempts + 1, last_error = @error WHERE id = @id", connection, tx);
                record.Parameters.AddWithValue("error", ex.Message);
                record.Parameters.AddWithValue("id", message.Id);
                await record.ExecuteNonQueryAsync(ct);
                break; // keep order: later messages wait for this one
            }
        }

        if (sent.Count > 0)
        {
            await using var mark = new NpgsqlCommand($"UPDATE {schema}.outbox SET sent_at = @now WHERE id = ANY(@ids)", connection, tx);
            mark.Parameters.AddWithValue("now", time.GetUtcNow());
            mark.Parameters.AddWithValue("ids", sent.ToArray());
            await mark.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);

        if (failure is not null)
            throw new OutboxPublishException($"Publishing outbox message failed after {sent.Count} were sent.", failure);
        return sent.Count;
    }

    private async Task PublishAsync(PendingMessage message, CancellationToken ct)
    {
        var type = MessageTypes.GetOrAdd(message.Type, static name =>
            Type.GetType(name, throwOnError: false) ?? throw new InvalidOperationException($"Outbox message type '{name}' cannot be loaded."));
        var body = JsonSerializer.Deserialize(message.Body, type, store.Options.Json)!;

        // Resume the trace of the request that staged the message, so one report stays one trace.
        ActivityContext.TryParse(message.TraceParent, null, out var parent);
        using var activity = ActivitySource.StartActivity($"outbox publish {type.Name}", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.message.id", message.MessageId);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(store.Options.OutboxPublishTimeout);
        await bus.Publish(body, type, context =>
        {
            context.MessageId = message.MessageId;
            context.CorrelationId = message.CorrelationId;
            context.InitiatorId = message.CausationId;
        }, timeout.Token);
    }

    private sealed record PendingMessage(long Id, Guid MessageId, string Type, string Body, Guid CorrelationId, Guid CausationId, string? TraceParent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay for schema {Schema} failed; retrying in {Backoff}")]
    private partial void LogRelayFailed(Exception ex, string schema, TimeSpan backoff);
}

public sealed class OutboxPublishException(string message, Exception inner) : Exception(message, inner);

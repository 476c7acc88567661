using System.Diagnostics;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

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
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.Zero;
        var idlePoll = store.Options.OutboxPollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var published = await PublishPendingAsync(stoppingToken);
                backoff = TimeSpan.Zero;
                if (published < store.Options.OutboxBatchSize)
                {
                    // This replica's commits wake the relay at once; the poll only finds rows other replicas left behind
                    // (a crash, an expired lease), so while it finds nothing it stretches, up to OutboxIdlePollMax.
                    var woken = await signal.WaitAsync(idlePoll, stoppingToken);
                    idlePoll = woken || published > 0
                        ? store.Options.OutboxPollInterval
                        : TimeSpan.FromTicks(Math.Clamp(idlePoll.Ticks * 2, store.Options.OutboxPollInterval.Ticks, Math.Max(store.Options.OutboxPollInterval.Ticks, store.Options.OutboxIdlePollMax.Ticks)));
                }
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
        var pending = await ClaimAsync(ct);
        if (pending.Count == 0)
            return 0;

        var sent = new List<long>(pending.Count);
        try
        {
            foreach (var message in pending)
            {
                if (!TryDecode(message, out var type, out var body, out var unreadable))
                {
                    // Retrying cannot help a row whose type or body this build cannot read: park it, keep the rest flowing.
                    await UpdateAsync("failed_at = @now, last_error = @error", message.Id, unreadable, ct);
                    LogParked(store.Schema, message.MessageId, unreadable);
                    continue;
                }
                try
                {
                    await PublishAsync(message, type, body, ct);
                    sent.Add(message.Id);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // The broker is the problem: release the batch so this or another replica retries it in order.
                    await UpdateAsync("attempts = attempts + 1, last_error = @error", message.Id, ex.Message, ct);
                    await ReleaseAsync(pending.Select(m => m.Id).Except(sent), ct);
                    throw new OutboxPublishException($"Publishing outbox message failed after {sent.Count} were sent.", ex);
                }
            }
        }
        finally
        {
            if (sent.Count > 0)
                await MarkSentAsync(sent, CancellationToken.None);
        }
        return sent.Count;
    }

    /// <summary>
    /// Leases a batch in a short transaction, so no transaction stays open while the broker confirms: an open
    /// transaction would hold back every projection's xmin horizon. A lease that expires (its relay died) is
    /// claimed again; the inboxes drop whatever that publishes twice.
    /// </summary>
    private async Task<List<PendingMessage>> ClaimAsync(CancellationToken ct)
    {
        var schema = store.Schema;
        await using var claim = store.DataSource.CreateCommand(
            $"""
            UPDATE {schema}.outbox SET claimed_until = @until
            WHERE id IN (
                SELECT id FROM {schema}.outbox
                WHERE sent_at IS NULL AND failed_at IS NULL AND (claimed_until IS NULL OR claimed_until < @now)
                ORDER BY id LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING id, message_id, message_type, body, correlation_id, causation_id, trace_parent
            """);
        var now = time.GetUtcNow();
        claim.Parameters.AddWithValue("now", now);
        claim.Parameters.AddWithValue("until", now + LeaseFor(store.Options));
        claim.Parameters.AddWithValue("limit", store.Options.OutboxBatchSize);
        var pending = new List<PendingMessage>();
        await using (var reader = await claim.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                pending.Add(new PendingMessage(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                    reader.GetGuid(4), reader.GetGuid(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
            }
        }
        pending.Sort((a, b) => a.Id.CompareTo(b.Id));
        return pending;
    }

    private static TimeSpan LeaseFor(EventStoreOptions options) =>
        TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(1).Ticks, options.OutboxPublishTimeout.Ticks * 2));

    private async Task UpdateAsync(string assignments, long id, string error, CancellationToken ct)
    {
        await using var command = store.DataSource.CreateCommand($"UPDATE {store.Schema}.outbox SET {assignments} WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("error", error);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task ReleaseAsync(IEnumerable<long> ids, CancellationToken ct)
    {
        await using var command = store.DataSource.CreateCommand($"UPDATE {store.Schema}.outbox SET claimed_until = NULL WHERE id = ANY(@ids)");
        command.Parameters.AddWithValue("ids", ids.ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task MarkSentAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        await using var command = store.DataSource.CreateCommand($"UPDATE {store.Schema}.outbox SET sent_at = @now, claimed_until = NULL WHERE id = ANY(@ids)");
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        command.Parameters.AddWithValue("ids", ids.ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    private bool TryDecode(PendingMessage message, out Type type, out object body, out string error)
    {
        type = typeof(object);
        body = null!;
        error = "";
        try
        {
            if (!store.Options.Messages.TryGetType(message.Type, out type))
                throw new TypeLoadException($"Outbox message type '{message.Type}' is not a mapped message type.");
            body = JsonSerializer.Deserialize(message.Body, type, EventStoreOptions.Json) ?? throw new JsonException("The body is null.");
            return true;
        }
        catch (Exception ex) when (ex is TypeLoadException or JsonException or NotSupportedException)
        {
            error = ex.Message;
            return false;
        }
    }

    private async Task PublishAsync(PendingMessage message, Type type, object body, CancellationToken ct)
    {
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox message {MessageId} in schema {Schema} cannot be read and was parked (failed_at set): {Error}")]
    private partial void LogParked(string schema, Guid messageId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay for schema {Schema} failed; retrying in {Backoff}")]
    private partial void LogRelayFailed(Exception ex, string schema, TimeSpan backoff);
}

public sealed class OutboxPublishException(string message, Exception inner) : Exception(message, inner);

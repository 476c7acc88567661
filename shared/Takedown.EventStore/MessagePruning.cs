using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Takedown.EventStore;

/// <summary>
/// Deletes outbox rows sent longer than <see cref="EventStoreOptions.OutboxRetention"/> ago and inbox rows processed
/// longer than <see cref="EventStoreOptions.InboxRetention"/> ago, every <see cref="EventStoreOptions.PruneInterval"/>,
/// in batches so no statement holds many locks or a long transaction. An unsent or parked outbox row is never
/// deleted: it is a message still owed (or waiting for an operator). Replicas may prune at the same time; a row
/// deleted twice is deleted once.
/// </summary>
public sealed partial class MessagePruning(EventStore store, TimeProvider time, ILogger<MessagePruning> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first pass waits an interval: a service restarted under load has better things to do first.
        using var timer = new PeriodicTimer(store.Options.PruneInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await PruneAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogPruneFailed(ex, store.Schema);
            }
        }
    }

    /// <summary>One pass over both tables; returns how many rows each lost.</summary>
    public async Task<(long Outbox, long Inbox)> PruneAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var schema = store.Schema;
        var outbox = await DeleteInBatchesAsync(
            $"""
            DELETE FROM {schema}.outbox WHERE id IN (
                SELECT id FROM {schema}.outbox WHERE sent_at IS NOT NULL AND sent_at < @cutoff ORDER BY id LIMIT @batch)
            """, now - store.Options.OutboxRetention, ct);
        var inbox = await DeleteInBatchesAsync(
            $"""
            DELETE FROM {schema}.inbox WHERE (consumer, message_id) IN (
                SELECT consumer, message_id FROM {schema}.inbox WHERE processed_at < @cutoff LIMIT @batch)
            """, now - store.Options.InboxRetention, ct);
        if (outbox + inbox > 0)
            LogPruned(schema, outbox, inbox);
        return (outbox, inbox);
    }

    private async Task<long> DeleteInBatchesAsync(string sql, DateTimeOffset cutoff, CancellationToken ct)
    {
        long total = 0;
        while (true)
        {
            await using var command = store.DataSource.CreateCommand(sql);
            command.Parameters.AddWithValue("cutoff", cutoff);
            command.Parameters.AddWithValue("batch", store.Options.PruneBatchSize);
            var deleted = await command.ExecuteNonQueryAsync(ct);
            total += deleted;
            if (deleted < store.Options.PruneBatchSize)
                return total;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Outbox} sent outbox row(s) and {Inbox} inbox row(s) in schema {Schema}")]
    private partial void LogPruned(string schema, long outbox, long inbox);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning the outbox and inbox of schema {Schema} failed; trying again at the next interval")]
    private partial void LogPruneFailed(Exception ex, string schema);
}

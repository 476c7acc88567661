using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Takedown.EventStore;
using Takedown.Testing;

namespace Takedown.Tests.EventStore;

/// <summary>
/// Pruning deletes sent outbox rows and inbox rows older than their retention, in batches, from the real tables; an
/// unsent or parked outbox row and an inbox row inside its retention stay, whatever their age.
/// </summary>
public sealed class MessagePruningTests : IAsyncLifetime
{
    private const string Schema = "pruning_test";
    private TestDatabase _db = null!;
    private DocumentStore _documents = null!;
    private MessagePruning _pruning = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var (documents, store) = BasketStores.Create(_db, Schema, options: o =>
        {
            o.OutboxRetention = TimeSpan.FromDays(7);
            o.InboxRetention = TimeSpan.FromDays(14);
            o.PruneBatchSize = 1000;
        });
        _documents = documents;
        await store.MigrateAsync(CancellationToken.None);
        _pruning = new MessagePruning(store, TimeProvider.System, NullLogger<MessagePruning>.Instance);
    }

    public async Task DisposeAsync()
    {
        _documents.Dispose();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Sent_outbox_rows_past_their_retention_go_in_batches_unsent_parked_and_recent_ones_stay()
    {
        await OutboxRowsAsync("sent-long-ago", 2500, sentDaysAgo: 8);
        await OutboxRowsAsync("sent-recently", 3, sentDaysAgo: 6);
        await OutboxRowsAsync("never-sent", 2, createdDaysAgo: 30);
        await OutboxRowsAsync("parked", 1, createdDaysAgo: 30, parked: true);

        var (outbox, inbox) = await _pruning.PruneAsync(CancellationToken.None);

        Assert.Equal((2500, 0), (outbox, inbox));
        Assert.Equal(new Dictionary<string, long> { ["never-sent"] = 2, ["parked"] = 1, ["sent-recently"] = 3 }, await OutboxByTypeAsync());
        Assert.Equal((0, 0), await _pruning.PruneAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Inbox_rows_past_their_retention_go_those_inside_it_stay()
    {
        var kept = new[] { Guid.NewGuid(), Guid.NewGuid() };
        await InboxRowsAsync("classify", 1200, processedDaysAgo: 15);
        await _db.ExecuteAsync($"""
            INSERT INTO {Schema}.inbox (consumer, message_id, processed_at) VALUES
              ('classify', '{kept[0]}', now() - interval '13 days 23 hours'), ('fingerprint', '{kept[1]}', now())
            """);

        var (outbox, inbox) = await _pruning.PruneAsync(CancellationToken.None);

        Assert.Equal((0, 1200), (outbox, inbox));
        await using var remaining = _db.DataSource.CreateCommand($"SELECT message_id FROM {Schema}.inbox ORDER BY consumer");
        var ids = new List<Guid>();
        await using (var reader = await remaining.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                ids.Add(reader.GetGuid(0));
        Assert.Equal(kept, ids);
    }

    [Fact]
    public void An_inbox_retention_shorter_than_a_day_is_refused()
    {
        var options = new EventStoreOptions();

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => options.InboxRetention = TimeSpan.FromHours(12));

        Assert.Equal(nameof(EventStoreOptions.InboxRetention), refused.ParamName);
        Assert.Equal(TimeSpan.FromDays(14), options.InboxRetention);
    }

    private Task OutboxRowsAsync(string type, int count, int? sentDaysAgo = null, int createdDaysAgo = 0, bool parked = false) =>
        _db.ExecuteAsync($"""
            INSERT INTO {Schema}.outbox (message_id, message_type, body, correlation_id, causation_id, created_at, sent_at, failed_at)
            SELECT gen_random_uuid(), '{type}', '{"{}"}', gen_random_uuid(), gen_random_uuid(),
                   now() - interval '{Math.Max(createdDaysAgo, sentDaysAgo ?? 0)} days',
                   {(sentDaysAgo is { } d ? $"now() - interval '{d} days'" : "NULL")},
                   {(parked ? "now() - interval '29 days'" : "NULL")}
            FROM generate_series(1, {count})
            """);

    private Task InboxRowsAsync(string consumer, int count, int processedDaysAgo) =>
        _db.ExecuteAsync($"""
            INSERT INTO {Schema}.inbox (consumer, message_id, processed_at)
            SELECT '{consumer}', gen_random_uuid(), now() - interval '{processedDaysAgo} days' FROM generate_series(1, {count})
            """);

    private async Task<Dictionary<string, long>> OutboxByTypeAsync()
    {
        await using var command = _db.DataSource.CreateCommand($"SELECT message_type, count(*) FROM {Schema}.outbox GROUP BY message_type");
        var counts = new Dictionary<string, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Takedown.EventStore;
using Takedown.EventStore.Projections;
using Takedown.Testing;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Tests.EventStore;

/// <summary>Records every event it is given, with no idempotency of its own: a double apply shows as a duplicate row.</summary>
public sealed class AppliedEventsProjection(string schema) : IProjection
{
    public const string Sql = "CREATE TABLE {schema}.applied (event_id uuid NOT NULL, stream_id text NOT NULL, seq bigint NOT NULL);";

    private int _batches;

    /// <summary>The batch (1-based) that waits, after writing its rows, until cancelled: a runner stuck mid-batch.</summary>
    public int? StallOnBatch { get; set; }

    public TaskCompletionSource Stalled { get; } = new();

    public string Name => "applied-events";

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        await using var insert = new NpgsqlCommand($"INSERT INTO {schema}.applied SELECT * FROM unnest(@ids, @streams, @seqs)", connection, transaction);
        insert.Parameters.AddWithValue("ids", events.Select(e => e.EventId).ToArray());
        insert.Parameters.AddWithValue("streams", events.Select(e => e.StreamId).ToArray());
        insert.Parameters.AddWithValue("seqs", events.Select(e => e.Sequence).ToArray());
        await insert.ExecuteNonQueryAsync(ct);
        if (Interlocked.Increment(ref _batches) == StallOnBatch)
        {
            Stalled.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var truncate = new NpgsqlCommand($"TRUNCATE {schema}.applied", connection, transaction);
        await truncate.ExecuteNonQueryAsync(ct);
    }
}

public sealed record BasketView(string Id, int Items, IReadOnlyList<string> Names);

public sealed class BasketProjection(string schema, JsonSerializerOptions json)
    : SingleStreamProjection<BasketView>("baskets", $"{schema}.baskets", json)
{
    public const string Sql = "CREATE TABLE {schema}.baskets (id text PRIMARY KEY, version bigint NOT NULL, data jsonb NOT NULL, items int NOT NULL);";

    protected override bool Handles(StoredEvent e) => e.StreamId.StartsWith("basket-", StringComparison.Ordinal);

    protected override BasketView? Create(StoredEvent first) => Apply(first, new BasketView(first.StreamId, 0, []));

    protected override BasketView Apply(StoredEvent e, BasketView current) => e.Data switch
    {
        ItemAdded a => current with { Items = current.Items + a.Quantity, Names = [.. current.Names, a.Name] },
        ItemRemoved r => current with { Names = [.. current.Names.Where(n => n != r.Name)] },
        _ => current,
    };

    protected override IReadOnlyList<(string Column, object? Value)> Columns(BasketView view) => [("items", view.Items)];
}

[Collection(QuietClusterCollection.Name)]
public sealed class ProjectionTests : IAsyncLifetime
{
    private const string Schema = "proj_test";
    private TestDatabase _db = null!;
    private Store _store = null!;
    private AppliedEventsProjection _applied = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _store = CreateStore(out _applied);
        await _store.MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private Store CreateStore(out AppliedEventsProjection applied, ProjectionLifecycle baskets = ProjectionLifecycle.Async)
    {
        var options = new EventStoreOptions { Schema = Schema };
        options.Events.Map<ItemAdded>("item-added").Map<ItemRemoved>("item-removed");
        applied = new AppliedEventsProjection(Schema);
        options.Projections.Add(applied, ProjectionLifecycle.Async);
        options.Projections.Add(new BasketProjection(Schema, options.Json), baskets);
        options.ReadModelMigrations.Add(AppliedEventsProjection.Sql);
        options.ReadModelMigrations.Add(BasketProjection.Sql);
        return new Store(_db.DataSource, options, TimeProvider.System, new OutboxSignal());
    }

    private static ProjectionDaemon Daemon(Store store) => new(store, TimeProvider.System, NullLogger<ProjectionDaemon>.Instance)
    {
        PollInterval = TimeSpan.FromMilliseconds(20),
        LeadershipRetry = TimeSpan.FromMilliseconds(300),
        BatchSize = 50,
    };

    private async Task<Guid[]> AppendAsync(Store store, string stream, params object[] events)
    {
        await using var session = await store.BeginAsync(EventContext.ForSystem("test"), CancellationToken.None);
        await session.AppendAsync(stream, ExpectedVersion.Any, events, CancellationToken.None);
        await session.CommitAsync(CancellationToken.None);
        return (await store.ReadStreamAsync(stream, CancellationToken.None)).TakeLast(events.Length).Select(e => e.EventId).ToArray();
    }

    private async Task<List<Guid>> AppliedAsync()
    {
        await using var command = _db.DataSource.CreateCommand($"SELECT event_id FROM {Schema}.applied");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
            ids.Add(reader.GetGuid(0));
        return ids;
    }

    private async Task<List<Guid>> CommittedAsync()
    {
        await using var command = _db.DataSource.CreateCommand($"SELECT id FROM {Schema}.events");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
            ids.Add(reader.GetGuid(0));
        return ids;
    }

    [Fact]
    public async Task Out_of_order_commits_defeat_a_naive_reader_but_every_committed_event_is_projected_exactly_once()
    {
        var daemon = Daemon(_store);
        await daemon.StartAsync(CancellationToken.None);
        using var stopNaive = new CancellationTokenSource();
        var naive = new NaiveSequenceReader(_db.DataSource, Schema);
        var naiveRun = naive.RunAsync(stopNaive.Token);
        var rolledBack = new ConcurrentBag<Guid>();

        try
        {
            // A transaction that takes its sequence number first and commits last: held open until the naive
            // reader has moved past its sequence number.
            var slow = Task.Run(async () =>
            {
                await using var session = await _store.BeginAsync(EventContext.ForSystem("slow"), CancellationToken.None);
                await session.AppendAsync("slow-1", ExpectedVersion.NoStream, [new ItemAdded("late", 1)], CancellationToken.None);
                var mine = await MaxSeqInTransactionAsync(session);
                await Eventually.UntilAsync(() => Task.FromResult(naive.Checkpoint), c => c > mine, TimeSpan.FromSeconds(40), "the naive reader to pass the open transaction");
                await session.CommitAsync(CancellationToken.None);
            });

            // Concurrent writers: some hold their transaction open a while, some roll back.
            var writers = Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
            {
                var random = new Random(writer);
                for (var i = 0; i < 40; i++)
                {
                    await using var session = await _store.BeginAsync(EventContext.ForSystem($"writer-{writer}"), CancellationToken.None);
                    var events = Enumerable.Range(0, random.Next(1, 4)).Select(n => (object)new ItemAdded($"w{writer}-{i}-{n}", 1)).ToArray();
                    await session.AppendAsync($"stress-{random.Next(20)}", ExpectedVersion.Any, events, CancellationToken.None);
                    if (random.Next(3) == 0)
                        await Task.Delay(random.Next(20, 120));
                    if (random.Next(5) == 0)
                    {
                        await using var ids = session.CreateCommand($"SELECT id FROM {Schema}.events WHERE tx_id = pg_current_xact_id()");
                        await using (var reader = await ids.ExecuteReaderAsync())
                            while (await reader.ReadAsync())
                                rolledBack.Add(reader.GetGuid(0));
                        continue; // disposed without commit: rolled back
                    }
                    await session.CommitAsync(CancellationToken.None);
                }
            })).ToArray();
            await Task.WhenAll([.. writers, slow]);

            var committed = await CommittedAsync();
            var applied = await Eventually.UntilAsync(AppliedAsync, a => a.Count >= committed.Count, TimeSpan.FromSeconds(30), "the projection to catch up");
            await Task.Delay(300); // a double apply would show up as extra rows after catching up

            applied = await AppliedAsync();
            Assert.Equal(committed.Count, applied.Count);
            Assert.Equal(committed.Order(), applied.Order());
            Assert.Empty(applied.Intersect(rolledBack));
            Assert.NotEmpty(rolledBack);

            // The naive reader, given time, never sees the event committed behind its checkpoint.
            await Task.Delay(300);
            Assert.True(naive.Seen.Count < committed.Count, $"the naive reader saw {naive.Seen.Count} of {committed.Count}");
            Assert.DoesNotContain((await _store.ReadStreamAsync("slow-1", CancellationToken.None))[0].EventId, naive.Seen);
        }
        finally
        {
            await stopNaive.CancelAsync();
            await naiveRun;
            await daemon.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<long> MaxSeqInTransactionAsync(EventSession session)
    {
        await using var command = session.CreateCommand($"SELECT max(seq) FROM {Schema}.events WHERE tx_id = pg_current_xact_id()");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Transaction_ids_are_ordered_as_numbers_not_as_text()
    {
        // Transaction ids 9 and 10: as text, '10' sorts first, and a reader ordered that way would move its checkpoint
        // past 9 and never read it. Both must be below pg_snapshot_xmin for the daemon to read them at all, and a
        // brand-new cluster is already past 700 after initdb alone, so small ids are, where 99999 may not be yet.
        const string metadata = "{\"correlationId\":\"0195a6f2-0000-7000-8000-000000000001\",\"causationId\":\"0195a6f2-0000-7000-8000-000000000002\",\"actor\":\"test\"}";
        await _db.ExecuteAsync($$"""
            INSERT INTO {{Schema}}.streams VALUES ('basket-digits', 'basket', 2, now(), now());
            INSERT INTO {{Schema}}.events (id, stream_id, version, type, data, metadata, occurred_at, tx_id, hash) VALUES
              (gen_random_uuid(), 'basket-digits', 1, 'item-added', '{"name":"first","quantity":1}', '{{metadata}}', now(), '9', '\x00'),
              (gen_random_uuid(), 'basket-digits', 2, 'item-added', '{"name":"second","quantity":1}', '{{metadata}}', now(), '10', '\x00');
            """);
        var daemon = Daemon(_store);
        daemon.BatchSize = 1;
        await daemon.StatusAsync(CancellationToken.None); // creates the checkpoints
        async Task<object?> AppliedNamesAsync()
        {
            await using var names = _db.DataSource.CreateCommand($"SELECT string_agg(e.data->>'name', ',' ORDER BY e.version) FROM {Schema}.applied a JOIN {Schema}.events e ON e.id = a.event_id");
            return await names.ExecuteScalarAsync();
        }

        Assert.Equal(1, await daemon.ProcessBatchAsync(_applied, CancellationToken.None));
        Assert.Equal("first", await AppliedNamesAsync());
        Assert.Equal(1, await daemon.ProcessBatchAsync(_applied, CancellationToken.None));
        Assert.Equal("first,second", await AppliedNamesAsync());
        Assert.Equal(0, await daemon.ProcessBatchAsync(_applied, CancellationToken.None));
    }

    [Fact]
    public async Task A_runner_killed_mid_batch_resumes_from_its_checkpoint_without_loss_or_double_count()
    {
        for (var i = 0; i < 120; i++)
            await AppendAsync(_store, $"kill-{i % 7}", new ItemAdded($"item-{i}", 1));

        var first = Daemon(_store);
        _applied.StallOnBatch = 2;
        await first.StartAsync(CancellationToken.None);
        await _applied.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(20));   // batch 2 is written in a transaction still open
        await first.StopAsync(CancellationToken.None);                      // the host goes away mid-batch
        first.Dispose();

        Assert.Equal(50, (await AppliedAsync()).Count);                     // batch 1 committed; batch 2 rolled back

        var second = Daemon(_store);
        await second.StartAsync(CancellationToken.None);
        try
        {
            var applied = await Eventually.UntilAsync(AppliedAsync, a => a.Count >= 120, what: "the second runner to finish");
            await Task.Delay(300);
            applied = await AppliedAsync();
            Assert.Equal(120, applied.Count);
            Assert.Equal(120, applied.Distinct().Count());
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Only_one_replica_runs_a_projection_and_another_takes_over_when_it_dies()
    {
        var a = Daemon(_store);
        var b = Daemon(CreateStore(out _));
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        try
        {
            await AppendAsync(_store, "basket-lead", new ItemAdded("tea", 1));
            await Eventually.UntilAsync(async () => (await AppliedAsync()).Count, n => n == 1, what: "the first event");
            await Task.Delay(600);
            var leaders = a.LastKnownStatus.Concat(b.LastKnownStatus).Where(s => s.Name == "applied-events" && s.Leader).ToArray();
            Assert.Single(leaders);

            var (leader, follower) = a.LastKnownStatus.Any(s => s.Name == "applied-events" && s.Leader) ? (a, b) : (b, a);
            await leader.StopAsync(CancellationToken.None);
            await AppendAsync(_store, "basket-lead", new ItemAdded("rice", 1));
            await Eventually.UntilAsync(async () => (await AppliedAsync()).Count, n => n == 2, TimeSpan.FromSeconds(10), "the follower to take over");
            Assert.Contains(follower.LastKnownStatus, s => s.Name == "applied-events" && s.Leader);
        }
        finally
        {
            await a.StopAsync(CancellationToken.None);
            await b.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_rebuilt_projection_equals_the_live_one_row_for_row()
    {
        var daemon = Daemon(_store);
        await daemon.StartAsync(CancellationToken.None);
        try
        {
            for (var i = 0; i < 60; i++)
                await AppendAsync(_store, $"basket-{i % 9}", i % 5 == 4 ? new ItemRemoved($"item-{i - 1}") : new ItemAdded($"item-{i}", i % 3 + 1));
            var committed = (await CommittedAsync()).Count;
            await Eventually.UntilAsync(async () => (await AppliedAsync()).Count, n => n == committed, what: "live catch-up");
            // The baskets runner catches up on its own schedule: wait until its rows account for every event
            // (a row's version is its stream's), or the snapshot compared below could be a partial one.
            var live = await Eventually.UntilAsync(BasketRowsAsync, rows => rows.Sum(row => long.Parse(row.Split('|')[1])) == committed, what: "the live baskets to catch up");

            await daemon.RequestRebuildAsync("baskets", CancellationToken.None);
            await Eventually.UntilAsync(async () => (await daemon.StatusAsync(CancellationToken.None)).Single(s => s.Name == "baskets").RebuiltAt, at => at is not null, what: "the rebuild to start");
            var rebuilt = await Eventually.UntilAsync(BasketRowsAsync, rows => rows.SequenceEqual(live), what: "the rebuild to finish");

            Assert.Equal(9, rebuilt.Count);
            Assert.Equal(live, rebuilt);
            Assert.Equal(committed, (await AppliedAsync()).Count); // the other projection kept running, untouched
        }
        finally
        {
            await daemon.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_inline_projection_commits_with_the_append_or_not_at_all()
    {
        var store = CreateStore(out _, baskets: ProjectionLifecycle.Inline);
        await AppendAsync(store, "basket-inline", new ItemAdded("tea", 2), new ItemAdded("rice", 1));
        Assert.Equal(["basket-inline|2|3"], await BasketRowsAsync());

        await using (var session = await store.BeginAsync(EventContext.ForSystem("test"), CancellationToken.None))
            await session.AppendAsync("basket-inline", ExpectedVersion.Exactly(2), [new ItemAdded("salt", 5)], CancellationToken.None);
        Assert.Equal(["basket-inline|2|3"], await BasketRowsAsync());
    }

    [Fact]
    public async Task Lag_is_reported_in_events_and_seconds()
    {
        await AppendAsync(_store, "basket-lag", new ItemAdded("tea", 1), new ItemAdded("rice", 1));
        var daemon = Daemon(_store);
        var status = (await daemon.StatusAsync(CancellationToken.None)).Single(s => s.Name == "applied-events");
        Assert.Equal(2, status.EventsBehind);
        Assert.True(status.SecondsBehind >= 0);

        await daemon.StartAsync(CancellationToken.None);
        try
        {
            var caughtUp = await Eventually.UntilAsync(() => daemon.StatusAsync(CancellationToken.None),
                all => all.Single(s => s.Name == "applied-events").EventsBehind == 0, what: "lag to drop to zero");
            Assert.Equal(0, caughtUp.Single(s => s.Name == "applied-events").SecondsBehind);
        }
        finally
        {
            await daemon.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Readiness_fails_while_a_projection_is_behind_its_bound()
    {
        await AppendAsync(_store, "basket-stuck", new ItemAdded("tea", 1));
        await Task.Delay(50);
        _applied.StallOnBatch = 1; // the runner leads, measures its lag, then never finishes a batch
        var daemon = Daemon(_store);
        await daemon.StartAsync(CancellationToken.None);
        try
        {
            await _applied.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(20));
            var services = new ServiceCollection().AddSingleton(daemon).BuildServiceProvider();
            HealthCheckResult Check(double bound) => new Takedown.ServiceDefaults.Health.ProjectionLagHealthCheck(services,
                new ConfigurationBuilder().AddInMemoryCollection(
                    new Dictionary<string, string?> { ["Takedown:Projections:MaxLagSeconds"] = bound.ToString(System.Globalization.CultureInfo.InvariantCulture) }).Build())
                .CheckHealthAsync(new HealthCheckContext()).Result;

            var behind = Check(0.01);
            Assert.Equal(HealthStatus.Unhealthy, behind.Status);
            Assert.Contains("applied-events is 1 events / ", behind.Description);
            Assert.Equal(HealthStatus.Healthy, Check(3600).Status);
        }
        finally
        {
            await daemon.StopAsync(CancellationToken.None);
        }
    }

    private async Task<List<string>> BasketRowsAsync()
    {
        await using var command = _db.DataSource.CreateCommand($"SELECT id, version, items FROM {Schema}.baskets ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add($"{reader.GetString(0)}|{reader.GetInt64(1)}|{reader.GetInt32(2)}");
        return rows;
    }

    /// <summary>What a gap-guessing reader does: read everything above the last sequence number seen.</summary>
    private sealed class NaiveSequenceReader(NpgsqlDataSource dataSource, string schema)
    {
        private long _checkpoint;
        public long Checkpoint => Interlocked.Read(ref _checkpoint);
        public ConcurrentBag<Guid> Seen { get; } = [];

        public async Task RunAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                await using var command = dataSource.CreateCommand($"SELECT seq, id FROM {schema}.events WHERE seq > @checkpoint ORDER BY seq");
                command.Parameters.AddWithValue("checkpoint", Checkpoint);
                await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
                {
                    while (await reader.ReadAsync(CancellationToken.None))
                    {
                        Seen.Add(reader.GetGuid(1));
                        Interlocked.Exchange(ref _checkpoint, reader.GetInt64(0));
                    }
                }
                try { await Task.Delay(10, stop); }
                catch (OperationCanceledException) { }
            }
        }
    }
}

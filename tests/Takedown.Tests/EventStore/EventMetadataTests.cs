using Takedown.EventStore;
using Takedown.Testing;
using Takedown.Tests.Cases;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Tests.EventStore;

/// <summary>What every stored event says about its write: when (from the store's TimeProvider) and who and why (the session's context).</summary>
public sealed class EventMetadataTests : IAsyncLifetime
{
    // Microseconds, not ticks: PostgreSQL keeps microseconds, so this instant survives the round trip exactly.
    private static readonly DateTimeOffset Now = new DateTimeOffset(2031, 5, 4, 3, 2, 1, TimeSpan.Zero).AddTicks(1_234_560);
    private readonly ManualTimeProvider _time = new(Now);
    private TestDatabase _db = null!;
    private Store _store = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _store = EventStoreTests.CreateStore(_db, "metadata_test", _time);
        await _store.MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Occurred_at_is_the_time_providers_and_correlation_causation_actor_and_trace_round_trip()
    {
        var context = new EventContext(Guid.NewGuid(), Guid.NewGuid(), "api-key:desk@example-org", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        await using (var session = await _store.BeginAsync(context, CancellationToken.None))
        {
            // Two events take the append function, the third the one-statement path for an existing stream: both write metadata.
            await session.AppendAsync("basket-meta", ExpectedVersion.NoStream, [new ItemAdded("tea", 1), new ItemAdded("rice", 2)], CancellationToken.None);
            await session.AppendAsync("basket-meta", ExpectedVersion.Exactly(2), [new ItemRemoved("tea")], CancellationToken.None);
            await session.StageAsync(new ItemAdded("outbox", 1), CancellationToken.None);
            await session.CommitAsync(CancellationToken.None);
        }
        _time.Advance(TimeSpan.FromHours(1));   // reading later changes nothing that was stored

        var events = await _store.ReadStreamAsync("basket-meta", CancellationToken.None);
        Assert.Equal(3, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal(Now, e.OccurredAt);
            Assert.Equal(context.CorrelationId, e.CorrelationId);
            Assert.Equal(context.CausationId, e.CausationId);
            Assert.Equal(context.Actor, e.Actor);
        });

        // The raw rows: the column and the JSON an operator queries, trace included; the outbox row carries the same ids.
        await using var rows = _db.DataSource.CreateCommand(
            """
            SELECT occurred_at, metadata->>'correlationId', metadata->>'causationId', metadata->>'actor', metadata->>'traceParent'
            FROM metadata_test.events WHERE stream_id = 'basket-meta'
            """);
        await using (var reader = await rows.ExecuteReaderAsync())
        {
            var read = 0;
            while (await reader.ReadAsync())
            {
                read++;
                Assert.Equal(Now, reader.GetFieldValue<DateTimeOffset>(0));
                Assert.Equal(context.CorrelationId.ToString(), reader.GetString(1));
                Assert.Equal(context.CausationId.ToString(), reader.GetString(2));
                Assert.Equal(context.Actor, reader.GetString(3));
                Assert.Equal(context.TraceParent, reader.GetString(4));
            }
            Assert.Equal(3, read);
        }
        await using var outbox = _db.DataSource.CreateCommand("SELECT correlation_id, causation_id, trace_parent, created_at FROM metadata_test.outbox");
        await using var row = await outbox.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        Assert.Equal(context.CorrelationId, row.GetGuid(0));
        Assert.Equal(context.CausationId, row.GetGuid(1));
        Assert.Equal(context.TraceParent, row.GetString(2));
        Assert.Equal(Now, row.GetFieldValue<DateTimeOffset>(3));
    }

    [Fact]
    public async Task After_commit_actions_run_once_the_transaction_commits_and_never_after_a_rollback()
    {
        var ran = new List<string>();
        await using (var rolledBack = await _store.BeginAsync(EventContext.ForSystem("test"), CancellationToken.None))
        {
            await rolledBack.AppendAsync("basket-after", ExpectedVersion.NoStream, [new ItemAdded("tea", 1)], CancellationToken.None);
            rolledBack.AfterCommit(() => ran.Add("rolled back"));
        }
        Assert.Empty(ran);
        Assert.Empty(await _store.ReadStreamAsync("basket-after", CancellationToken.None));

        await using var committed = await _store.BeginAsync(EventContext.ForSystem("test"), CancellationToken.None);
        await committed.AppendAsync("basket-after", ExpectedVersion.NoStream, [new ItemAdded("tea", 1)], CancellationToken.None);
        committed.AfterCommit(() => ran.Add($"committed, {_store.ReadStreamAsync("basket-after", CancellationToken.None).GetAwaiter().GetResult().Count} event visible"));
        Assert.Empty(ran);
        await committed.CommitAsync(CancellationToken.None);
        Assert.Equal(["committed, 1 event visible"], ran);
    }
}

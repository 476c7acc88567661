using Takedown.EventStore;
using Takedown.Testing;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Tests.EventStore;

public sealed record ItemAdded(string Name, int Quantity);
public sealed record ItemRemoved(string Name);

public sealed class EventStoreTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private Store _store = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _store = CreateStore(_db, "store_test");
        await _store.MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    internal static Store CreateStore(TestDatabase db, string schema, TimeProvider? time = null)
    {
        var options = new EventStoreOptions { Schema = schema };
        options.Events.Map<ItemAdded>("item-added").Map<ItemRemoved>("item-removed");
        options.Messages.Map<ItemAdded>("item-added");
        return new Store(db.DataSource, options, time ?? TimeProvider.System, new OutboxSignal());
    }

    private static readonly EventContext Context = new(Guid.NewGuid(), Guid.NewGuid(), "test-actor");

    private async Task<long> AppendAsync(string stream, ExpectedVersion expected, params object[] events)
    {
        await using var session = await _store.BeginAsync(Context, CancellationToken.None);
        var version = await session.AppendAsync(stream, expected, events, CancellationToken.None);
        await session.CommitAsync(CancellationToken.None);
        return version;
    }

    [Fact]
    public async Task Appends_then_folds_the_stream_with_evolve()
    {
        await AppendAsync("basket-1", ExpectedVersion.NoStream, new ItemAdded("tea", 2), new ItemAdded("rice", 1));
        await AppendAsync("basket-1", ExpectedVersion.Exactly(2), new ItemRemoved("tea"));

        var folded = await _store.AggregateAsync<Dictionary<string, int>, object>("basket-1", [], (basket, e) =>
        {
            switch (e)
            {
                case ItemAdded a: basket[a.Name] = basket.GetValueOrDefault(a.Name) + a.Quantity; break;
                case ItemRemoved r: basket.Remove(r.Name); break;
            }
            return basket;
        }, CancellationToken.None);

        Assert.Equal(3, folded.Version);
        Assert.Equal(new Dictionary<string, int> { ["rice"] = 1 }, folded.State);
        Assert.Equal(["item-added", "item-added", "item-removed"], folded.Events.Select(e => e.Type));
        Assert.All(folded.Events, e => Assert.Equal("test-actor", e.Actor));
        Assert.All(folded.Events, e => Assert.Equal(Context.CorrelationId, e.CorrelationId));
    }

    [Fact]
    public async Task A_stale_expected_version_is_refused_with_a_concurrency_exception()
    {
        await AppendAsync("basket-2", ExpectedVersion.NoStream, new ItemAdded("tea", 1));
        await AppendAsync("basket-2", ExpectedVersion.Exactly(1), new ItemAdded("tea", 1));

        var stale = await Assert.ThrowsAsync<StreamConcurrencyException>(() => AppendAsync("basket-2", ExpectedVersion.Exactly(1), new ItemAdded("milk", 1)));
        Assert.Equal(2, stale.Actual);
        var exists = await Assert.ThrowsAsync<StreamConcurrencyException>(() => AppendAsync("basket-2", ExpectedVersion.NoStream, new ItemAdded("milk", 1)));
        Assert.Equal(2, exists.Actual);
        var missing = await Assert.ThrowsAsync<StreamConcurrencyException>(() => AppendAsync("basket-missing", ExpectedVersion.Exactly(1), new ItemAdded("milk", 1)));
        Assert.Null(missing.Actual);
        Assert.Equal(2, (await _store.ReadStreamAsync("basket-2", CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_refused_append_takes_no_sequence_number()
    {
        await AppendAsync("basket-3", ExpectedVersion.NoStream, new ItemAdded("tea", 1));
        await Assert.ThrowsAsync<StreamConcurrencyException>(() => AppendAsync("basket-3", ExpectedVersion.NoStream, new ItemAdded("tea", 1)));
        // A single event onto an existing stream takes the one-statement path; its refusal must not take a number either.
        await Assert.ThrowsAsync<StreamConcurrencyException>(() => AppendAsync("basket-3", ExpectedVersion.Exactly(5), new ItemAdded("tea", 1)));
        await AppendAsync("basket-4", ExpectedVersion.NoStream, new ItemAdded("tea", 1));

        var first = (await _store.ReadStreamAsync("basket-3", CancellationToken.None))[0].Sequence;
        var next = (await _store.ReadStreamAsync("basket-4", CancellationToken.None))[0].Sequence;
        Assert.Equal(first + 1, next);
    }

    [Fact]
    public async Task Two_writers_racing_on_one_stream_exactly_one_wins_and_versions_have_no_gap()
    {
        const int rounds = 15;
        for (var round = 0; round < rounds; round++)
        {
            var expected = round == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(round);
            var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(async writer =>
            {
                try
                {
                    await AppendAsync("race-1", expected, new ItemAdded($"writer-{writer}", round));
                    return true;
                }
                catch (StreamConcurrencyException)
                {
                    return false;
                }
            }));
            Assert.Equal(1, results.Count(won => won));
        }

        var events = await _store.ReadStreamAsync("race-1", CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, rounds).Select(v => (long)v), events.Select(e => e.Version));
    }

    [Fact]
    public async Task Many_writers_appending_with_any_version_all_land_without_gaps()
    {
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => AppendAsync("race-any", ExpectedVersion.Any, new ItemAdded($"item-{i}", i))));

        var events = await _store.ReadStreamAsync("race-any", CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 16).Select(v => (long)v), events.Select(e => e.Version));
        Assert.Equal(16, events.Select(e => ((ItemAdded)e.Data).Name).Distinct().Count());
        // A writer that lost the race re-chained from the new head, so the chain holds across every retry.
        Assert.True((await AuditChain.VerifyStreamAsync(_db.DataSource, "store_test", "race-any", CancellationToken.None)).Intact);
    }

    [Fact]
    public async Task Every_event_row_records_its_transaction_id()
    {
        await AppendAsync("basket-tx", ExpectedVersion.NoStream, new ItemAdded("tea", 1), new ItemAdded("rice", 1));
        await AppendAsync("basket-tx", ExpectedVersion.Exactly(2), new ItemAdded("salt", 1));

        await using var command = _db.DataSource.CreateCommand("SELECT tx_id::text FROM store_test.events WHERE stream_id = 'basket-tx' ORDER BY version");
        await using var reader = await command.ExecuteReaderAsync();
        var txIds = new List<ulong>();
        while (await reader.ReadAsync())
            txIds.Add(ulong.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(3, txIds.Count);
        Assert.Equal(txIds[0], txIds[1]);      // one append, one transaction
        Assert.True(txIds[2] > txIds[1]);      // a later transaction
    }

    [Fact]
    public async Task The_hash_chain_recomputes_from_the_stored_rows()
    {
        await AppendAsync("audit-1", ExpectedVersion.NoStream, new ItemAdded("عميل السفارة", 1), new ItemAdded("tea", 2));
        await AppendAsync("audit-1", ExpectedVersion.Exactly(2), new ItemRemoved("tea"));

        var result = await AuditChain.VerifyStreamAsync(_db.DataSource, "store_test", "audit-1", CancellationToken.None);
        Assert.Equal(new AuditResult("audit-1", true, 3, null, null), result);

        // The SQL function that wrote the hash and the C# verifier agree byte for byte on every row.
        await using var command = _db.DataSource.CreateCommand(
            "SELECT count(*) FROM store_test.events e WHERE e.hash = store_test.event_hash((SELECT p.hash FROM store_test.events p WHERE p.stream_id = e.stream_id AND p.version = e.version - 1), e.stream_id, e.version, e.type, e.data, e.occurred_at)");
        Assert.Equal(3L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Editing_an_event_in_SQL_breaks_the_chain_at_that_version()
    {
        await AppendAsync("audit-2", ExpectedVersion.NoStream, new ItemAdded("a", 1), new ItemAdded("b", 1), new ItemAdded("c", 1));
        await using (var tamper = _db.DataSource.CreateCommand("UPDATE store_test.events SET data = '{\"name\":\"b\",\"quantity\":99}' WHERE stream_id = 'audit-2' AND version = 2"))
            await tamper.ExecuteNonQueryAsync();

        var result = await AuditChain.VerifyStreamAsync(_db.DataSource, "store_test", "audit-2", CancellationToken.None);
        Assert.False(result.Intact);
        Assert.Equal(2, result.FirstBrokenVersion);
    }

    [Fact]
    public async Task Deleting_an_event_in_SQL_is_reported_as_the_missing_version()
    {
        await AppendAsync("audit-3", ExpectedVersion.NoStream, new ItemAdded("a", 1), new ItemAdded("b", 1), new ItemAdded("c", 1));
        await using (var tamper = _db.DataSource.CreateCommand("DELETE FROM store_test.events WHERE stream_id = 'audit-3' AND version = 3"))
            await tamper.ExecuteNonQueryAsync();

        var result = await AuditChain.VerifyStreamAsync(_db.DataSource, "store_test", "audit-3", CancellationToken.None);
        Assert.False(result.Intact);
        Assert.Equal(3, result.FirstBrokenVersion);
    }

    [Fact]
    public async Task Replicas_migrating_at_the_same_moment_do_not_race()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => CreateStore(_db, "store_race")).ToArray();
        await Task.WhenAll(stores.Select(s => s.MigrateAsync(CancellationToken.None)));

        await using var command = _db.DataSource.CreateCommand("SELECT string_agg(track || ':' || version, ',' ORDER BY version) FROM store_race.schema_migrations");
        // Each migration exactly once, in order, however many the store has (six when this test was written).
        var applied = ((string)(await command.ExecuteScalarAsync())!).Split(',');
        Assert.True(applied.Length >= 6);
        Assert.Equal(Enumerable.Range(1, applied.Length).Select(v => $"event-store:{v}"), applied);
    }

    [Fact]
    public async Task A_rolled_back_session_leaves_no_event_and_no_outbox_message()
    {
        await using (var session = await _store.BeginAsync(Context, CancellationToken.None))
        {
            await session.AppendAsync("basket-rollback", ExpectedVersion.NoStream, [new ItemAdded("tea", 1)], CancellationToken.None);
            await session.StageAsync(new ItemAdded("tea", 1), CancellationToken.None);
            // disposed without commit
        }

        Assert.Empty(await _store.ReadStreamAsync("basket-rollback", CancellationToken.None));
        await using var command = _db.DataSource.CreateCommand("SELECT count(*) FROM store_test.outbox");
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task An_inline_projection_sees_the_stored_sequence_numbers_from_either_form_of_append()
    {
        var seen = new SequenceRecorder();
        var options = new EventStoreOptions { Schema = "store_inline_seq" };
        options.Events.Map<ItemAdded>("item-added").Map<ItemRemoved>("item-removed");
        options.Projections.Add(seen, Takedown.EventStore.Projections.ProjectionLifecycle.Inline);
        var store = new Store(_db.DataSource, options, TimeProvider.System, new OutboxSignal());
        await store.MigrateAsync(CancellationToken.None);

        async Task Append(ExpectedVersion expected, params object[] events)
        {
            await using var session = await store.BeginAsync(Context, CancellationToken.None);
            await session.AppendAsync("basket-seq", expected, events, CancellationToken.None);
            await session.CommitAsync(CancellationToken.None);
        }
        await Append(ExpectedVersion.NoStream, new ItemAdded("tea", 1), new ItemAdded("rice", 2)); // the function, a new stream
        await Append(ExpectedVersion.Exactly(2), new ItemRemoved("tea"));                          // one statement
        await Append(ExpectedVersion.Any, new ItemAdded("salt", 1), new ItemAdded("oil", 1));      // the function, a batch

        var stored = (await store.ReadStreamAsync("basket-seq", CancellationToken.None)).Select(e => (e.Version, e.Sequence)).ToArray();
        Assert.Equal(5, stored.Length);
        Assert.Equal(stored, seen.Events.ToArray());
    }

    private sealed class SequenceRecorder : Takedown.EventStore.Projections.IProjection
    {
        public List<(long Version, long Sequence)> Events { get; } = [];

        public string Name => "sequence-recorder";

        public Task ApplyAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct)
        {
            Events.AddRange(events.Select(e => (e.Version, e.Sequence)));
            return Task.CompletedTask;
        }

        public Task ResetAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction, CancellationToken ct) => Task.CompletedTask;
    }
}

using JasperFx;
using Marten;
using Npgsql;
using Takedown.EventStore;
using Takedown.Testing;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Tests.EventStore;

public sealed class EventStoreTests : IAsyncLifetime
{
    private const string Schema = "store_test";
    private TestDatabase _db = null!;
    private DocumentStore _documents = null!;
    private Store _store = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        (_documents, _store) = BasketStores.Create(_db, Schema);
        await _store.MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _documents.Dispose();
        await _db.DisposeAsync();
    }

    private static string NewBasket() => $"basket-{Guid.NewGuid()}";

    private async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        foreach (var p in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        return (T)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task The_write_path_decides_on_the_folded_state_and_appends_what_it_decided()
    {
        var basket = NewBasket();
        await _store.AddAsync(basket, new ItemAdded("rope", 2));

        await using var session = _store.Begin(EventContext.ForSystem("test"));
        var decided = await session.DecideAsync(Basket.Aggregate, basket, null,
            state => state.Items >= 2 ? [new ItemAdded("tape", 1), new ItemRemoved("rope")] : [], CancellationToken.None);
        await session.CommitAsync(CancellationToken.None);

        Assert.Equal(1, decided.PreviousVersion);
        Assert.Equal(3, decided.Version);
        Assert.Equal(3, decided.State.Items);
        Assert.Equal(["tape"], decided.State.Names);
        var read = await _store.AggregateAsync(Basket.Aggregate, basket, CancellationToken.None);
        Assert.Equal(3, read.State.Items);
        Assert.Equal(["tape"], read.State.Names);
        Assert.Equal(3, read.Version);
        Assert.Equal(["item-added", "item-added", "item-removed"], read.Events.Select(e => e.EventTypeName));
    }

    [Fact]
    public async Task A_decision_with_no_events_appends_nothing()
    {
        var basket = NewBasket();
        await _store.AddAsync(basket, new ItemAdded("rope", 1));
        await using var session = _store.Begin(EventContext.ForSystem("test"));
        var decided = await session.DecideAsync(Basket.Aggregate, basket, 1, _ => [], CancellationToken.None);
        await session.CommitAsync(CancellationToken.None);

        Assert.Equal(1, decided.Version);
        Assert.Empty(decided.NewEvents);
        Assert.Equal(1L, await ScalarAsync<long>($"SELECT count(*) FROM {Schema}.mt_events WHERE stream_id = $1", basket));
    }

    [Fact]
    public async Task A_stale_expected_version_is_refused_and_nothing_is_written()
    {
        var basket = NewBasket();
        await _store.AddAsync(basket, new ItemAdded("rope", 1), new ItemAdded("tape", 1));

        await using var session = _store.Begin(EventContext.ForSystem("test"));
        var stale = await Assert.ThrowsAnyAsync<ConcurrencyException>(async () =>
        {
            await session.DecideAsync(Basket.Aggregate, basket, 1, _ => [new ItemRemoved("rope")], CancellationToken.None);
            await session.CommitAsync(CancellationToken.None);
        });

        Assert.Contains("2", stale.Message, StringComparison.Ordinal);
        Assert.Equal(2L, await ScalarAsync<long>($"SELECT count(*) FROM {Schema}.mt_events WHERE stream_id = $1", basket));
    }

    [Fact]
    public async Task Two_writers_that_read_the_same_version_cannot_both_commit_and_the_stream_never_forks()
    {
        var basket = NewBasket();
        await _store.AddAsync(basket, new ItemAdded("rope", 1));

        await using var first = _store.Begin(EventContext.ForSystem("first"));
        await using var second = _store.Begin(EventContext.ForSystem("second"));
        await first.DecideAsync(Basket.Aggregate, basket, null, _ => [new ItemAdded("first", 1)], CancellationToken.None);
        await second.DecideAsync(Basket.Aggregate, basket, null, _ => [new ItemAdded("second", 1)], CancellationToken.None);
        await first.CommitAsync(CancellationToken.None);
        await Assert.ThrowsAnyAsync<ConcurrencyException>(() => second.CommitAsync(CancellationToken.None));

        var read = await _store.AggregateAsync(Basket.Aggregate, basket, CancellationToken.None);
        Assert.Equal(["rope", "first"], read.State.Names);
        Assert.Equal([1L, 2L], read.Events.Select(e => e.Version));
    }

    [Fact]
    public async Task Many_concurrent_writers_on_one_stream_retrying_on_conflict_all_land_without_gaps()
    {
        var basket = NewBasket();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async writer =>
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await _store.AddAsync(basket, new ItemAdded($"w{writer}", 1));
                    return;
                }
                catch (ConcurrencyException) when (attempt < 50)
                {
                }
            }
        }));

        var read = await _store.AggregateAsync(Basket.Aggregate, basket, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 8).Select(v => (long)v), read.Events.Select(e => e.Version));
        Assert.Equal(8, read.State.Items);
        Assert.True((await AuditChain.VerifyStreamAsync(_db.DataSource, Schema, basket, CancellationToken.None)).Intact);
    }

    [Fact]
    public async Task Correlation_causation_actor_and_trace_parent_are_stored_with_every_event()
    {
        var basket = NewBasket();
        var context = new EventContext(Guid.NewGuid(), Guid.NewGuid(), "api-key:desk@tech-for-peace", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        await using (var session = _store.Begin(context))
        {
            await session.DecideAsync(Basket.Aggregate, basket, null, _ => [new ItemAdded("rope", 1), new ItemAdded("tape", 1)], CancellationToken.None);
            await session.CommitAsync(CancellationToken.None);
        }

        var events = await _store.ReadStreamAsync(basket, CancellationToken.None);
        Assert.Equal(2, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal(context.CorrelationId.ToString(), e.CorrelationId);
            Assert.Equal(context.CausationId.ToString(), e.CausationId);
            Assert.Equal("api-key:desk@tech-for-peace", e.Actor());
            Assert.Equal(context.TraceParent, e.TraceParent());
        });
    }

    [Fact]
    public async Task After_commit_actions_run_once_the_unit_of_work_commits_and_never_when_it_fails()
    {
        var basket = NewBasket();
        var ran = 0;
        await using (var session = _store.Begin(EventContext.ForSystem("test")))
        {
            await session.DecideAsync(Basket.Aggregate, basket, null, _ => [new ItemAdded("rope", 1)], CancellationToken.None);
            session.AfterCommit(() => ran++);
            Assert.Equal(0, ran);
            await session.CommitAsync(CancellationToken.None);
        }
        Assert.Equal(1, ran);

        await using (var stale = _store.Begin(EventContext.ForSystem("test")))
        {
            await stale.DecideAsync(Basket.Aggregate, basket, null, _ => [new ItemAdded("tape", 1)], CancellationToken.None);
            stale.AfterCommit(() => ran++);
            await _store.AddAsync(basket, new ItemAdded("someone else's", 1));
            await Assert.ThrowsAnyAsync<ConcurrencyException>(() => stale.CommitAsync(CancellationToken.None));
        }
        Assert.Equal(1, ran);
    }

    [Fact]
    public async Task A_failed_unit_of_work_leaves_no_event_and_no_outbox_message()
    {
        var basket = NewBasket();
        await _store.AddAsync(basket, new ItemAdded("rope", 1));
        await using (var session = _store.Begin(EventContext.ForSystem("test")))
        {
            await session.DecideAsync(Basket.Aggregate, basket, 1, _ => [new ItemAdded("tape", 1)], CancellationToken.None);
            session.Stage(new ItemAdded("tape", 1));
            await _store.AddAsync(basket, new ItemAdded("someone else's", 1));
            await Assert.ThrowsAnyAsync<ConcurrencyException>(() => session.CommitAsync(CancellationToken.None));
        }

        Assert.Equal(2L, await ScalarAsync<long>($"SELECT count(*) FROM {Schema}.mt_events WHERE stream_id = $1", basket));
        Assert.Equal(0L, await ScalarAsync<long>($"SELECT count(*) FROM {Schema}.outbox"));
    }

    [Fact]
    public async Task Of_two_concurrent_deliveries_of_one_message_the_second_to_commit_is_a_duplicate_and_changes_nothing()
    {
        var basket = NewBasket();
        var messageId = Guid.NewGuid();
        await using var first = _store.Begin(EventContext.ForSystem("first"));
        await using var second = _store.Begin(EventContext.ForSystem("second"));
        // Both pass the inbox check before either commits, as two consumers given the same redelivered message would.
        Assert.True(await first.TryRecordInboxAsync("test-consumer", messageId, CancellationToken.None));
        Assert.True(await second.TryRecordInboxAsync("test-consumer", messageId, CancellationToken.None));
        await first.DecideAsync(Basket.Aggregate, basket, null, _ => [new ItemAdded("first", 1)], CancellationToken.None);
        await second.DecideAsync(Basket.Aggregate, $"{basket}-other", null, _ => [new ItemAdded("second", 1)], CancellationToken.None);
        await first.CommitAsync(CancellationToken.None);

        await Assert.ThrowsAsync<DuplicateDeliveryException>(() => second.CommitAsync(CancellationToken.None));
        Assert.Equal(0L, await ScalarAsync<long>($"SELECT count(*) FROM {Schema}.mt_events WHERE stream_id = $1", $"{basket}-other"));
        Assert.Equal(1L, await ScalarAsync<long>($"SELECT count(*) FROM {Schema}.inbox WHERE message_id = $1", messageId));
    }

    [Fact]
    public async Task Every_event_is_chained_to_its_predecessor_and_the_chain_recomputes_from_the_rows()
    {
        var basket = NewBasket();
        await _store.AddAsync(basket, new ItemAdded("rope", 1), new ItemAdded("tape", 2));
        await _store.AddAsync(basket, new ItemRemoved("rope"));

        var result = await AuditChain.VerifyStreamAsync(_db.DataSource, Schema, basket, CancellationToken.None);

        Assert.Equal(new AuditResult(basket, true, 3, null, null), result);
        // Each link is the documented SHA-256 over the previous link and the row, recomputed here by hand for version 1.
        await using var command = _db.DataSource.CreateCommand(
            $"SELECT type, data::text, (extract(epoch FROM timestamp) * 1000000)::bigint, headers->>'hash' FROM {Schema}.mt_events WHERE stream_id = $1 AND version = 1");
        command.Parameters.Add(new NpgsqlParameter { Value = basket });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var expected = AuditChain.Hash([], basket, 1, reader.GetString(0), reader.GetString(1), reader.GetInt64(2));
        Assert.Equal(Convert.ToHexStringLower(expected), reader.GetString(3));
    }

    [Theory]
    [InlineData("UPDATE {schema}.mt_events SET data = jsonb_set(data, '{quantity}', '99') WHERE stream_id = $1 AND version = 2", 2L, "hash of version 2")]
    [InlineData("UPDATE {schema}.mt_events SET timestamp = timestamp - interval '1 day' WHERE stream_id = $1 AND version = 3", 3L, "hash of version 3")]
    [InlineData("DELETE FROM {schema}.mt_events WHERE stream_id = $1 AND version = 2", 2L, "event version 2 is missing")]
    [InlineData("DELETE FROM {schema}.mt_events WHERE stream_id = $1 AND version = 4", 4L, "stream is at version 4 but only 3 events remain")]
    public async Task Tampering_in_SQL_is_found_at_the_version_it_touched(string tamper, long brokenAt, string problem)
    {
        var basket = NewBasket();
        await _store.AddAsync(basket, new ItemAdded("rope", 1), new ItemAdded("tape", 2), new ItemAdded("knife", 1), new ItemRemoved("rope"));
        var untouched = NewBasket();
        await _store.AddAsync(untouched, new ItemAdded("rope", 1));

        await using (var command = _db.DataSource.CreateCommand(tamper.Replace("{schema}", Schema, StringComparison.Ordinal)))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = basket });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var results = new List<AuditResult>();
        await foreach (var result in AuditChain.VerifySchemaAsync(_db.DataSource, Schema, CancellationToken.None))
            results.Add(result);
        var broken = Assert.Single(results, r => !r.Intact);
        Assert.Equal(basket, broken.StreamId);
        Assert.Equal(brokenAt, broken.FirstBrokenVersion);
        Assert.StartsWith(problem, broken.Problem, StringComparison.Ordinal);
        Assert.Contains(results, r => r.StreamId == untouched && r.Intact);
    }

    [Fact]
    public async Task An_event_inserted_in_SQL_without_the_trigger_breaks_the_chain_at_its_version()
    {
        var basket = NewBasket();
        await _store.AddAsync(basket, new ItemAdded("rope", 1));
        // Someone with database access disables the trigger and slips in an event with a made-up link.
        await using (var insert = _db.DataSource.CreateCommand(
            $$"""
            ALTER TABLE {{Schema}}.mt_events DISABLE TRIGGER USER;
            INSERT INTO {{Schema}}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, headers)
            VALUES (nextval('{{Schema}}.mt_events_sequence'), gen_random_uuid(), @basket, 2, '{"name":"forged","quantity":1}', 'item-added', now(), '{"hash":"00"}');
            UPDATE {{Schema}}.mt_streams SET version = 2 WHERE id = @basket;
            ALTER TABLE {{Schema}}.mt_events ENABLE TRIGGER USER;
            """))
        {
            insert.Parameters.AddWithValue("basket", basket);
            await insert.ExecuteNonQueryAsync();
        }

        var result = await AuditChain.VerifyStreamAsync(_db.DataSource, Schema, basket, CancellationToken.None);
        Assert.False(result.Intact);
        Assert.Equal(2, result.FirstBrokenVersion);
    }

    [Fact]
    public async Task Start_up_puts_a_dropped_chain_trigger_back_and_refuses_to_run_with_it_disabled()
    {
        await using (var drop = _db.DataSource.CreateCommand($"DROP TRIGGER td_event_chain ON {Schema}.mt_events"))
            await drop.ExecuteNonQueryAsync();
        Assert.False(await EventChain.IsInstalledAsync(_db.DataSource, Schema, CancellationToken.None));
        var (documents, store) = BasketStores.Create(_db, Schema);
        using (documents)
        {
            await store.MigrateAsync(CancellationToken.None);
            Assert.True(await EventChain.IsInstalledAsync(_db.DataSource, Schema, CancellationToken.None));
        }

        await using (var disable = _db.DataSource.CreateCommand($"ALTER TABLE {Schema}.mt_events DISABLE TRIGGER td_event_chain"))
            await disable.ExecuteNonQueryAsync();
        var (again, restarted) = BasketStores.Create(_db, Schema);
        using (again)
            await Assert.ThrowsAsync<EventChainMissingException>(() => restarted.MigrateAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Replicas_migrating_at_the_same_moment_do_not_race()
    {
        var fresh = $"{Schema}_race";
        var stores = Enumerable.Range(0, 3).Select(_ => BasketStores.Create(_db, fresh)).ToArray();
        try
        {
            await Task.WhenAll(stores.Select(s => s.Store.MigrateAsync(CancellationToken.None)));
            Assert.True(await EventChain.IsInstalledAsync(_db.DataSource, fresh, CancellationToken.None));
            await stores[0].Store.AddAsync("basket-1", new ItemAdded("rope", 1));
            Assert.True((await AuditChain.VerifyStreamAsync(_db.DataSource, fresh, "basket-1", CancellationToken.None)).Intact);
        }
        finally
        {
            foreach (var (documents, _) in stores)
                documents.Dispose();
        }
    }
}

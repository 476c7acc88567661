using Takedown.Testing;
using Takedown.EventStore;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Cli.Tests;

public sealed record ItemAdded(string Name, int Quantity);
public sealed record ItemRemoved(string Name);

/// <summary>Writes streams through the real event store, so the hashes are the ones production writes.</summary>
public static class AuditStreams
{
    private static readonly EventContext Context = new(Guid.NewGuid(), Guid.NewGuid(), "audit-test");

    /// <summary>bank-removed (1 event), case-a (3), case-b (2): 3 streams, 6 events, in stream id order.</summary>
    public static async Task CreateAsync(TestDatabase db, string schema)
    {
        var options = new EventStoreOptions { Schema = schema };
        options.Events.Map<ItemAdded>("item-added").Map<ItemRemoved>("item-removed");
        var store = new Store(db.DataSource, options, TimeProvider.System, new OutboxSignal());
        await store.MigrateAsync(CancellationToken.None);

        await AppendAsync(store, "case-a", ExpectedVersion.NoStream, new ItemAdded("عميل السفارة", 1), new ItemAdded("tea", 2));
        await AppendAsync(store, "case-b", ExpectedVersion.NoStream, new ItemAdded("rice", 1));
        await AppendAsync(store, "case-a", ExpectedVersion.Exactly(2), new ItemRemoved("tea"));
        await AppendAsync(store, "bank-removed", ExpectedVersion.NoStream, new ItemAdded("fingerprint", 1));
        await AppendAsync(store, "case-b", ExpectedVersion.Exactly(1), new ItemAdded("salt", 3));
    }

    private static async Task AppendAsync(Store store, string stream, ExpectedVersion expected, params object[] events)
    {
        await using var session = await store.BeginAsync(Context, CancellationToken.None);
        await session.AppendAsync(stream, expected, events, CancellationToken.None);
        await session.CommitAsync(CancellationToken.None);
    }
}

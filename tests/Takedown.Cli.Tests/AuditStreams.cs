using Marten;
using Takedown.EventStore;
using Takedown.Testing;

namespace Takedown.Cli.Tests;

public sealed record ItemAdded(string Name, int Quantity);
public sealed record ItemRemoved(string Name);

/// <summary>Writes streams through a Marten store configured as the services' are, so the hashes are the ones production writes.</summary>
public static class AuditStreams
{
    /// <summary>bank-removed (1 event), case-a (3), case-b (2): 3 streams, 6 events, in stream id order.</summary>
    public static async Task CreateAsync(TestDatabase db, string schema)
    {
        using var store = await StoreAsync(db, schema);
        await AppendAsync(store, "case-a", new ItemAdded("عميل السفارة", 1), new ItemAdded("tea", 2));
        await AppendAsync(store, "case-b", new ItemAdded("rice", 1));
        await AppendAsync(store, "case-a", new ItemRemoved("tea"));
        await AppendAsync(store, "bank-removed", new ItemAdded("fingerprint", 1));
        await AppendAsync(store, "case-b", new ItemAdded("salt", 3));
    }

    /// <summary>Appends to one stream of a schema <see cref="CreateAsync"/> made, through the same store settings.</summary>
    public static async Task AppendAsync(TestDatabase db, string schema, string stream, params object[] events)
    {
        using var store = await StoreAsync(db, schema);
        await AppendAsync(store, stream, events);
    }

    private static async Task<DocumentStore> StoreAsync(TestDatabase db, string schema)
    {
        var options = new StoreOptions();
        options.Connection(db.DataSource);
        ServiceCollectionExtensions.Configure(options, schema);
        options.Events.MapEventType<ItemAdded>("item-added");
        options.Events.MapEventType<ItemRemoved>("item-removed");
        var store = new DocumentStore(options);
        await ServiceCollectionExtensions.MigrateAsync(store, db.DataSource, schema, CancellationToken.None);
        return store;
    }

    private static async Task AppendAsync(IDocumentStore store, string stream, params object[] events)
    {
        await using var session = store.LightweightSession();
        session.Events.Append(stream, events);
        await session.SaveChangesAsync();
    }
}

using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using Takedown.EventStore;
using Takedown.Testing;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Tests.EventStore;

public sealed record ItemAdded(string Name, int Quantity);
public sealed record ItemRemoved(string Name);

/// <summary>The event-store tests' aggregate: a basket of items, with a decider's Evolve like the services' own.</summary>
public sealed record Basket(string StreamId, int Items, IReadOnlyList<string> Names)
{
    public static readonly StreamAggregate<Basket, object> Aggregate = new(id => new Basket(id, 0, []), Evolve);

    public static Basket Evolve(Basket state, object e) => e switch
    {
        ItemAdded a => state with { Items = state.Items + a.Quantity, Names = [.. state.Names, a.Name] },
        ItemRemoved r => state with { Names = [.. state.Names.Where(n => n != r.Name)] },
        _ => state,
    };
}

/// <summary>An async per-stream read model of baskets, folded with the decider's Evolve like the case list.</summary>
public sealed class BasketView
{
    public string Id { get; set; } = "";
    public int Items { get; set; }
    public List<string> Names { get; set; } = [];
    public long Version { get; set; }
}

public sealed class BasketViewProjection : SingleStreamProjection<BasketView, string>
{
    public BasketViewProjection() => Name = "basket-views";

    public override BasketView? Evolve(BasketView? snapshot, string id, IEvent e)
    {
        var folded = Basket.Evolve(new Basket(id, snapshot?.Items ?? 0, snapshot?.Names ?? []), e.Data);
        return new BasketView { Id = id, Items = folded.Items, Names = [.. folded.Names], Version = e.Version };
    }
}

/// <summary>Builds a service-shaped store (the project's Marten settings, baskets) on a test database, without a host.</summary>
public static class BasketStores
{
    public static (DocumentStore Documents, Store Store) Create(
        TestDatabase db, string schema, Action<StoreOptions>? configure = null, Action<EventStoreOptions>? options = null)
    {
        var marten = new StoreOptions();
        marten.Connection(db.DataSource);
        ServiceCollectionExtensions.Configure(marten, schema);
        marten.Events.MapEventType<ItemAdded>("item-added");
        marten.Events.MapEventType<ItemRemoved>("item-removed");
        marten.Projections.Add(Basket.Aggregate, ProjectionLifecycle.Live);
        configure?.Invoke(marten);
        var storeOptions = new EventStoreOptions { Schema = schema };
        storeOptions.Messages.Map<ItemAdded>("item-added");
        options?.Invoke(storeOptions);
        var documents = new DocumentStore(marten);
        return (documents, new Store(documents, db.DataSource, storeOptions, TimeProvider.System, new OutboxSignal()));
    }

    /// <summary>Adds <paramref name="events"/> to a basket through the write path, at whatever version it is.</summary>
    public static async Task<Decided<Basket, object>> AddAsync(this Store store, string streamId, params object[] events)
    {
        await using var session = store.Begin(EventContext.ForSystem("test"));
        var decided = await session.DecideAsync(Basket.Aggregate, streamId, null, _ => events, CancellationToken.None);
        await session.CommitAsync(CancellationToken.None);
        return decided;
    }
}

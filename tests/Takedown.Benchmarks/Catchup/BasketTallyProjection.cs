using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using Takedown.Benchmarks.Append;

namespace Takedown.Benchmarks.Catchup;

/// <summary>One basket's tally, as the decider folds it; <see cref="Items"/> is also a column, as the services' filter fields are.</summary>
public sealed record BasketTally(string Id, long Version, int Items, int Events, string? LastItem)
{
    public static BasketTally Of(string id, long version, Basket basket) => new(id, version, basket.Items, basket.Events, basket.LastItem);
}

/// <summary>
/// A per-stream read model shaped like the services' (CaseSummaryProjection): a document per stream folded with the
/// decider's Evolve and a duplicated column. The document keeps the same size however long the stream, so the timing
/// measures the daemon rather than ever-larger JSON.
/// </summary>
public sealed class BasketTallyProjection : SingleStreamProjection<BasketTally, string>
{
    public const string ProjectionName = "basket-tally";

    public BasketTallyProjection(int batchSize)
    {
        Name = ProjectionName;
        Options.BatchSize = batchSize;
    }

    public static void Register(StoreOptions options, int batchSize)
    {
        options.Projections.Add(new BasketTallyProjection(batchSize), ProjectionLifecycle.Async);
        options.Schema.For<BasketTally>().Duplicate(x => x.Items);
    }

    public override BasketTally? Evolve(BasketTally? snapshot, string id, IEvent e) => e.Data is ItemAdded added
        ? BasketTally.Of(id, e.Version, Basket.Evolve(snapshot is null ? Basket.Aggregate.Initial(id) : new Basket(snapshot.Items, snapshot.Events, snapshot.LastItem), added))
        : snapshot;
}

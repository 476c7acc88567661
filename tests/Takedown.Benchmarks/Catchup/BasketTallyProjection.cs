using System.Text.Json;
using Takedown.Benchmarks.Append;
using Takedown.EventStore;
using Takedown.EventStore.Projections;

namespace Takedown.Benchmarks.Catchup;

public sealed record BasketTally(string Id, int Items, int Events, string? LastItem);

/// <summary>
/// A per-stream view with a counter column, like the tests' BasketProjection, but without its growing list of
/// names: the view stays the same size, so the timing measures the daemon rather than ever-larger JSON documents.
/// </summary>
public sealed class BasketTallyProjection(string schema, JsonSerializerOptions json)
    : SingleStreamProjection<BasketTally>("basket-tally", $"{schema}.basket_tally", json)
{
    public const string Sql = "CREATE TABLE {schema}.basket_tally (id text PRIMARY KEY, version bigint NOT NULL, data jsonb NOT NULL, items int NOT NULL);";

    protected override BasketTally? Create(StoredEvent first) => Apply(first, new BasketTally(first.StreamId, 0, 0, null));

    protected override BasketTally Apply(StoredEvent e, BasketTally current) => e.Data switch
    {
        ItemAdded a => current with { Items = current.Items + a.Quantity, Events = current.Events + 1, LastItem = a.Name },
        _ => current,
    };

    protected override IReadOnlyList<(string Column, object? Value)> Columns(BasketTally view) => [("items", view.Items)];
}

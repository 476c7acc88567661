using Takedown.EventStore;

namespace Takedown.Benchmarks.Append;

public sealed record ItemAdded(string Name, int Quantity);

/// <summary>
/// The benchmarks' decider state: a fixed-size tally rather than a growing list of names, so that folding a stream
/// costs the same per event however many items it holds.
/// </summary>
public sealed record Basket(int Items, int Events, string? LastItem)
{
    public static readonly StreamAggregate<Basket, ItemAdded> Aggregate = new(_ => new Basket(0, 0, null), Evolve);

    /// <summary>Adds <paramref name="count"/> items, named after their position in the basket.</summary>
    public static IReadOnlyList<ItemAdded> Decide(int count, Basket state) =>
        [.. Enumerable.Range(1, count).Select(i => new ItemAdded($"item-{state.Events + i}", 1))];

    public static Basket Evolve(Basket state, ItemAdded e) =>
        state with { Items = state.Items + e.Quantity, Events = state.Events + 1, LastItem = e.Name };
}

namespace Takedown.Tests;

/// <summary>
/// Classes that run alone, after the parallel ones. Readers of the event log stop below the cluster's oldest running
/// transaction (pg_snapshot_xmin), so another class's deliberately long transactions, even in another database, hold
/// them back: tests that time such a reader, or count what one batch read, need the cluster to themselves.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class QuietClusterCollection
{
    public const string Name = "quiet-cluster";
}

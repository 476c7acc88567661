using Npgsql;

namespace Takedown.EventStore.Projections;

public enum ProjectionLifecycle
{
    /// <summary>Applied in the same transaction as the append: the read model is never behind its events.</summary>
    Inline,
    /// <summary>Applied by the projection daemon, in commit order, after the append.</summary>
    Async,
}

/// <summary>A read model fed by events. Apply must be idempotent per event for projections outside PostgreSQL.</summary>
public interface IProjection
{
    /// <summary>Stable name: the checkpoint's key.</summary>
    string Name { get; }

    /// <summary>Applies a batch in the caller's transaction (the checkpoint moves in the same transaction).</summary>
    Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken ct);

    /// <summary>Empties the read model before a rebuild replays every event.</summary>
    Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct);
}

public sealed record RegisteredProjection(IProjection Projection, ProjectionLifecycle Lifecycle);

public sealed class ProjectionRegistry
{
    private readonly List<RegisteredProjection> _all = [];

    public ProjectionRegistry Add(IProjection projection, ProjectionLifecycle lifecycle)
    {
        if (_all.Any(p => p.Projection.Name == projection.Name))
            throw new InvalidOperationException($"A projection named '{projection.Name}' is already registered.");
        _all.Add(new RegisteredProjection(projection, lifecycle));
        return this;
    }

    public IReadOnlyList<RegisteredProjection> All => _all;
    public IEnumerable<IProjection> Inline => _all.Where(p => p.Lifecycle == ProjectionLifecycle.Inline).Select(p => p.Projection);
    public IEnumerable<IProjection> Async => _all.Where(p => p.Lifecycle == ProjectionLifecycle.Async).Select(p => p.Projection);
}

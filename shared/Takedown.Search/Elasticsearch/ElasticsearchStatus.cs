namespace Takedown.Search.Elasticsearch;

/// <summary>
/// What the service last saw of Elasticsearch, for readiness and the admin endpoint: whether its templates and alias are
/// in place, and the last failure while they are not or while indexing is waiting for the node. Search and indexing
/// degrade with it; nothing else in the service does.
/// </summary>
public sealed class ElasticsearchStatus(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private State _state = new(false, null, null, null);

    /// <param name="Ready">Templates put and the content alias found or created.</param>
    /// <param name="Problem">Why Elasticsearch cannot be used right now; null while it answers.</param>
    public sealed record State(bool Ready, string? Problem, DateTimeOffset? ProblemSince, DateTimeOffset? LastSuccessAt);

    public State Current
    {
        get { lock (_lock) return _state; }
    }

    /// <summary>Completes once the templates and the alias are in place: writing before would create an index by accident.</summary>
    public Task WaitUntilReadyAsync(CancellationToken ct) => _ready.Task.WaitAsync(ct);

    public void BootstrapCompleted()
    {
        lock (_lock) _state = _state with { Ready = true, Problem = null, ProblemSince = null, LastSuccessAt = time.GetUtcNow() };
        _ready.TrySetResult();
    }

    public void Succeeded()
    {
        lock (_lock) _state = _state with { Problem = null, ProblemSince = null, LastSuccessAt = time.GetUtcNow() };
    }

    public void Failed(string problem)
    {
        lock (_lock) _state = _state with { Problem = problem, ProblemSince = _state.ProblemSince ?? time.GetUtcNow() };
    }
}

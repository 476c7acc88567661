using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Services;
using Marten.Subscriptions;
using Takedown.Reporting.Cases;
using Takedown.Search;
using Takedown.Search.Elasticsearch;
using Takedown.ServiceDefaults.Telemetry;

namespace Takedown.Reporting.Search.Elasticsearch;

/// <summary>
/// An item Elasticsearch refused for good, kept beside the subscription's progress (same transaction) so that none is
/// silently dropped: shown on GET /api/v1/admin/search and counted in <c>takedown.search.index_failures</c>.
/// Id "{target}:{id}:{version}": a replay that fails the same way overwrites its own record.
/// </summary>
public sealed record SearchIndexFailure(
    string Id, string Target, string DocumentId, Guid ContentId, long Version, int Status, string? ErrorType, string? Reason, DateTimeOffset FailedAt)
{
    public static SearchIndexFailure Of(IndexItemFailure failure, DateTimeOffset at) => new(
        $"{failure.Target}:{failure.Id}:{failure.Version}", failure.Target, failure.Id, failure.ContentId, failure.Version,
        failure.Status, failure.ErrorType, failure.Reason, at);
}

/// <summary>
/// Indexing as a Marten subscription in the async daemon: for each page of events, every case stream touched is read
/// whole, its content document (at the stream's current version) and a timeline document per event of the page are
/// bulk written. The page's progress is committed only after Elasticsearch has settled every item, so while it is away
/// the subscription waits (retrying) and the rest of the service — consumers, projections — runs on.
/// </summary>
public sealed class SearchIndexer : SubscriptionBase
{
    public const string SubscriptionName = "search-index";
    public static readonly System.Diagnostics.Metrics.Counter<long> IndexFailures = TakedownTelemetry.Meter.CreateCounter<long>(
        "takedown.search.index_failures", "{item}", "Items Elasticsearch refused for good (recorded as SearchIndexFailure), by target and error type.");

    private readonly SearchIndexWriter _writer;
    private readonly ElasticsearchStatus _status;
    private readonly TimeProvider _time;

    public SearchIndexer(SearchIndexWriter writer, ElasticsearchStatus status, TimeProvider time)
    {
        _writer = writer;
        _status = status;
        _time = time;
        Name = SubscriptionName;
        Options.BatchSize = 500;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var caseEvents = page.Events.Where(IsCaseEvent).ToArray();
        if (caseEvents.Length == 0)
            return NullChangeListener.Instance;

        await _status.WaitUntilReadyAsync(cancellationToken);
        var inPage = caseEvents.Select(e => e.Sequence).ToHashSet();
        var now = _time.GetUtcNow();
        var contents = new List<ContentDocument>();
        var timeline = new List<CaseEventDocument>();
        foreach (var stream in caseEvents.Select(e => e.StreamKey!).Distinct(StringComparer.Ordinal))
        {
            var events = await operations.Events.FetchStreamAsync(stream, token: cancellationToken);
            var built = CaseSearchDocuments.Build(stream, events, e => inPage.Contains(e.Sequence), now);
            contents.Add(built.Content);
            timeline.AddRange(built.Timeline);
        }

        var outcome = await _writer.WriteAsync(contents, timeline, cancellationToken);
        foreach (var failure in outcome.Failures)
            operations.Store(SearchIndexFailure.Of(failure, now));
        return outcome.Failures.Count == 0 ? NullChangeListener.Instance : new CountFailuresOnCommit(outcome.Failures);
    }

    internal static bool IsCaseEvent(IEvent e) =>
        e.Data is ICaseEvent && e.StreamKey?.StartsWith(TakedownCase.StreamPrefix, StringComparison.Ordinal) == true;

    // Counted once committed: a page rolled back and processed again must not count its failures twice.
    private sealed class CountFailuresOnCommit(IReadOnlyList<IndexItemFailure> failures) : IChangeListener
    {
        public Task BeforeCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token) => Task.CompletedTask;

        public Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
        {
            foreach (var failure in failures)
                IndexFailures.Add(1, new("target", failure.Target), new("error_type", failure.ErrorType ?? "unknown"));
            return Task.CompletedTask;
        }
    }
}

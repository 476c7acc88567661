using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Bulk;
using Polly;
using Polly.Retry;
using Takedown.Search;
using Takedown.Search.Elasticsearch;

namespace Takedown.Reporting.Search.Elasticsearch;

/// <summary>An item Elasticsearch refused for good (a mapping error, say): recorded, counted and shown, never dropped.</summary>
/// <param name="Target">"content" (the alias or a rebuild's index) or "case-event" (the timeline data stream).</param>
public sealed record IndexItemFailure(string Target, string Id, Guid ContentId, long Version, int Status, string? ErrorType, string? Reason);

/// <param name="Written">Items Elasticsearch stored.</param>
/// <param name="AlreadyNewer">Content documents refused with 409 because a newer version is there (or a timeline event
/// that is already there): the outcome a replayed or late batch should have.</param>
public sealed record BulkOutcome(int Written, int AlreadyNewer, IReadOnlyList<IndexItemFailure> Failures);

/// <summary>
/// Bulk writes of content documents (external version = stream version, so an older state never overwrites a newer
/// one) and timeline events (create-only, so a replay adds nothing). A whole request that fails, and items refused with
/// 429 or 5xx, are retried with capped exponential backoff until they settle or <c>ct</c> is cancelled: while
/// Elasticsearch is away the caller waits here, and nothing is lost.
/// </summary>
public sealed partial class SearchIndexWriter
{
    private readonly ElasticsearchClient _client;
    private readonly ElasticsearchSettings _settings;
    private readonly ElasticsearchStatus _status;
    private readonly ResiliencePipeline _retry;

    public SearchIndexWriter(ElasticsearchClient client, ElasticsearchSettings settings, ElasticsearchStatus status, TimeProvider time, ILogger<SearchIndexWriter> logger)
    {
        _client = client;
        _settings = settings;
        _status = status;
        _retry = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<ElasticsearchUnavailableException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryDelay,
                MaxDelay = settings.MaxRetryDelay,
                OnRetry = retry =>
                {
                    var problem = retry.Outcome.Exception?.Message ?? "unknown";
                    status.Failed(problem);
                    Log.Retrying(logger, retry.AttemptNumber + 1, retry.RetryDelay.TotalSeconds, problem);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Writes into the content alias, or into <paramref name="contentIndex"/> during a rebuild.</summary>
    public async Task<BulkOutcome> WriteAsync(
        IReadOnlyList<ContentDocument> contents, IReadOnlyList<CaseEventDocument> events, CancellationToken ct, string? contentIndex = null)
    {
        var pending = new List<Item>(contents.Count + events.Count);
        pending.AddRange(contents.Select(d => Item.Content(d, contentIndex ?? _settings.ContentAlias, aliased: contentIndex is null)));
        pending.AddRange(events.Select(e => Item.CaseEvent(e, _settings.CaseEventsDataStream)));
        if (pending.Count == 0)
            return new BulkOutcome(0, 0, []);

        var written = 0;
        var newer = 0;
        var failures = new List<IndexItemFailure>();
        await _retry.ExecuteAsync(async token =>
        {
            var response = await _client.BulkAsync(new BulkRequest { Operations = [.. pending.Select(i => i.Operation)] }, token);
            if (!response.IsValidResponse && !(response.ApiCallDetails.HttpStatusCode == 200 && response.Errors))
                throw ElasticsearchUnavailableException.From($"Bulk of {pending.Count} item(s)", response);
            var items = response.Items.ToArray();
            if (items.Length != pending.Count)
                throw new ElasticsearchUnavailableException($"Bulk of {pending.Count} item(s) answered {items.Length} item(s).");

            var retry = new List<Item>();
            for (var i = 0; i < items.Length; i++)
            {
                var (item, answer) = (pending[i], items[i]);
                switch (answer.Status)
                {
                    case >= 200 and < 300:
                        written++;
                        break;
                    case 409: // content: a newer version is indexed; timeline: this event is already there
                        newer++;
                        break;
                    case 429 or >= 500:
                        retry.Add(item);
                        break;
                    default:
                        failures.Add(new IndexItemFailure(item.Target, item.Id, item.ContentId, item.Version, answer.Status, answer.Error?.Type, answer.Error?.Reason));
                        break;
                }
            }
            if (retry.Count > 0)
            {
                pending = retry;
                var first = items.First(a => a.Status is 429 or >= 500);
                throw new ElasticsearchUnavailableException($"Elasticsearch refused {retry.Count} item(s) for now (HTTP {first.Status}: {first.Error?.Type}).");
            }
            _status.Succeeded();
        }, ct);
        return new BulkOutcome(written, newer, failures);
    }

    private sealed record Item(string Target, string Id, Guid ContentId, long Version, IBulkOperation Operation)
    {
        public static Item Content(ContentDocument document, string index, bool aliased) => new("content", document.Id, document.ContentId, document.Version,
            new BulkIndexOperation<ContentDocument>(document, index)
            {
                Id = document.Id, Version = document.Version, VersionType = VersionType.External,
                RequireAlias = aliased, // never let a write create an index named like the alias
            });

        // Data streams take only op_type create; the id makes a replayed event a 409 instead of a second copy.
        public static Item CaseEvent(CaseEventDocument e, string dataStream) => new("case-event", e.Id, e.ContentId, e.Version,
            new BulkCreateOperation<CaseEventDocument>(e, dataStream) { Id = e.Id });
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Elasticsearch bulk write, attempt {Attempt} failed; next in {DelaySeconds:0.#}s: {Problem}")]
        public static partial void Retrying(ILogger logger, int attempt, double delaySeconds, string problem);
    }
}

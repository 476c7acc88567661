using Takedown.Search;
using Takedown.Search.Elasticsearch;

namespace Takedown.Reporting.Search.Elasticsearch;

/// <summary>
/// Elasticsearch answers analysts' searches when it can; while it is away, PostgreSQL's full text over the same documents
/// (the search-documents projection runs in every deployment) answers instead, and the answer's backend says so. Search
/// degrades with Elasticsearch, it does not stop.
/// </summary>
public sealed partial class SearchWithFallback(ElasticsearchContentSearch elasticsearch, PostgresContentSearch postgres, ILogger<SearchWithFallback> logger)
    : IContentSearch
{
    public string Backend => elasticsearch.Backend;

    public async Task<SearchPage> SearchAsync(ContentQuery query, CancellationToken ct)
    {
        try
        {
            return await elasticsearch.SearchAsync(query, ct);
        }
        catch (ElasticsearchUnavailableException e)
        {
            LogFallback(logger, e.Message);
            return await postgres.SearchAsync(query, ct);
        }
    }

    public async Task<IReadOnlyList<SimilarHit>> SimilarAsync(SimilarQuery query, CancellationToken ct)
    {
        try
        {
            return await elasticsearch.SimilarAsync(query, ct);
        }
        catch (ElasticsearchUnavailableException e)
        {
            LogFallback(logger, e.Message);
            return await postgres.SimilarAsync(query, ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Elasticsearch did not answer a search ({Reason}); PostgreSQL answered it instead")]
    private static partial void LogFallback(ILogger logger, string reason);
}
